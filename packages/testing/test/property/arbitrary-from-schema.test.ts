import fc from 'fast-check';
import * as valibot from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  arbitraryFromJsonSchema,
  arbitraryFromSchema,
  type JsonSchema,
  jsonSchemaOf,
} from '../../src/index.js';

/** Every value generated from the schema's JSON Schema alone (no validation filter) is accepted by it. */
function expectOnlyValid(schema: z.ZodType, numRuns = 60): void {
  fc.assert(
    fc.property(arbitraryFromSchema(schema, { validate: false }), (value) => {
      const outcome = schema.safeParse(value);
      if (!outcome.success) throw new Error(`${JSON.stringify(value)}: ${outcome.error.message}`);
    }),
    { numRuns },
  );
}

const CASES: ReadonlyArray<readonly [string, z.ZodType]> = [
  ['integers in bounds', z.object({ id: z.number().int().min(1).max(10), big: z.number().int().positive() })],
  [
    'exclusive bounds and multiples',
    z.object({ ratio: z.number().gt(0).lt(1), step: z.number().multipleOf(5).min(0).max(50) }),
  ],
  [
    'string lengths and formats',
    z.object({
      name: z.string().min(2).max(4),
      email: z.email(),
      id: z.uuid(),
      at: z.iso.datetime(),
      site: z.url(),
    }),
  ],
  [
    'patterns',
    z.object({
      code: z.string().regex(/^[A-Z]{3}-\d{2}$/),
      slug: z
        .string()
        .regex(/^[a-z]+$/)
        .min(3)
        .max(6),
    }),
  ],
  [
    'enums, literals and booleans',
    z.object({ kind: z.enum(['a', 'b']), fixed: z.literal('yes'), on: z.boolean() }),
  ],
  [
    'optional and nullable members',
    z.object({ note: z.string().optional(), parent: z.number().int().nullable() }),
  ],
  [
    'arrays with bounds and tuples',
    z.object({ tags: z.array(z.string()).min(1).max(3), point: z.tuple([z.number(), z.number()]) }),
  ],
  [
    'unions, records and nesting',
    z.object({
      value: z.union([z.string(), z.number().int()]),
      meta: z.record(z.string(), z.boolean()),
      inner: z.object({ deep: z.array(z.object({ x: z.number() })) }),
    }),
  ],
  ['strict objects', z.strictObject({ a: z.string() })],
];

describe('arbitraryFromSchema', () => {
  for (const [label, schema] of CASES) {
    it(`generates only values zod accepts: ${label}`, () => expectOnlyValid(schema));
  }

  it('generates recursive schemas through $ref, ending at the depth limit', () => {
    interface Tree {
      readonly label: string;
      readonly children?: Tree[];
    }
    const tree: z.ZodType<Tree> = z.lazy(() =>
      z.object({ label: z.string(), children: z.array(tree).optional() }),
    );
    expectOnlyValid(tree as z.ZodType, 30);
  });

  it('keeps only values the schema accepts when it validates, refinements included', () => {
    const even = z.object({
      n: z
        .number()
        .int()
        .min(0)
        .max(100)
        .refine((n) => n % 2 === 0),
    });
    const values = fc.sample(arbitraryFromSchema<{ n: number }>(even), 50);
    expect(values.every((value) => value.n % 2 === 0)).toBe(true);
  });

  it('gives up with E_ARBITRARY_EXHAUSTED when the schema accepts almost nothing it can generate', () => {
    const impossible = z.string().refine(() => false, 'never');
    expect(() => fc.sample(arbitraryFromSchema(impossible), 1)).toThrow(
      expect.objectContaining({
        code: 'E_ARBITRARY_EXHAUSTED',
        message: expect.stringContaining('none satisfied the schema'),
      }),
    );
  });

  it('uses the Standard JSON Schema of a schema, and says when a schema has none', () => {
    expect(jsonSchemaOf(z.object({ a: z.string() }))).toMatchObject({
      type: 'object',
      properties: { a: { type: 'string' } },
      required: ['a'],
    });
    const plain: JsonSchema = { type: 'integer', minimum: 3, maximum: 3 };
    expect(jsonSchemaOf(plain)).toBe(plain);
    expect(() => jsonSchemaOf(valibot.object({ a: valibot.string() }))).toThrow(
      expect.objectContaining({
        code: 'E_SCHEMA_UNSUPPORTED',
        message: expect.stringContaining('a valibot schema without a JSON Schema converter'),
      }),
    );
  });
});

describe('arbitraryFromJsonSchema', () => {
  function sample(schema: JsonSchema, runs = 40): unknown[] {
    return fc.sample(arbitraryFromJsonSchema(schema), { numRuns: runs, seed: 7 });
  }

  it('understands draft-04 exclusive bounds, OpenAPI nullable, allOf and uniqueItems', () => {
    for (const value of sample({
      type: 'integer',
      minimum: 1,
      exclusiveMinimum: true,
      maximum: 3,
      exclusiveMaximum: true,
    }))
      expect(value).toBe(2);
    expect(
      new Set(sample({ type: 'string', minLength: 1, maxLength: 1, pattern: '^x$', nullable: true })),
    ).toEqual(new Set(['x', null]));
    for (const value of sample({
      allOf: [
        { type: 'object', properties: { a: { const: 1 } }, required: ['a'] },
        { properties: { b: { const: 2 } }, required: ['b'] },
      ],
    }))
      expect(value).toEqual({ a: 1, b: 2 });
    for (const value of sample({
      type: 'array',
      items: { type: 'integer', minimum: 0, maximum: 3 },
      uniqueItems: true,
      minItems: 4,
    }) as number[][])
      expect([...value].sort()).toEqual([0, 1, 2, 3]);
  });

  it('resolves local $refs, prefixItems and typeless schemas', () => {
    const schema: JsonSchema = {
      $defs: { id: { type: 'integer', minimum: 5, maximum: 5 } },
      type: 'object',
      properties: {
        id: { $ref: '#/$defs/id' },
        pair: { type: 'array', prefixItems: [{ const: 'x' }, { type: 'boolean' }] },
        any: {},
      },
      required: ['id', 'pair'],
    };
    for (const value of sample(schema) as Array<{ id: number; pair: unknown[] }>) {
      expect(value.id).toBe(5);
      expect(value.pair).toEqual(['x', expect.any(Boolean)]);
    }
  });

  it('names the path of what it cannot generate', () => {
    const unsupported: Array<[JsonSchema, string]> = [
      [false, 'accepts nothing'],
      [{ type: 'object', properties: { a: { enum: [] } }, required: ['a'] }, 'an empty enum'],
      [{ $ref: 'https://example.com/schema.json' }, 'remote $ref'],
      [{ type: 'object', properties: { when: { type: 'date' } } }, 'unknown type "date"'],
      [{ type: 'integer', minimum: 5, maximum: 4 }, 'no integer lies between 5 and 4'],
    ];
    for (const [schema, reason] of unsupported) {
      expect(() => arbitraryFromJsonSchema(schema)).toThrow(
        expect.objectContaining({ code: 'E_SCHEMA_UNSUPPORTED', message: expect.stringContaining(reason) }),
      );
    }
    expect(() => arbitraryFromJsonSchema({ type: 'object', properties: { a: { type: 'date' } } })).toThrow(
      "schema at 'a'",
    );
  });
});
