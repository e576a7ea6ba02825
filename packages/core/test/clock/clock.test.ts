import { describe, expect, it } from 'vitest';
import { type Clock, sleep, systemClock, type TimerHandle } from '../../src/clock/clock.js';
import { ManualClock } from '../support/manual-clock.js';

/** Settles to 'resolved', or to the rejection reason, so a test can look at a promise without awaiting it. */
function observe(promise: Promise<void>): { readonly outcome: unknown } {
  const state: { outcome: unknown } = { outcome: 'pending' };
  promise.then(
    () => {
      state.outcome = 'resolved';
    },
    (reason: unknown) => {
      state.outcome = { rejected: reason };
    },
  );
  return state;
}

/** A manual clock that also counts `clearTimeout` calls. */
class CountingClock extends ManualClock {
  cleared = 0;

  override clearTimeout(handle: TimerHandle): void {
    this.cleared += 1;
    super.clearTimeout(handle);
  }
}

/** Waits on real time through the global timers (not the clock under test). */
const realDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('sleep', () => {
  it('resolves after the delay, not a millisecond before', async () => {
    const clock = new ManualClock();
    const sleeping = observe(sleep(clock, 250));
    expect(clock.pending).toBe(1);

    await clock.advance(249);
    expect(sleeping.outcome).toBe('pending');
    await clock.advance(1);
    expect(sleeping.outcome).toBe('resolved');
    expect(clock.pending).toBe(0);
  });

  it('resolves a zero delay on the next timer turn', async () => {
    const clock = new ManualClock();
    const sleeping = observe(sleep(clock, 0));
    await Promise.resolve();
    expect(sleeping.outcome).toBe('pending');
    await clock.advance(0);
    expect(sleeping.outcome).toBe('resolved');
  });

  it('rejects with the signal reason, arming no timer, when the signal aborted before', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const reason = new Error('gave up');
    controller.abort(reason);

    const sleeping = sleep(clock, 1_000, controller.signal);
    expect(clock.pending).toBe(0);
    await expect(sleeping).rejects.toBe(reason);
  });

  it('rejects with the signal reason and clears its timer when the signal aborts during the wait', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const reason = { code: 'E_STOPPED' };
    const sleeping = observe(sleep(clock, 1_000, controller.signal));

    await clock.advance(400);
    expect(sleeping.outcome).toBe('pending');
    expect(clock.pending).toBe(1);

    controller.abort(reason);
    await clock.advance(0);
    expect(sleeping.outcome).toEqual({ rejected: reason });
    expect((sleeping.outcome as { rejected: unknown }).rejected).toBe(reason);
    expect(clock.pending).toBe(0);

    await clock.advance(10_000);
    expect((sleeping.outcome as { rejected: unknown }).rejected).toBe(reason);
  });

  it('rejects with the default AbortError reason when aborted without one', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const sleeping = sleep(clock, 1_000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toBe(controller.signal.reason);
    expect(controller.signal.reason).toBeInstanceOf(DOMException);
    expect((controller.signal.reason as DOMException).name).toBe('AbortError');
  });

  it('stops listening once it resolved: a later abort touches nothing', async () => {
    const clock = new CountingClock();
    const controller = new AbortController();
    const sleeping = observe(sleep(clock, 100, controller.signal));
    await clock.advance(100);
    expect(sleeping.outcome).toBe('resolved');

    controller.abort(new Error('too late'));
    await clock.advance(0);
    expect(clock.cleared).toBe(0);
    expect(sleeping.outcome).toBe('resolved');
  });
});

describe('systemClock', () => {
  it('reads wall-clock milliseconds', () => {
    const before = Date.now();
    const now = systemClock.now();
    const after = Date.now();
    expect(Number.isInteger(now)).toBe(true);
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(after);
  });

  it('makes timers that do not keep the process alive', () => {
    const handle = systemClock.setTimeout(() => undefined, 10 * 60 * 1_000);
    try {
      expect((handle as NodeJS.Timeout).hasRef()).toBe(false);
    } finally {
      systemClock.clearTimeout(handle);
    }
  });

  it('runs a timer once its delay passes', async () => {
    let ran = 0;
    const done = new Promise<void>((resolve) => {
      systemClock.setTimeout(() => {
        ran += 1;
        resolve();
      }, 1);
    });
    await done;
    expect(ran).toBe(1);
  });

  it('cancels a timer through clearTimeout', async () => {
    let ran = false;
    const handle = systemClock.setTimeout(() => {
      ran = true;
    }, 5);
    systemClock.clearTimeout(handle);
    // A control timer made after it, with a later delay, proves enough time passed for it to have run.
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 50));
    await realDelay(5);
    expect(ran).toBe(false);
  });

  it('ignores clearTimeout on unknown or spent handles', async () => {
    const clock: Clock = systemClock;
    expect(() => clock.clearTimeout(undefined)).not.toThrow();
    const handle = clock.setTimeout(() => undefined, 1);
    await realDelay(20);
    expect(() => clock.clearTimeout(handle)).not.toThrow();
    expect(() => clock.clearTimeout(handle)).not.toThrow();
  });
});
