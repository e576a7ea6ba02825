import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesPartial } from '../../src/index.js';

describe('matchesPartial', () => {
  it('matches any JSON value against itself, and an object against any subset of its keys', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(matchesPartial(value, structuredClone(value))).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.func(fc.boolean()), (object, keep) => {
        const subset = Object.fromEntries(Object.entries(object).filter(([key]) => keep(key)));
        expect(matchesPartial(object, subset)).toBe(true);
      }),
    );
  });

  it('agrees with toMatchObject on objects and arrays', () => {
    const pairs: Array<[unknown, unknown, boolean]> = [
      [{ a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } }, true],
      [{ a: 1 }, { a: 2 }, false],
      [{ a: 1 }, { b: undefined }, false],
      [[{ a: 1, b: 2 }], [{ a: 1 }], true],
      [[1, 2], [1], false],
      ['text', { a: 1 }, false],
      [new Date(5), new Date(5), true],
      [{ when: new Date(5) }, { when: new Date(6) }, false],
      [{ id: 'x1' }, { id: expect.stringMatching(/^x/) }, true],
      [{ n: 1 }, { n: expect.any(String) }, false],
    ];
    for (const [actual, expected, matches] of pairs) {
      expect(matchesPartial(actual, expected)).toBe(matches);
      if (
        typeof actual === 'object' &&
        actual !== null &&
        typeof expected === 'object' &&
        expected !== null
      ) {
        const assertion = () => expect(actual).toMatchObject(expected as object);
        if (matches) expect(assertion).not.toThrow();
        else expect(assertion).toThrow();
      }
    }
  });
});
