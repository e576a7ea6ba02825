import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys, prefixUpperBound } from '../../src/state/key-range.js';

function codePoints(text: string): number[] {
  return Array.from(text, (character) => character.codePointAt(0) ?? 0);
}

function compareCodePoints(left: string, right: string): number {
  const [leftPoints, rightPoints] = [codePoints(left), codePoints(right)];
  for (let index = 0; index < Math.min(leftPoints.length, rightPoints.length); index++) {
    const difference = (leftPoints[index] ?? 0) - (rightPoints[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return leftPoints.length - rightPoints.length;
}

// Every code point but the surrogates, biased towards the edges the bound must step over.
const text = fc.string({
  unit: fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('\uD7FF', '\uE000', '\uFFFF', '\u{10000}', '\u{10FFFF}', 'a', '\u0000'),
  ),
  maxLength: 4,
});

describe('compareKeys', () => {
  it('orders by code point, unlike UTF-16 comparison', () => {
    expect(compareKeys('\uFFFF', '\u{10000}')).toBeLessThan(0);
    expect('\uFFFF' < '\u{10000}').toBe(false);
    expect(compareKeys('a', 'a')).toBe(0);
    expect(compareKeys('a', 'ab')).toBeLessThan(0);
  });

  it('agrees with code point order for any strings', () => {
    fc.assert(
      fc.property(text, text, (left, right) => {
        expect(Math.sign(compareKeys(left, right))).toBe(Math.sign(compareCodePoints(left, right)));
      }),
    );
  });
});

describe('prefixUpperBound', () => {
  it.each([
    ['', undefined],
    ['a', 'b'],
    ['a%', 'a&'],
    ['a\uD7FF', 'a\uE000'],
    ['a\uFFFF', 'a\u{10000}'],
    ['a😀', 'a😁'],
    ['a\u{10FFFF}', 'b'],
    ['\u{10FFFF}\u{10FFFF}', undefined],
  ])('bounds %j by %j', (prefix, bound) => {
    expect(prefixUpperBound(prefix)).toBe(bound);
  });

  it('bounds exactly the keys that start with the prefix', () => {
    fc.assert(
      fc.property(text, text, fc.boolean(), (prefix, rest, extend) => {
        const key = extend ? prefix + rest : rest;
        const bound = prefixUpperBound(prefix);
        const inRange = compareKeys(key, prefix) >= 0 && (bound === undefined || compareKeys(key, bound) < 0);
        expect(inRange).toBe(key.startsWith(prefix));
      }),
      { numRuns: 500 },
    );
  });
});
