import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { Clock, TimerHandle } from '../../src/clock/clock.js';
import { type Deadline, DeadlineScheduler } from '../../src/clock/deadline-scheduler.js';
import { ManualClock } from '../support/manual-clock.js';

/**
 * A clock whose time is set by hand and whose timers run only when told to, whatever the time. It stands
 * for a real timer that fires late (a blocked event loop, a suspended laptop), so that several deadlines
 * with different times fall due in one turn, or early, before the deadline it was armed for.
 */
class SteppingClock implements Clock {
  time = 1_000;
  readonly #timers = new Map<number, () => void>();
  #nextId = 1;

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, _delayMs: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, callback);
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** Runs every armed timer once, as if each fired now. */
  runArmedTimers(): void {
    const callbacks = [...this.#timers.values()];
    this.#timers.clear();
    for (const callback of callbacks) callback();
  }
}

/** A scheduler on a fresh manual clock, with a log of `[label, firedAt]` in firing order. */
function setup() {
  const clock = new ManualClock();
  const scheduler = new DeadlineScheduler(clock);
  const fired: Array<[string, number]> = [];
  const start = clock.now();
  const at = (offset: number, label: string) =>
    scheduler.schedule(start + offset, () => fired.push([label, clock.now()]));
  return { clock, scheduler, fired, start, at };
}

