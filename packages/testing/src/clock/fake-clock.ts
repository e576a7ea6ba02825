import { type Clock, errors, type TimerHandle } from '@trellis/core';
import { testingErrors } from '../errors/testing-errors.js';
import { nextTurn, realDelay } from './real-time.js';

/** Where a {@link FakeClock} starts when not told: 2026-01-01T00:00:00.000Z, so logs and dates read naturally. */
export const DEFAULT_START_TIME = Date.UTC(2026, 0, 1);

/** Options of a {@link FakeClock}. */
export interface FakeClockOptions {
  /** The clock's initial time (default {@link DEFAULT_START_TIME}). */
  readonly startAt?: Date | number;
}

/** Options of {@link FakeClock.runUntilSettled} and {@link FakeClock.runUntil}. */
export interface RunUntilOptions {
  /**
   * Most fake ms to move through (`runUntil` requires it; `runUntilSettled` has no bound by default).
   * A running host always has a recurring timer of its own, so without a bound an endless wait would
   * move time through it until `maxTimers`.
   */
  readonly within?: number;
  /**
   * Real ms to wait for real work (sockets, files) when no fake timer is left to run, before giving up
   * (2 000 for `runUntilSettled`, 50 for `runUntil`).
   */
  readonly idleMs?: number;
  /** Most fake timers to run before deciding the work will never finish (10 000). */
  readonly maxTimers?: number;
}

interface FakeTimer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/** Real turns given to promise callbacks and ready I/O before the next fake timer runs. */
const SETTLE_TURNS = 3;
/** How often a real wait checks whether the work finished or a fake timer appeared, in ms. */
const IDLE_SLICE_MS = 5;
/**
 * Before `runUntilSettled` jumps this far ahead (a host's hourly housekeeping, say), the awaited work gets
 * a little real time: it may be waiting on a socket rather than on the clock.
 */
const FAR_TIMER_MS = 60_000;
const FAR_TIMER_PATIENCE_MS = 20;

