import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineQueue } from '../../src/routes/deadline-queue.js';
import { ManualClock } from '../support/manual-clock.js';

describe('DeadlineQueue', () => {
  it('expires every unsettled item once its time limit passed, in the order they came, and no settled one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.boolean()), { maxLength: 40 }),
        fc.integer({ min: 10, max: 1_000 }),
        (items, timeoutMs) => {
          const clock = new ManualClock();
          const expired: number[] = [];
          const queue = new DeadlineQueue<number>(timeoutMs, clock, (item) => expired.push(item));
          const startedAt = new Map<number, number>();
          items.forEach(([gap, settle], index) => {
            clock.advance(gap);
            queue.track(index);
            startedAt.set(index, clock.now());
            if (settle) queue.settle(index);
          });
          const end = clock.now();
          clock.advance(timeoutMs + Math.max(5, Math.floor(timeoutMs / 10)) * 2);
          const expected = items.flatMap(([, settle], index) => (settle ? [] : [index]));
          expect(expired).toEqual(expected);
          for (const item of expired) expect(startedAt.get(item)).toBeLessThanOrEqual(end);
        },
      ),
    );
  });

  it('expires nothing before its time and keeps no timer once empty', () => {
    const clock = new ManualClock();
    const expired: string[] = [];
    const queue = new DeadlineQueue<string>(1_000, clock, (item) => expired.push(item));
    queue.track('a');
    clock.advance(900);
    expect(expired).toEqual([]);
    clock.advance(200);
    expect(expired).toEqual(['a']);
    queue.track('b');
    queue.close();
    clock.advance(5_000);
    expect(expired).toEqual(['a']);
  });
});