describe('DeadlineScheduler: firing', () => {
  it('fires a deadline exactly once, at its time and not a millisecond before', async () => {
    const { clock, scheduler, fired, start, at } = setup();
    at(100, 'a');
    expect(scheduler.size).toBe(1);

    await clock.advance(99);
    expect(fired).toEqual([]);
    expect(scheduler.size).toBe(1);

    await clock.advance(1);
    expect(fired).toEqual([['a', start + 100]]);
    expect(scheduler.size).toBe(0);

    await clock.advance(10_000);
    expect(fired).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('fires deadlines scheduled out of order each at its own time, earliest first', async () => {
    const { clock, fired, start, at } = setup();
    at(300, 'c');
    at(100, 'a');
    at(500, 'e');
    at(200, 'b');
    at(400, 'd');

    await clock.advance(1_000);
    expect(fired).toEqual([
      ['a', start + 100],
      ['b', start + 200],
      ['c', start + 300],
      ['d', start + 400],
      ['e', start + 500],
    ]);
  });

  it('fires every deadline sharing one time in the same turn', async () => {
    const { clock, scheduler, fired, start, at } = setup();
    for (const label of ['a', 'b', 'c', 'd']) at(50, label);

    await clock.advance(49);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired.map(([label]) => label).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(fired.every(([, firedAt]) => firedAt === start + 50)).toBe(true);
    expect(scheduler.size).toBe(0);
  });

  it('runs deadlines that fell due together (a late timer) in deadline order, on one timer', () => {
    const clock = new SteppingClock();
    const scheduler = new DeadlineScheduler(clock);
    const fired: number[] = [];
    for (const offset of [50, 10, 40, 20, 30, 60]) {
      scheduler.schedule(clock.time + offset, () => fired.push(offset));
    }

    clock.time += 55;
    clock.runArmedTimers();
    expect(fired).toEqual([10, 20, 30, 40, 50]);
    expect(scheduler.size).toBe(1);
    // The one still ahead keeps a timer armed.
    expect(clock.pending).toBe(1);

    clock.time += 5;
    clock.runArmedTimers();
    expect(fired).toEqual([10, 20, 30, 40, 50, 60]);
    expect(clock.pending).toBe(0);
  });

  it('re-arms when its timer fires before the deadline it was armed for, and fires it later', () => {
    const clock = new SteppingClock();
    const scheduler = new DeadlineScheduler(clock);
    let fired = 0;
    scheduler.schedule(clock.time + 100, () => {
      fired += 1;
    });

    clock.time += 99;
    clock.runArmedTimers();
    expect(fired).toBe(0);
    expect(scheduler.size).toBe(1);
    expect(clock.pending).toBe(1);

    clock.time += 1;
    clock.runArmedTimers();
    expect(fired).toBe(1);
    expect(scheduler.size).toBe(0);
  });

  it('fires a deadline already due when scheduled on the next timer turn, never synchronously', async () => {
    const { clock, scheduler, fired, start, at } = setup();
    at(-5, 'past');
    at(0, 'now');
    expect(fired).toEqual([]);
    expect(scheduler.size).toBe(2);

    await clock.advance(0);
    expect(fired).toEqual([
      ['past', start],
      ['now', start],
    ]);
    expect(scheduler.size).toBe(0);
  });

  it('reads the time from its clock', async () => {
    const { clock, scheduler, start } = setup();
    expect(scheduler.now()).toBe(start);
    await clock.advance(1_234);
    expect(scheduler.now()).toBe(start + 1_234);
  });

  it('re-arms for an earlier deadline scheduled after a later one, so the earlier fires on time', async () => {
    const { clock, fired, start, at } = setup();
    at(1_000, 'late');
    await clock.advance(100);
    at(150, 'early');
    expect(clock.pending).toBe(1);

    await clock.advance(49);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired).toEqual([['early', start + 150]]);

    await clock.advance(849);
    expect(fired).toHaveLength(1);
    await clock.advance(1);
    expect(fired).toEqual([
      ['early', start + 150],
      ['late', start + 1_000],
    ]);
  });
});

describe('DeadlineScheduler: cancelling', () => {
  it('never fires a cancelled deadline, and fires the others', async () => {
    const { clock, scheduler, fired, at } = setup();
    at(100, 'a');
    const cancelled = at(200, 'b');
    at(300, 'c');
    scheduler.cancel(cancelled);
    expect(scheduler.size).toBe(2);

    await clock.advance(1_000);
    expect(fired.map(([label]) => label)).toEqual(['a', 'c']);
    expect(scheduler.size).toBe(0);
  });

  it('never fires a cancelled deadline that was the earliest one, the one the timer is armed for', async () => {
    const { clock, scheduler, fired, start, at } = setup();
    const head = at(100, 'head');
    at(200, 'next');
    scheduler.cancel(head);

    await clock.advance(150);
    expect(fired).toEqual([]);
    await clock.advance(50);
    expect(fired).toEqual([['next', start + 200]]);
  });

  it('treats cancelling twice as a no-op: size drops once', () => {
    const { scheduler, at } = setup();
    const first = at(100, 'a');
    at(200, 'b');
    at(300, 'c');

    scheduler.cancel(first);
    expect(scheduler.size).toBe(2);
    scheduler.cancel(first);
    expect(scheduler.size).toBe(2);
  });

  it('treats cancelling after expiry as a no-op: size stays right and nothing fires again', async () => {
    const { clock, scheduler, fired, at } = setup();
    const expired = at(100, 'a');
    at(200, 'b');

    await clock.advance(100);
    expect(fired.map(([label]) => label)).toEqual(['a']);
    expect(scheduler.size).toBe(1);

    scheduler.cancel(expired);
    scheduler.cancel(expired);
    expect(scheduler.size).toBe(1);

    await clock.advance(100);
    expect(fired.map(([label]) => label)).toEqual(['a', 'b']);
    expect(scheduler.size).toBe(0);
  });
});

describe('DeadlineScheduler: timers', () => {
  it('keeps at most one timer armed while 1000 deadlines with increasing times are scheduled', () => {
    const { clock, scheduler, at } = setup();
    for (let index = 1; index <= 1_000; index += 1) {
      at(index, `d${index}`);
      expect(clock.pending).toBeLessThanOrEqual(1);
    }
    expect(clock.pending).toBe(1);
    expect(scheduler.size).toBe(1_000);
  });

  it('keeps at most one timer armed while 1000 deadlines with decreasing times are scheduled', () => {
    const { clock, scheduler, at } = setup();
    for (let index = 1_000; index >= 1; index -= 1) {
      at(index, `d${index}`);
      expect(clock.pending).toBeLessThanOrEqual(1);
    }
    expect(clock.pending).toBe(1);
    expect(scheduler.size).toBe(1_000);
  });

  it('leaves at most one timer armed once everything is cancelled, and none after it fires', async () => {
    const { clock, scheduler, fired, at } = setup();
    const deadlines: Deadline[] = [];
    for (let index = 1; index <= 1_000; index += 1) deadlines.push(at(index, `d${index}`));
    for (const deadline of deadlines) {
      scheduler.cancel(deadline);
      expect(clock.pending).toBeLessThanOrEqual(1);
    }
    expect(scheduler.size).toBe(0);

    await clock.advance(1);
    expect(clock.pending).toBe(0);
    await clock.advance(5_000);
    expect(clock.pending).toBe(0);
    expect(fired).toEqual([]);
  });

  it('clear() disarms the timer at once, drops every deadline and fires nothing afterwards', async () => {
    const { clock, scheduler, fired, start, at } = setup();
    const deadlines: Deadline[] = [];
    for (let index = 1; index <= 100; index += 1) deadlines.push(at(index * 10, `d${index}`));
    await clock.advance(25);
    expect(fired).toHaveLength(2);

    scheduler.clear();
    expect(clock.pending).toBe(0);
    expect(scheduler.size).toBe(0);

    // Handles from before the clear stay inert.
    for (const deadline of deadlines) scheduler.cancel(deadline);
    expect(scheduler.size).toBe(0);

    await clock.advance(10_000);
    expect(fired).toHaveLength(2);

    // The scheduler is still usable afterwards.
    at(clock.now() - start + 10, 'after');
    expect(scheduler.size).toBe(1);
    expect(clock.pending).toBe(1);
    await clock.advance(10);
    expect(fired.at(-1)).toEqual(['after', clock.now()]);
    expect(scheduler.size).toBe(0);
  });
});

/** The `gc` function, exposed at run time (the worker is not started with `--expose-gc`). */
function garbageCollector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('DeadlineScheduler: compaction', () => {
  it('fires none of 100,000 deadlines each cancelled before the next, and fires a live one among them once', async () => {
    const { clock, scheduler, fired, start, at } = setup();
    let live: Deadline | undefined;
    for (let index = 1; index <= 100_000; index += 1) {
      scheduler.cancel(at(index, 'cancelled'));
      if (index === 50_000) live = at(50_000, 'live');
    }
    expect(live?.at).toBe(start + 50_000);
    expect(scheduler.size).toBe(1);
    expect(clock.pending).toBeLessThanOrEqual(1);

    await clock.advance(200_000);
    expect(fired).toEqual([['live', start + 50_000]]);
    expect(scheduler.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('keeps live deadlines, in order and on time, through compactions', async () => {
    const { clock, scheduler, fired, start, at } = setup();
    const deadlines: Deadline[] = [];
    // Interleaved times, so that a rebuilt heap must really reorder its entries.
    for (let index = 0; index < 3_000; index += 1) {
      const offset = 1 + ((index * 7_919) % 3_000);
      deadlines.push(at(offset, String(offset)));
    }
    const kept = new Set<number>();
    for (const [index, deadline] of deadlines.entries()) {
      if (index % 6 === 0) kept.add(deadline.at - start);
      else scheduler.cancel(deadline);
    }
    expect(scheduler.size).toBe(500);

    await clock.advance(3_000);
    const expected = [...kept].sort((first, second) => first - second);
    expect(fired.map(([label]) => Number(label))).toEqual(expected);
    expect(fired.every(([label, firedAt]) => firedAt === start + Number(label))).toBe(true);
    expect(scheduler.size).toBe(0);
  });

  it('lets cancelled deadlines be garbage collected while the timer is still armed', async () => {
    const gc = garbageCollector();
    const { scheduler, at } = setup();
    at(1_000_000, 'live');
    const early: WeakRef<Deadline>[] = [];
    for (let index = 1; index <= 100_000; index += 1) {
      const deadline = at(index, 'cancelled');
      if (index <= 10) early.push(new WeakRef(deadline));
      scheduler.cancel(deadline);
    }
    expect(scheduler.size).toBe(1);

    // WeakRef targets stay alive until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(early.filter((reference) => reference.deref() !== undefined)).toEqual([]);
  });
});

describe('DeadlineScheduler: callbacks that use the scheduler', () => {
  it('fires on time a deadline scheduled by a callback earlier than the next pending one', async () => {
    const { clock, scheduler, fired, start, at } = setup();
    scheduler.schedule(start + 100, () => {
      fired.push(['trigger', clock.now()]);
      // The timer is armed for 'last' by now; the inner deadline comes before it.
      at(150, 'inner');
    });
    at(300, 'last');

    await clock.advance(1_000);
    expect(fired).toEqual([
      ['trigger', start + 100],
      ['inner', start + 150],
      ['last', start + 300],
    ]);
    expect(scheduler.size).toBe(0);
  });

  it('fires a deadline a callback schedules for the current time in the same advance, after the batch', async () => {
    const { clock, scheduler, fired, start } = setup();
    scheduler.schedule(start + 100, () => {
      fired.push(['first', clock.now()]);
      scheduler.schedule(clock.now(), () => fired.push(['spawned', clock.now()]));
    });
    scheduler.schedule(start + 100, () => fired.push(['second', clock.now()]));
    scheduler.schedule(start + 200, () => fired.push(['later', clock.now()]));

    await clock.advance(100);
    expect(fired.map(([label]) => label).sort()).toEqual(['first', 'second', 'spawned']);
    expect(fired.at(-1)).toEqual(['spawned', start + 100]);
    expect(scheduler.size).toBe(1);

    await clock.advance(100);
    expect(fired.at(-1)).toEqual(['later', start + 200]);
    expect(scheduler.size).toBe(0);
  });

  it('never fires a later deadline that a callback cancels, and still fires the rest', async () => {
    const { clock, scheduler, fired, start } = setup();
    const victim = scheduler.schedule(start + 200, () => fired.push(['victim', clock.now()]));
    scheduler.schedule(start + 100, () => {
      fired.push(['canceller', clock.now()]);
      scheduler.cancel(victim);
    });
    scheduler.schedule(start + 300, () => fired.push(['last', clock.now()]));

    await clock.advance(1_000);
    expect(fired).toEqual([
      ['canceller', start + 100],
      ['last', start + 300],
    ]);
    expect(scheduler.size).toBe(0);
  });

  it('lets a callback cancel everything and schedule anew, and fires the new deadline on time', async () => {
    const { clock, scheduler, fired, start } = setup();
    const others = [200, 300, 400].map((offset) =>
      scheduler.schedule(start + offset, () => fired.push(['old', clock.now()])),
    );
    scheduler.schedule(start + 100, () => {
      for (const other of others) scheduler.cancel(other);
      scheduler.schedule(start + 350, () => fired.push(['new', clock.now()]));
    });

    await clock.advance(1_000);
    expect(fired).toEqual([['new', start + 350]]);
    expect(scheduler.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  // Pins a bug: the expiry loop detaches every due callback before running any, so `cancel` (and `clear`)
  // from a callback cannot stop a deadline that fell due in the same turn, against their contracts.
  it('never fires a deadline that an earlier callback of the same turn cancels', () => {
    const clock = new SteppingClock();
    const scheduler = new DeadlineScheduler(clock);
    const fired: string[] = [];
    let victim: Deadline | undefined;
    scheduler.schedule(clock.time + 10, () => {
      fired.push('canceller');
      if (victim !== undefined) scheduler.cancel(victim);
    });
    victim = scheduler.schedule(clock.time + 20, () => fired.push('victim'));

    // A late timer: both deadlines are due when it fires.
    clock.time += 30;
    clock.runArmedTimers();
    expect(fired).toEqual(['canceller']);
    expect(scheduler.size).toBe(0);
  });

  it('never fires a deadline sharing its time with the callback that cancels it', async () => {
    const { clock, scheduler, start } = setup();
    const fired: string[] = [];
    const handles = new Map<string, Deadline>();
    for (const label of ['a', 'b', 'c']) {
      handles.set(
        label,
        scheduler.schedule(start + 100, () => {
          fired.push(label);
          // Whichever runs first cancels the other two.
          for (const [other, handle] of handles) if (other !== label) scheduler.cancel(handle);
        }),
      );
    }

    await clock.advance(100);
    expect(fired).toHaveLength(1);
  });

  it('runs nothing more from the current turn once a callback calls clear()', async () => {
    const { clock, scheduler, start } = setup();
    const fired: string[] = [];
    for (const label of ['a', 'b', 'c']) {
      scheduler.schedule(start + 100, () => {
        fired.push(label);
        scheduler.clear();
      });
    }
    scheduler.schedule(start + 200, () => fired.push('later'));

    await clock.advance(1_000);
    expect(fired).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });
});

describe('a callback that schedules at the current time', () => {
  it('waits for the next timer turn instead of running in the same one, so the scheduler always yields', () => {
    const clock = new SteppingClock();
    const scheduler = new DeadlineScheduler(clock);
    const ran: number[] = [];
    const reschedule = (round: number) => {
      ran.push(round);
      if (round < 3) scheduler.schedule(clock.now(), () => reschedule(round + 1));
    };
    scheduler.schedule(clock.now(), () => reschedule(1));
    clock.runArmedTimers();
    expect(ran).toEqual([1]);
    expect(clock.pending).toBe(1);
    clock.runArmedTimers();
    clock.runArmedTimers();
    expect(ran).toEqual([1, 2, 3]);
    expect(clock.pending).toBe(0);
  });
});
