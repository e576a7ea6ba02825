import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Batcher, type BatchFunction, type BatchOptions } from '../../src/batching/batcher.js';
import { type Clock, systemClock } from '../../src/clock/clock.js';
import { errors } from '../../src/errors/errors.js';
import { TrellisError } from '../../src/errors/trellis-error.js';
import { deferred } from '../support/deferred.js';
import { flushPromises, ManualClock } from '../support/manual-clock.js';

const closedError = () => errors.pluginStopped('owner');

/** A batch function that records each batch and answers every item doubled. */
function recordingDoubler(): { calls: number[][]; batchFunction: BatchFunction<number, number> } {
  const calls: number[][] = [];
  return {
    calls,
    batchFunction: (items) => {
      calls.push([...items]);
      return items.map((item) => item * 2);
    },
  };
}

function makeBatcher<Item, Result>(
  batchFunction: BatchFunction<Item, Result>,
  options: BatchOptions = {},
  clock = new ManualClock(),
): Batcher<Item, Result> {
  return new Batcher(batchFunction, options, clock, closedError);
}

describe('Batcher windows', () => {
  it('batches the loads made in the same tick into one call when maxWaitMs is 0', async () => {
    const { calls, batchFunction } = recordingDoubler();
    const batcher = makeBatcher(batchFunction);
    const results = Promise.all([batcher.load(1), batcher.load(2), batcher.load(3)]);
    expect(batcher.pending).toBe(3);
    expect(calls).toEqual([]);
    await expect(results).resolves.toEqual([2, 4, 6]);
    expect(calls).toEqual([[1, 2, 3]]);
    expect(batcher.pending).toBe(0);
  });

  it('starts a new batch for loads made after the previous tick dispatched', async () => {
    const { calls, batchFunction } = recordingDoubler();
    const batcher = makeBatcher(batchFunction);
    await batcher.load(1);
    await batcher.load(2);
    expect(calls).toEqual([[1], [2]]);
  });

  it('dispatches synchronously inside the load that reaches maxSize, and splits the rest', async () => {
    const { calls, batchFunction } = recordingDoubler();
    const batcher = makeBatcher(batchFunction, { maxSize: 2 });
    const loads = [1, 2, 3, 4, 5].map((item) => batcher.load(item));
    expect(calls).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(batcher.pending).toBe(1);
    await expect(Promise.all(loads)).resolves.toEqual([2, 4, 6, 8, 10]);
    expect(calls).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('waits maxWaitMs on the clock from the first queued item, then dispatches once', async () => {
    const clock = new ManualClock();
    const { calls, batchFunction } = recordingDoubler();
    const batcher = makeBatcher(batchFunction, { maxWaitMs: 10 }, clock);
    const first = batcher.load(1);
    await clock.advance(6);
    const second = batcher.load(2);
    expect(clock.pending).toBe(1);
    await clock.advance(3);
    expect(calls).toEqual([]);
    await clock.advance(1);
    expect(calls).toEqual([[1, 2]]);
    await expect(Promise.all([first, second])).resolves.toEqual([2, 4]);
    expect(clock.pending).toBe(0);
  });

  it('disarms the window timer when maxSize fills the batch first', async () => {
    const clock = new ManualClock();
    const { calls, batchFunction } = recordingDoubler();
    const batcher = makeBatcher(batchFunction, { maxWaitMs: 50, maxSize: 2 }, clock);
    const loads = [batcher.load(1), batcher.load(2)];
    expect(calls).toEqual([[1, 2]]);
    expect(clock.pending).toBe(0);
    await expect(Promise.all(loads)).resolves.toEqual([2, 4]);
  });

  it('flush() dispatches the open window at once and disarms its timer', async () => {
    const clock = new ManualClock();
    const { calls, batchFunction } = recordingDoubler();
    const batcher = makeBatcher(batchFunction, { maxWaitMs: 50 }, clock);
    const loads = [batcher.load(1), batcher.load(2)];
    batcher.flush();
    expect(calls).toEqual([[1, 2]]);
    expect(clock.pending).toBe(0);
    expect(batcher.pending).toBe(0);
    await expect(Promise.all(loads)).resolves.toEqual([2, 4]);
    batcher.flush();
    expect(calls).toHaveLength(1);
  });

  it('opens a fresh window with a fresh timer after a dispatch', async () => {
    const clock = new ManualClock();
    const { calls, batchFunction } = recordingDoubler();
    const batcher = makeBatcher(batchFunction, { maxWaitMs: 10 }, clock);
    const first = batcher.load(1);
    await clock.advance(10);
    const second = batcher.load(2);
    await clock.advance(9);
    expect(calls).toEqual([[1]]);
    await clock.advance(1);
    expect(calls).toEqual([[1], [2]]);
    await expect(Promise.all([first, second])).resolves.toEqual([2, 4]);
  });

  it('keeps every item, in order, in batches no larger than maxSize (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer(), { maxLength: 60 }),
        fc.integer({ min: 1, max: 12 }),
        async (items, maxSize) => {
          const { calls, batchFunction } = recordingDoubler();
          const batcher = makeBatcher(batchFunction, { maxSize });
          const results = await Promise.all(items.map((item) => batcher.load(item)));
          expect(results).toEqual(items.map((item) => item * 2));
          expect(calls.flat()).toEqual(items);
          expect(calls.every((batch) => batch.length >= 1 && batch.length <= maxSize)).toBe(true);
          expect(calls).toHaveLength(Math.ceil(items.length / maxSize));
        },
      ),
    );
  });
});

