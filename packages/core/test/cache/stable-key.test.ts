import { describe, expect, it } from 'vitest';
import { stableKey } from '../../src/cache/stable-key.js';

describe('stableKey', () => {
  it('gives one key per primitive type, so 1, "1" and true never share a cache entry', () => {
    const values = [1, '1', true, 'true', 't', false, 'f', null, 'null', 'n', undefined, 'u', 'd1', '', 0];
    const keys = values.map((value) => stableKey(value));
    expect(keys.every((key) => typeof key === 'string')).toBe(true);
    expect(new Set(keys).size).toBe(values.length);
  });

  it('ignores object key order, at the top level and nested', () => {
    expect(stableKey({ b: 2, a: 1 })).toBe(stableKey({ a: 1, b: 2 }));
    expect(stableKey({ outer: { z: [1, { y: 1, x: 2 }], a: 'a' } })).toBe(
      stableKey({ outer: { a: 'a', z: [1, { x: 2, y: 1 }] } }),
    );
  });

  it('keeps array order significant', () => {
    expect(stableKey([1, 2])).not.toBe(stableKey([2, 1]));
  });

  it('does not confuse strings that contain the separators of the key grammar', () => {
    const values: unknown[] = [
      ['a,b'],
      ['a', 'b'],
      ['a"', 'b'],
      ['a","b'],
      { 'a:b': 1 },
      { a: 'b:1' },
      { a: '1' },
      { a: 1 },
      { '"a"': 1 },
      ['\\', '"'],
      ['\\"'],
      [[]],
      [],
      {},
      [{}],
      ['{}'],
      '[]',
      '{}',
    ];
    const keys = values.map((value) => stableKey(value));
    expect(new Set(keys).size).toBe(values.length);
  });

  it('keys -0 like 0, and an undefined property like an absent one (as a JSON round trip would)', () => {
    expect(stableKey(-0)).toBe(stableKey(0));
    expect(stableKey({ a: 1, b: undefined })).toBe(stableKey({ a: 1 }));
    expect(stableKey({ only: undefined })).toBe(stableKey({}));
  });

  it('keeps undefined and null apart inside arrays', () => {
    expect(stableKey([undefined])).not.toBe(stableKey([null]));
    expect(stableKey([undefined])).not.toBe(stableKey([]));
  });

  it('keys NaN and the infinities apart from each other and from their spellings as strings', () => {
    const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 'NaN', 'Infinity'];
    expect(new Set(values.map((value) => stableKey([value]))).size).toBe(values.length);
    expect(new Set(values.map((value) => stableKey(value))).size).toBe(values.length);
  });

  it('keys dates by instant, apart from the same instant as a number or string', () => {
    const instant = Date.UTC(2026, 0, 1);
    expect(stableKey(new Date(instant))).toBe(stableKey(new Date(instant)));
    expect(stableKey({ at: new Date(instant) })).toBe(stableKey({ at: new Date(instant) }));
    expect(stableKey(new Date(instant))).not.toBe(stableKey(new Date(instant + 1)));
    const lookalikes = [new Date(instant), instant, String(instant), new Date(instant).toISOString()];
    expect(new Set(lookalikes.map((value) => stableKey({ at: value }))).size).toBe(lookalikes.length);
  });

  it('keys objects without a prototype like plain objects', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { id: 42 });
    expect(stableKey(bare)).toBe(stableKey({ id: 42 }));
  });

  it('keys a value referenced twice without a cycle (shared, not circular)', () => {
    const shared = { x: 1 };
    expect(stableKey({ a: shared, b: shared, list: [shared, shared] })).toBe(
      stableKey({ a: { x: 1 }, b: { x: 1 }, list: [{ x: 1 }, { x: 1 }] }),
    );
  });

  it('returns undefined for values that cannot be keyed', () => {
    const circular: Record<string, unknown> = { id: 1 };
    circular.self = circular;
    const deepCircular: Record<string, unknown> = { id: 1 };
    deepCircular.child = { list: [1, { back: deepCircular }] };
    const circularArray: unknown[] = [1];
    circularArray.push(circularArray);
    class Point {
      constructor(readonly x: number) {}
    }
    const unkeyable: unknown[] = [
      () => 1,
      Symbol('s'),
      10n,
      circular,
      deepCircular,
      circularArray,
      new Point(1),
      new Map([['a', 1]]),
      new Set([1]),
      /a/,
      new Uint8Array(2),
      Object(1),
      { nested: { fn: () => 1 } },
      [1, Symbol('s')],
      { amount: 10n },
    ];
    for (const value of unkeyable) expect(stableKey(value)).toBeUndefined();
  });

  it('returns undefined for an array subclass rather than keying it like an array', () => {
    class Pair extends Array<number> {}
    const pair = Pair.from([1, 2]);
    expect(stableKey(pair)).toBeUndefined();
  });
});
