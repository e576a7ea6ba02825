import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/index.js';

const json = fc.jsonValue({ noUnicodeString: false });

/** The same value with every object's keys in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, child]) => [key, reversedKeys(child)]),
    );
  return value;
}

describe('canonicalJson', () => {
  it('is valid JSON that parses back to an equal value', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(JSON.parse(canonicalJson(value, 'v'))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('gives deep-equal values the same text whatever their key order', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(canonicalJson(reversedKeys(value), 'v')).toBe(canonicalJson(value, 'v'));
      }),
    );
  });

  it('gives two values the same text exactly when they are deep-equal as JSON', () => {
    fc.assert(
      fc.property(json, json, (left, right) => {
        const equal = isDeepStrictEqual(JSON.parse(JSON.stringify(left)), JSON.parse(JSON.stringify(right)));
        expect(canonicalJson(left, 'v') === canonicalJson(right, 'v')).toBe(equal);
      }),
    );
  });
});
