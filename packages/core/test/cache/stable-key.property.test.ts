import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableKey } from '../../src/cache/stable-key.js';

/** Deep equality of JSON values where object key order does not matter. */
function jsonEqual(first: unknown, second: unknown): boolean {
  if (first === second) return true;
  if (typeof first !== 'object' || typeof second !== 'object' || first === null || second === null) {
    return false;
  }
  if (Array.isArray(first) || Array.isArray(second)) {
    if (!Array.isArray(first) || !Array.isArray(second) || first.length !== second.length) return false;
    return first.every((item, index) => jsonEqual(item, second[index]));
  }
  const firstRecord = first as Record<string, unknown>;
  const secondRecord = second as Record<string, unknown>;
  const firstKeys = Object.keys(firstRecord);
  if (firstKeys.length !== Object.keys(secondRecord).length) return false;
  return firstKeys.every(
    (key) => Object.hasOwn(secondRecord, key) && jsonEqual(firstRecord[key], secondRecord[key]),
  );
}

/** A copy of `value` whose objects list their keys in another order, chosen by `seed`. */
function reorderKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item, index) => reorderKeys(item, seed + index));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  let state = seed;
  // Fisher–Yates with a tiny linear congruential generator, so the order is reproducible from the seed.
  for (let index = entries.length - 1; index > 0; index -= 1) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const other = state % (index + 1);
    const current = entries[index] as [string, unknown];
    entries[index] = entries[other] as [string, unknown];
    entries[other] = current;
  }
  return Object.fromEntries(entries.map(([key, item], index) => [key, reorderKeys(item, seed + index + 1)]));
}

/**
 * JSON values drawn from a small alphabet, so that independently drawn pairs are often equal, and with
 * strings that look like other types or contain the key grammar's separators.
 */
const collidingJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -2, max: 2 }),
    fc.constantFrom(0.5, 1e21, -1e-7),
    fc.constantFrom('', 'a', 'b', '1', 'true', 'null', 'n', '"', '\\', ',', 'a:b', '{}', '[]', 's1', 'd1'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', 'a:b', '"', ''), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** Tiny containers over a tiny alphabet: equal arrays and objects come up often, not just equal leaves. */
const tinyJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, 0, '0', 'a'),
    fc.array(tie('value'), { maxLength: 2 }),
    fc.dictionary(fc.constantFrom('a', 'b'), tie('value'), { maxKeys: 2 }),
  ),
})).value;

describe('stableKey (property)', () => {
  it('gives equal keys exactly for deep-equal JSON values (small alphabet, many collisions)', () => {
    fc.assert(
      fc.property(collidingJson, collidingJson, fc.nat(), (first, second, seed) => {
        const reordered = reorderKeys(second, seed);
        expect(stableKey(first) === stableKey(reordered)).toBe(jsonEqual(first, second));
      }),
      { numRuns: 20_000 },
    );
  });

  it('gives equal keys exactly for deep-equal containers (tiny alphabet, shuffled keys)', () => {
    fc.assert(
      fc.property(tinyJson, tinyJson, fc.nat(), (first, second, seed) => {
        const reordered = reorderKeys(second, seed);
        expect(stableKey(first) === stableKey(reordered)).toBe(jsonEqual(first, second));
      }),
      { numRuns: 20_000 },
    );
  });

  it('gives equal keys exactly for deep-equal JSON values (arbitrary JSON)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (first, second) => {
        expect(stableKey(first) === stableKey(second)).toBe(jsonEqual(first, second));
      }),
      { numRuns: 5_000 },
    );
  });

  it('gives the same key whatever order object keys were written in', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, seed) => {
        const key = stableKey(value);
        expect(key).toBeTypeOf('string');
        expect(stableKey(reorderKeys(value, seed))).toBe(key);
      }),
      { numRuns: 5_000 },
    );
  });

  it('keys every JSON value, and a JSON round trip keeps the key', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const key = stableKey(value);
        expect(key).toBeTypeOf('string');
        expect(stableKey(JSON.parse(JSON.stringify(value)))).toBe(key);
      }),
      { numRuns: 5_000 },
    );
  });
});
