import { describe, expect, it } from 'vitest';
import { TrellisError } from '../../src/errors/trellis-error.js';
import { Bulkhead, type BulkheadOptions } from '../../src/policies/bulkhead.js';
import { flushPromises, ManualClock } from '../support/manual-clock.js';

/** Follows a promise so a test can read how it settled without awaiting it. */
function track(promise: Promise<void>) {
  const outcome: { status: 'pending' | 'granted' | 'rejected'; reason?: unknown } = { status: 'pending' };
  promise.then(
    () => {
      outcome.status = 'granted';
    },
    (reason: unknown) => {
      outcome.status = 'rejected';
      outcome.reason = reason;
    },
  );
  return outcome;
}

function codeOf(reason: unknown): string | undefined {
  return reason instanceof TrellisError ? reason.code : undefined;
}

function setup(options: BulkheadOptions) {
  const clock = new ManualClock();
  return { clock, bulkhead: new Bulkhead('reports.render', options, clock) };
}

describe('Bulkhead', () => {
  it('admits up to maxConcurrent calls on the synchronous path and frees slots on leave', () => {
    const { bulkhead } = setup({ maxConcurrent: 2 });
    expect(bulkhead.tryEnter()).toBe(true);
    expect(bulkhead.tryEnter()).toBe(true);
    expect(bulkhead.tryEnter()).toBe(false);
    expect(bulkhead.active).toBe(2);
    bulkhead.leave();
    expect(bulkhead.active).toBe(1);
    expect(bulkhead.tryEnter()).toBe(true);
  });

  it('refuses at once with E_BULKHEAD_FULL when there is no queue (maxQueue defaults to 0)', async () => {
    const { bulkhead } = setup({ maxConcurrent: 1 });
    bulkhead.tryEnter();
    const error = await bulkhead.enqueue(undefined, undefined).catch((reason: unknown) => reason);
    expect(codeOf(error)).toBe('E_BULKHEAD_FULL');
    expect((error as TrellisError).details).toEqual({
      capability: 'reports.render',
      maxConcurrent: 1,
      maxQueue: 0,
    });
    expect(bulkhead.queued).toBe(0);
  });

  it('refuses with E_BULKHEAD_FULL once the queue is full', async () => {
    const { bulkhead } = setup({ maxConcurrent: 1, maxQueue: 2 });
    bulkhead.tryEnter();
    track(bulkhead.enqueue(undefined, undefined));
    track(bulkhead.enqueue(undefined, undefined));
    const third = track(bulkhead.enqueue(undefined, undefined));
    await flushPromises();
    expect(third.status).toBe('rejected');
    expect(codeOf(third.reason)).toBe('E_BULKHEAD_FULL');
    expect((third.reason as TrellisError).details.maxQueue).toBe(2);
    expect(bulkhead.queued).toBe(2);
  });

  it('hands freed slots to waiters in FIFO order, without the count of active calls dropping', async () => {
    const { bulkhead } = setup({ maxConcurrent: 1, maxQueue: 3 });
    bulkhead.tryEnter();
    const first = track(bulkhead.enqueue(undefined, undefined));
    const second = track(bulkhead.enqueue(undefined, undefined));
    bulkhead.leave();
    expect(bulkhead.active).toBe(1);
    expect(bulkhead.queued).toBe(1);
    // The slot went to the waiter, so a newcomer on the fast path cannot jump the queue.
    expect(bulkhead.tryEnter()).toBe(false);
    await flushPromises();
    expect([first.status, second.status]).toEqual(['granted', 'pending']);
    bulkhead.leave();
    await flushPromises();
    expect(second.status).toBe('granted');
    bulkhead.leave();
    expect(bulkhead.active).toBe(0);
  });

  it('rejects a waiter with E_TIMEOUT after waitMs and never grants it a slot', async () => {
    const { bulkhead, clock } = setup({ maxConcurrent: 1, maxQueue: 2 });
    bulkhead.tryEnter();
    const impatient = track(bulkhead.enqueue(50, undefined));
    const patient = track(bulkhead.enqueue(undefined, undefined));
    await clock.advance(49);
    expect(impatient.status).toBe('pending');
    await clock.advance(1);
    expect(impatient.status).toBe('rejected');
    expect(codeOf(impatient.reason)).toBe('E_TIMEOUT');
    expect((impatient.reason as TrellisError).details).toEqual({
      capability: 'reports.render',
      timeoutMs: 50,
    });
    expect(bulkhead.queued).toBe(1);
    bulkhead.leave();
    await flushPromises();
    expect(patient.status).toBe('granted');
    expect(bulkhead.active).toBe(1);
  });

  it('cancels the wait timer once the waiter is granted a slot', async () => {
    const { bulkhead, clock } = setup({ maxConcurrent: 1, maxQueue: 1 });
    bulkhead.tryEnter();
    const waiter = track(bulkhead.enqueue(1_000, undefined));
    expect(clock.pending).toBe(1);
    bulkhead.leave();
    expect(clock.pending).toBe(0);
    await clock.advance(5_000);
    expect(waiter.status).toBe('granted');
    expect(bulkhead.active).toBe(1);
  });

  it('rejects with the signal reason when the signal aborts while queued, and drops the waiter', async () => {
    const { bulkhead, clock } = setup({ maxConcurrent: 1, maxQueue: 2 });
    bulkhead.tryEnter();
    const controller = new AbortController();
    const abandoned = track(bulkhead.enqueue(1_000, controller.signal));
    const next = track(bulkhead.enqueue(undefined, undefined));
    const reason = new Error('caller went away');
    controller.abort(reason);
    expect(bulkhead.queued).toBe(1);
    expect(clock.pending).toBe(0);
    bulkhead.leave();
    await flushPromises();
    expect(abandoned).toEqual({ status: 'rejected', reason });
    expect(next.status).toBe('granted');
    expect(bulkhead.active).toBe(1);
  });

  it('rejects with the reason of a signal that aborted before enqueue, without queueing', async () => {
    const { bulkhead } = setup({ maxConcurrent: 1, maxQueue: 1 });
    bulkhead.tryEnter();
    const reason = new Error('already gone');
    await expect(bulkhead.enqueue(undefined, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(bulkhead.queued).toBe(0);
  });

  it('stops listening to the signal of a waiter that was granted a slot', async () => {
    const { bulkhead } = setup({ maxConcurrent: 1, maxQueue: 1 });
    bulkhead.tryEnter();
    const controller = new AbortController();
    const waiter = track(bulkhead.enqueue(undefined, controller.signal));
    bulkhead.leave();
    controller.abort(new Error('too late'));
    await flushPromises();
    expect(waiter.status).toBe('granted');
    expect(bulkhead.active).toBe(1);
    expect(bulkhead.queued).toBe(0);
  });

  it('times out at once when the remaining wait is 0 or less and no slot is free', async () => {
    const { bulkhead } = setup({ maxConcurrent: 1, maxQueue: 1 });
    bulkhead.tryEnter();
    const error = await bulkhead.enqueue(-5, undefined).catch((reason: unknown) => reason);
    expect(codeOf(error)).toBe('E_TIMEOUT');
    expect(bulkhead.queued).toBe(0);
  });

  it('grants a free slot at once from enqueue, whatever the wait', async () => {
    const { bulkhead, clock } = setup({ maxConcurrent: 1 });
    await expect(bulkhead.enqueue(0, undefined)).resolves.toBeUndefined();
    expect(bulkhead.active).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('ignores a leave() with no slot held', () => {
    const { bulkhead } = setup({ maxConcurrent: 1 });
    bulkhead.leave();
    expect(bulkhead.active).toBe(0);
    expect(bulkhead.tryEnter()).toBe(true);
    expect(bulkhead.tryEnter()).toBe(false);
  });

  it('rejects a wait time that is not a number with E_INVALID_ARGUMENT', async () => {
    const { bulkhead } = setup({ maxConcurrent: 1, maxQueue: 1 });
    bulkhead.tryEnter();
    const error = await bulkhead.enqueue(Number.NaN, undefined).catch((reason: unknown) => reason);
    expect(codeOf(error)).toBe('E_INVALID_ARGUMENT');
    expect(bulkhead.queued).toBe(0);
  });

  it('waits without a timer when waitMs is beyond what timers can express', async () => {
    const { bulkhead, clock } = setup({ maxConcurrent: 1, maxQueue: 1 });
    bulkhead.tryEnter();
    const waiter = track(bulkhead.enqueue(Number.POSITIVE_INFINITY, undefined));
    expect(clock.pending).toBe(0);
    bulkhead.leave();
    await flushPromises();
    expect(waiter.status).toBe('granted');
  });

  const invalid: Array<[string, BulkheadOptions]> = [
    ['bulkhead.maxConcurrent', { maxConcurrent: 0 }],
    ['bulkhead.maxConcurrent', { maxConcurrent: 1.5 }],
    ['bulkhead.maxConcurrent', { maxConcurrent: Number.NaN }],
    ['bulkhead.maxQueue', { maxConcurrent: 1, maxQueue: -1 }],
    ['bulkhead.maxQueue', { maxConcurrent: 1, maxQueue: 0.5 }],
  ];
  for (const [argument, options] of invalid) {
    it(`rejects ${JSON.stringify(options)} naming ${argument}`, () => {
      let error: unknown;
      try {
        new Bulkhead('reports.render', options, new ManualClock());
      } catch (caught) {
        error = caught;
      }
      expect(codeOf(error)).toBe('E_INVALID_ARGUMENT');
      expect((error as TrellisError).details.argument).toBe(argument);
    });
  }
});
