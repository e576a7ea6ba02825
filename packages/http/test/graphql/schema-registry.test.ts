import { TrellisError } from '@trellis/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../../src/graphql/schema-registry.js';

const fieldName = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');

describe('SchemaRegistry', () => {
  it('refuses a second plugin exactly when it adds a field the first added, naming both', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fieldName, { minLength: 1 }),
        fc.uniqueArray(fieldName, { minLength: 1 }),
        (mine, theirs) => {
          const registry = new SchemaRegistry<{ plugin: string }>();
          const first = { plugin: 'first' };
          const second = { plugin: 'second' };
          registry.add(first, {
            typeDefs: `extend type Query { ${mine.map((field) => `${field}: Int`).join(' ')} }`,
          });
          const shared = theirs.filter((field) => mine.includes(field));
          const add = () =>
            registry.add(second, {
              typeDefs: `extend type Query { ${theirs.map((field) => `${field}: Int`).join(' ')} }`,
            });
          if (shared.length === 0) {
            add();
            const built = registry.build();
            expect(Object.keys(built.schema!.getQueryType()!.getFields()).sort()).toEqual(
              [...mine, ...theirs].sort(),
            );
            expect(built.problems).toEqual([]);
          } else {
            let error: unknown;
            try {
              add();
            } catch (thrown) {
              error = thrown;
            }
            expect(TrellisError.is(error, 'E_GRAPHQL_CLASH')).toBe(true);
            expect((error as TrellisError).details).toMatchObject({
              kind: 'field',
              owner: 'first',
              claimant: 'second',
            });
            expect(shared.map((field) => `Query.${field}`)).toContain((error as TrellisError).details.name);
          }
        },
      ),
    );
  });

  it('changes version on every add and remove, and forgets what a removed owner added', () => {
    const registry = new SchemaRegistry<{ plugin: string }>();
    const owner = { plugin: 'p' };
    const before = registry.version;
    registry.add(owner, { typeDefs: 'extend type Query { a: Int }' });
    expect(registry.version).not.toBe(before);
    const added = registry.version;
    registry.remove(owner);
    expect(registry.version).not.toBe(added);
    expect(registry.build().schema).toBeUndefined();
    const removed = registry.version;
    registry.remove(owner);
    expect(registry.version).toBe(removed);
    registry.add({ plugin: 'q' }, { typeDefs: 'extend type Query { a: Int }' });
  });
});