describe('Batcher failures', () => {
  it('rejects only the item whose entry is an Error, with that very error', async () => {
    const notFound = new Error('user 2 not found');
    const batcher = makeBatcher<number, string>((items) =>
      items.map((item) => (item === 2 ? notFound : `user ${item}`)),
    );
    const outcomes = await Promise.allSettled([batcher.load(1), batcher.load(2), batcher.load(3)]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 'user 1' },
      { status: 'rejected', reason: notFound },
      { status: 'fulfilled', value: 'user 3' },
    ]);
  });

  it('rejects every item of the batch with what a synchronous batch function threw', async () => {
    const failure = new Error('database down');
    const batcher = makeBatcher<number, number>(() => {
      throw failure;
    });
    const outcomes = await Promise.allSettled([batcher.load(1), batcher.load(2)]);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
  });

  it('rejects every item of the batch when the batch function rejects, and not the next batch', async () => {
    const failure = new Error('timeout talking to the database');
    let call = 0;
    const batcher = makeBatcher<number, number>(async (items) => {
      call += 1;
      if (call === 1) throw failure;
      return items.map((item) => item + 100);
    });
    const outcomes = await Promise.allSettled([batcher.load(1), batcher.load(2)]);
    expect(outcomes.map((outcome) => outcome.status === 'rejected' && outcome.reason)).toEqual([
      failure,
      failure,
    ]);
    await expect(batcher.load(3)).resolves.toBe(103);
  });

  it.each([
    ['too few results', [1], '1 results'],
    ['too many results', [1, 2, 3], '3 results'],
    ['a non-array', { 0: 1, 1: 2, length: 2 }, '{"0":1,"1":2,"length":2}'],
    ['undefined', undefined, 'undefined'],
  ])(
    'rejects every item with E_BATCH_MISMATCH when the batch function returns %s',
    async (_label, answer, got) => {
      const batcher = makeBatcher<number, number>(() => answer as unknown as number[], {
        name: 'users.byId',
      });
      const outcomes = await Promise.allSettled([batcher.load(1), batcher.load(2)]);
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        const reason = (outcome as PromiseRejectedResult).reason;
        expect(TrellisError.is(reason, 'E_BATCH_MISMATCH')).toBe(true);
        expect(reason.details).toEqual({ batch: 'users.byId', expected: 2 });
        expect(reason.message).toContain(`2 expected, got ${got}`);
      }
    },
  );

  it('rejects with E_BATCH_MISMATCH when an asynchronous batch function answers the wrong length', async () => {
    const batcher = makeBatcher<number, number>(async () => [1]);
    const outcomes = await Promise.allSettled([batcher.load(1), batcher.load(2)]);
    expect(
      outcomes.map((outcome) => outcome.status === 'rejected' && (outcome.reason as TrellisError).code),
    ).toEqual(['E_BATCH_MISMATCH', 'E_BATCH_MISMATCH']);
  });

  it.each([
    ['maxSize 0', { maxSize: 0 }],
    ['maxSize 1.5', { maxSize: 1.5 }],
    ['maxWaitMs -1', { maxWaitMs: -1 }],
    ['maxWaitMs NaN', { maxWaitMs: Number.NaN }],
  ])('refuses %s with E_INVALID_ARGUMENT', (_label, options) => {
    expect(() => makeBatcher<number, number>((items) => items, options)).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
  });
});

describe('Batcher close', () => {
  it('flushes the open window, waits for dispatched batches, then rejects later loads', async () => {
    const clock = new ManualClock();
    const answers: Array<ReturnType<typeof deferred<number[]>>> = [];
    const batcher = makeBatcher<number, number>(
      () => {
        const answer = deferred<number[]>();
        answers.push(answer);
        return answer.promise;
      },
      { maxWaitMs: 100, maxSize: 2 },
      clock,
    );
    const dispatched = [batcher.load(1), batcher.load(2)];
    const queued = batcher.load(3);
    let closed = false;
    const closing = batcher.close().then(() => {
      closed = true;
    });
    expect(answers).toHaveLength(2);
    expect(batcher.pending).toBe(0);
    expect(clock.pending).toBe(0);
    await expect(batcher.load(4)).rejects.toMatchObject({
      code: 'E_PLUGIN_STATE',
      details: { plugin: 'owner' },
    });

    answers[0]?.resolve([10, 20]);
    await flushPromises();
    expect(closed).toBe(false);
    answers[1]?.resolve([30]);
    await closing;
    expect(closed).toBe(true);
    await expect(Promise.all([...dispatched, queued])).resolves.toEqual([10, 20, 30]);
    await expect(batcher.load(5)).rejects.toMatchObject({ code: 'E_PLUGIN_STATE' });
    expect(clock.pending).toBe(0);
  });

  it('resolves close() even when the last batch failed, and returns the same promise when called again', async () => {
    const batcher = makeBatcher<number, number>(async () => {
      throw new Error('gone');
    });
    const load = batcher.load(1);
    const closing = batcher.close();
    expect(batcher.close()).toBe(closing);
    await expect(closing).resolves.toBeUndefined();
    await expect(load).rejects.toThrow('gone');
  });

  it('disarms its window timer on the system clock when close() flushes', async () => {
    const live = new Set<unknown>();
    const trackingClock: Clock = {
      now: systemClock.now,
      setTimeout(callback, delayMs) {
        const handle = systemClock.setTimeout(() => {
          live.delete(handle);
          callback();
        }, delayMs);
        live.add(handle);
        return handle;
      },
      clearTimeout(handle) {
        live.delete(handle);
        systemClock.clearTimeout(handle);
      },
    };
    const batcher = new Batcher<number, number>(
      (items) => items,
      { maxWaitMs: 60_000 },
      trackingClock,
      closedError,
    );
    const load = batcher.load(1);
    expect(live.size).toBe(1);
    await batcher.close();
    await expect(load).resolves.toBe(1);
    expect(live.size).toBe(0);
  });
});