/**
 * A {@link Clock} that only moves when told to. Give it to a host (`createTestHost` does) and every
 * timeout, retry backoff, circuit breaker, rate limit, cache expiry, batch window and task schedule runs on
 * it: a test steps through hours in milliseconds, deterministically.
 *
 * Between timers the clock lets the event loop turn, so the promise chains a timer starts (a task run
 * persisting its result and emitting its events, say) finish before the next timer fires.
 */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, FakeTimer>();

  constructor(options: FakeClockOptions = {}) {
    this.#now = toTime('The startAt option of FakeClock', options.startAt ?? DEFAULT_START_TIME);
  }

  /** The current fake time, in ms since the epoch. */
  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    if (typeof callback !== 'function')
      throw errors.invalidArgument('A timer callback', 'a function', callback);
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    const timer: FakeTimer = { id: this.#nextId++, at: this.#now + delay, callback };
    this.#timers.set(timer.id, timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }

  /** Timers scheduled and not yet run. */
  get pending(): number {
    return this.#timers.size;
  }

  /** When the next timer is due, or `undefined` when none is pending. */
  nextTimerAt(): number | undefined {
    return this.#earliest(Number.POSITIVE_INFINITY)?.at;
  }

  /** Resolves after `ms` of fake time (rejects with the signal's reason once `signal` aborts). */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.clearTimeout(handle);
        reject(signal?.reason);
      };
      const handle = this.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Lets pending promise callbacks and ready I/O run, without moving time. */
  async settle(): Promise<void> {
    for (let turn = 0; turn < SETTLE_TURNS; turn += 1) await nextTurn();
  }

  /**
   * Moves time forward by `ms`, running each timer that falls due at its own time, oldest first (timers
   * those timers schedule included), with the event loop turning between them.
   */
  async advance(ms: number): Promise<void> {
    if (!(typeof ms === 'number' && Number.isFinite(ms) && ms >= 0))
      throw errors.invalidArgument('The ms given to advance()', 'a finite number >= 0', ms);
    await this.#runThrough(this.#now + ms);
  }

  /** Moves time forward to `time` (a Date or epoch ms, not before now), running what falls due. */
  async advanceTo(time: Date | number): Promise<void> {
    const target = toTime('The time given to advanceTo()', time);
    if (target < this.#now) {
      throw errors.invalidArgument(
        'The time given to advanceTo()',
        `not before the clock's current time ${new Date(this.#now).toISOString()}`,
        new Date(target).toISOString(),
      );
    }
    await this.#runThrough(target);
  }

  /** Moves to the next timer's time and runs it. Resolves false when no timer is pending. */
  async next(): Promise<boolean> {
    await this.settle();
    const timer = this.#earliest(Number.POSITIVE_INFINITY);
    if (timer === undefined) return false;
    this.#run(timer);
    await this.settle();
    return true;
  }

  /**
   * Runs timers until none is left (those they schedule included); resolves with how many ran. Throws
   * `E_CLOCK_RUNAWAY` past `limit` timers: a running host always has a recurring timer of its own, so with
   * a host prefer {@link FakeClock.advance} or {@link FakeClock.runToLast}.
   */
  async runAll(options: { readonly limit?: number } = {}): Promise<number> {
    const limit = options.limit ?? 1_000;
    let ran = 0;
    while (await this.next()) {
      ran += 1;
      if (ran >= limit && this.#timers.size > 0) throw testingErrors.clockRunaway(limit, this.#timers.size);
    }
    return ran;
  }

  /** Advances to the time of the latest timer pending now, running everything due until then. */
  async runToLast(): Promise<void> {
    let last = this.#now;
    for (const timer of this.#timers.values()) last = Math.max(last, timer.at);
    await this.#runThrough(last);
  }

  /**
   * Resolves (or rejects) as `work` does, running fake timers while it waits: a host's start or stop, a
   * call whose retries back off, a task. Real work gets the event loop between timers (and a little real
   * time before a jump of a minute or more). Rejects with `E_WAIT_TIMEOUT` when no fake timer is left and
   * `work` still waits after `idleMs` real ms, or when `within` fake ms passed without it settling.
   */
  async runUntilSettled<T>(work: PromiseLike<T>, options: RunUntilOptions = {}): Promise<T> {
    let settled = false;
    const outcome = Promise.resolve(work).finally(() => {
      settled = true;
    });
    // Observed here so an early rejection is not reported as unhandled while timers run.
    outcome.catch(() => undefined);
    const idleMs = options.idleMs ?? 2_000;
    const within = options.within === undefined ? undefined : checkWithin('runUntilSettled', options.within);
    const until = within === undefined ? undefined : this.#now + within;
    const result = await this.#drive(() => settled, until, idleMs, options.maxTimers, true);
    if (result === 'idle') throw testingErrors.settleTimeout(idleMs);
    if (result === 'deadline') throw testingErrors.settleDeadline(within ?? 0);
    return outcome;
  }

  /**
   * Runs fake timers until `condition` holds or `within` ms of fake time have passed (the clock then
   * stands at that deadline). Resolves with whether the condition held.
   */
  async runUntil(
    condition: () => boolean,
    options: RunUntilOptions & { readonly within: number },
  ): Promise<boolean> {
    const within = checkWithin('runUntil', options.within);
    const result = await this.#drive(condition, this.#now + within, options.idleMs ?? 50, options.maxTimers);
    return result === 'done';
  }

  async #drive(
    isDone: () => boolean,
    until: number | undefined,
    idleMs: number,
    maxTimers = 10_000,
    patient = false,
  ): Promise<'done' | 'deadline' | 'idle'> {
    let fired = 0;
    const limit = until ?? Number.POSITIVE_INFINITY;
    for (;;) {
      for (let turn = 0; turn < SETTLE_TURNS && !isDone(); turn += 1) await nextTurn();
      if (isDone()) return 'done';
      let timer = this.#earliest(limit);
      if (patient && timer !== undefined && timer.at - this.#now >= FAR_TIMER_MS) {
        for (let waited = 0; waited < FAR_TIMER_PATIENCE_MS && !isDone(); waited += IDLE_SLICE_MS)
          await realDelay(IDLE_SLICE_MS);
        if (isDone()) return 'done';
        timer = this.#earliest(limit);
      }
      if (timer !== undefined) {
        if (fired >= maxTimers) throw testingErrors.clockRunaway(maxTimers, this.#timers.size);
        fired += 1;
        this.#run(timer);
        continue;
      }
      // Nothing is due on the fake clock: whatever is awaited waits for real work, or for nothing.
      for (let waited = 0; waited < idleMs && !isDone() && this.#earliest(limit) === undefined; ) {
        await realDelay(IDLE_SLICE_MS);
        waited += IDLE_SLICE_MS;
      }
      if (isDone()) return 'done';
      if (this.#earliest(limit) !== undefined) continue;
      if (until === undefined) return 'idle';
      this.#now = Math.max(this.#now, until);
      await this.settle();
      return isDone() ? 'done' : 'deadline';
    }
  }

  async #runThrough(target: number): Promise<void> {
    for (;;) {
      await this.settle();
      const timer = this.#earliest(target);
      if (timer === undefined) break;
      this.#run(timer);
    }
    this.#now = Math.max(this.#now, target);
    await this.settle();
  }

  /** The earliest timer due at or before `limit` (the first scheduled among equals). */
  #earliest(limit: number): FakeTimer | undefined {
    let earliest: FakeTimer | undefined;
    for (const timer of this.#timers.values()) {
      if (timer.at > limit) continue;
      if (earliest === undefined || timer.at < earliest.at) earliest = timer;
    }
    return earliest;
  }

  #run(timer: FakeTimer): void {
    this.#timers.delete(timer.id);
    this.#now = Math.max(this.#now, timer.at);
    timer.callback();
  }
}

function checkWithin(method: string, within: number): number {
  if (!(typeof within === 'number' && Number.isFinite(within) && within >= 0))
    throw errors.invalidArgument(`The within option of ${method}()`, 'a finite number of ms >= 0', within);
  return within;
}

function toTime(what: string, value: Date | number): number {
  const time = value instanceof Date ? value.getTime() : value;
  if (typeof time !== 'number' || !Number.isFinite(time))
    throw errors.invalidArgument(what, 'a valid Date or epoch milliseconds', value);
  return time;
}
