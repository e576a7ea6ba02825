import { TrellisError } from '@trellis/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_START_TIME, FakeClock } from '../../src/index.js';

describe('FakeClock', () => {
  it('starts at 2026-01-01T00:00Z, or where it is told', () => {
    expect(new FakeClock().now()).toBe(DEFAULT_START_TIME);
    expect(new Date(DEFAULT_START_TIME).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(new FakeClock({ startAt: new Date('2030-05-01T12:00:00Z') }).now()).toBe(Date.UTC(2030, 4, 1, 12));
    expect(new FakeClock({ startAt: 5 }).now()).toBe(5);
  });

  it('runs timers in due order at their own time when advanced, and not before', async () => {
    const clock = new FakeClock({ startAt: 0 });
    const fired: Array<[string, number]> = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 20);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10);
    clock.setTimeout(() => fired.push(['a2', clock.now()]), 10);
    await clock.advance(9);
    expect(fired).toEqual([]);
    await clock.advance(11);
    expect(fired).toEqual([
      ['a', 10],
      ['a2', 10],
      ['b', 20],
    ]);
    expect(clock.now()).toBe(20);
  });

  it('runs the timers that timers schedule within the same advance, and skips cleared ones', async () => {
    const clock = new FakeClock({ startAt: 0 });
    const fired: number[] = [];
    const cleared = clock.setTimeout(() => fired.push(-1), 5);
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 10);
    }, 10);
    clock.clearTimeout(cleared);
    clock.clearTimeout('not a handle');
    await clock.advance(30);
    expect(fired).toEqual([10, 20]);
    expect(clock.pending).toBe(0);
  });

  it('lets promise chains started by a timer finish before the next timer fires', async () => {
    const clock = new FakeClock({ startAt: 0 });
    const order: string[] = [];
    clock.setTimeout(async () => {
      for (let step = 0; step < 50; step += 1) await Promise.resolve();
      await new Promise((resolve) => setImmediate(resolve));
      order.push('chain done');
    }, 1);
    clock.setTimeout(() => order.push('second timer'), 2);
    await clock.advance(2);
    expect(order).toEqual(['chain done', 'second timer']);
  });

  it('advances to a date, runs the next timer, and refuses to go back', async () => {
    const clock = new FakeClock({ startAt: 0 });
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 100);
    clock.setTimeout(() => fired.push(clock.now()), 300);
    expect(clock.nextTimerAt()).toBe(100);
    expect(await clock.next()).toBe(true);
    expect(fired).toEqual([100]);
    await clock.advanceTo(new Date(250));
    expect(clock.now()).toBe(250);
    await expect(clock.advanceTo(100)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(clock.advance(-1)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await clock.runToLast();
    expect(fired).toEqual([100, 300]);
    expect(await clock.next()).toBe(false);
  });

  it('runs every timer with runAll, and reports timers that keep scheduling more', async () => {
    const clock = new FakeClock({ startAt: 0 });
    let runs = 0;
    clock.setTimeout(() => runs++, 10);
    clock.setTimeout(() => runs++, 1_000);
    expect(await clock.runAll()).toBe(2);
    const forever = () => {
      clock.setTimeout(forever, 1);
    };
    forever();
    const error = await clock.runAll({ limit: 50 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TrellisError);
    expect(error).toMatchObject({ code: 'E_CLOCK_RUNAWAY', details: { limit: 50, pending: 1 } });
  });

  it('sleeps on fake time, and stops sleeping when the signal aborts', async () => {
    const clock = new FakeClock({ startAt: 0 });
    let woke = false;
    const sleeping = clock.sleep(50).then(() => {
      woke = true;
    });
    await clock.advance(49);
    expect(woke).toBe(false);
    await clock.advance(1);
    await sleeping;
    expect(woke).toBe(true);
    const controller = new AbortController();
    const aborted = clock.sleep(50, controller.signal);
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(clock.pending).toBe(0);
  });

  it('runUntilSettled moves time from timer to timer until the work settles', async () => {
    const clock = new FakeClock({ startAt: 0 });
    const work = (async () => {
      await clock.sleep(1_000);
      await clock.sleep(60_000);
      return 'done';
    })();
    await expect(clock.runUntilSettled(work)).resolves.toBe('done');
    expect(clock.now()).toBe(61_000);
    const failing = clock.sleep(10).then(() => {
      throw new Error('broke');
    });
    await expect(clock.runUntilSettled(failing)).rejects.toThrow('broke');
  });

  it('runUntilSettled gives up with E_WAIT_TIMEOUT when nothing can settle the work', async () => {
    const clock = new FakeClock();
    const never = new Promise<void>(() => undefined);
    await expect(clock.runUntilSettled(never, { idleMs: 20 })).rejects.toMatchObject({
      code: 'E_WAIT_TIMEOUT',
    });
  });

  it('runUntil stops when the condition holds, or at the deadline', async () => {
    const clock = new FakeClock({ startAt: 0 });
    let ticks = 0;
    const tick = () => {
      ticks += 1;
      clock.setTimeout(tick, 100);
    };
    clock.setTimeout(tick, 100);
    expect(await clock.runUntil(() => ticks === 3, { within: 10_000 })).toBe(true);
    expect(clock.now()).toBe(300);
    expect(await clock.runUntil(() => ticks === 1_000, { within: 250 })).toBe(false);
    expect(clock.now()).toBe(550);
    expect(ticks).toBe(5);
  });

  it('keeps time monotonic whatever timers and advances are mixed (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(1_000), fc.nat(1_000)), { maxLength: 8 }), async (steps) => {
        const clock = new FakeClock({ startAt: 0 });
        const seen: number[] = [];
        for (const [delay, advance] of steps) {
          const due = clock.now() + delay;
          clock.setTimeout(() => {
            expect(clock.now()).toBe(due);
            seen.push(clock.now());
          }, delay);
          await clock.advance(advance);
        }
        await clock.runToLast();
        expect(seen).toEqual([...seen].sort((first, second) => first - second));
        expect(seen).toHaveLength(steps.length);
      }),
      { numRuns: 25 },
    );
  });
});
