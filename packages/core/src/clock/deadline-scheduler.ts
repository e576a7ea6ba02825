import type { Clock, TimerHandle } from './clock.js';

/** A scheduled deadline; pass it to {@link DeadlineScheduler.cancel} once the work finished in time. */
export interface Deadline {
  readonly at: number;
  /** Order of scheduling; a turn of expiries only runs deadlines older than the turn. @internal */
  readonly sequence: number;
  /** @internal */
  onExpire: (() => void) | undefined;
}

/** Cancelled deadlines tolerated in the heap, relative to live ones, before it is compacted. */
const COMPACT_RATIO = 2;
const COMPACT_MINIMUM = 1_024;

/**
 * Many deadlines on one timer. A call with a timeout used to cost a `setTimeout` and a `clearTimeout`,
 * which measured as most of the price of the timeout policy; here a deadline is a heap entry, cancelling
 * it sets a flag, and a single clock timer stays armed for the earliest live deadline. Calls with the
 * same timeout arrive in deadline order, so the timer is rarely re-armed. Cancelled entries are dropped
 * as they surface, and the heap is compacted when they outnumber live ones, so memory stays bounded by
 * the calls in flight.
 */
export class DeadlineScheduler {
  readonly #clock: Clock;
  #heap: Deadline[] = [];
  #live = 0;
  #timer: TimerHandle | undefined;
  #armedAt = Number.POSITIVE_INFINITY;
  #sequence = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The clock's current time. */
  now(): number {
    return this.#clock.now();
  }

  /** Live deadlines (scheduled, neither expired nor cancelled). */
  get size(): number {
    return this.#live;
  }

  /** Calls `onExpire` at `at` (ms since the epoch on the clock) unless cancelled first. */
  schedule(at: number, onExpire: () => void): Deadline {
    const deadline: Deadline = { at, sequence: this.#sequence++, onExpire };
    this.#push(deadline);
    this.#live += 1;
    if (at < this.#armedAt) this.#arm(at);
    return deadline;
  }

  /** Cancels a deadline; cancelling twice, or after it expired, does nothing. */
  cancel(deadline: Deadline): void {
    if (deadline.onExpire === undefined) return;
    deadline.onExpire = undefined;
    this.#live -= 1;
    // The timer stays armed even with nothing live: disarming here would cost a clearTimeout and a
    // setTimeout per call in the common case of one call at a time. When it fires it finds nothing due.
    if (this.#heap.length > COMPACT_MINIMUM && this.#heap.length > this.#live * COMPACT_RATIO)
      this.#compact();
  }

  /** Drops every deadline without running it and disarms the timer (the host calls this on stop). */
  clear(): void {
    for (const deadline of this.#heap) deadline.onExpire = undefined;
    this.#live = 0;
    this.#disarm();
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#timer = this.#clock.setTimeout(() => this.#expire(), Math.max(0, at - this.#clock.now()));
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    this.#heap = [];
  }

  #expire(): void {
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    // Deadlines scheduled by the callbacks below wait for the next turn, so a callback that keeps
    // scheduling at `now` cannot keep this loop from yielding.
    const turn = this.#sequence;
    try {
      // One at a time, checked just before running: a callback may cancel, schedule or clear the others.
      while (this.#heap.length > 0 && this.#heap[0]!.at <= now && this.#heap[0]!.sequence < turn) {
        const deadline = this.#pop();
        const onExpire = deadline.onExpire;
        if (onExpire === undefined) continue;
        deadline.onExpire = undefined;
        this.#live -= 1;
        onExpire();
      }
    } finally {
      while (this.#heap.length > 0 && this.#heap[0]!.onExpire === undefined) this.#pop();
      const next = this.#heap[0];
      if (next !== undefined && next.at < this.#armedAt) this.#arm(next.at);
    }
  }

  #compact(): void {
    const live = this.#heap.filter((deadline) => deadline.onExpire !== undefined);
    this.#heap = [];
    for (const deadline of live) this.#push(deadline);
  }

  #push(deadline: Deadline): void {
    const heap = this.#heap;
    let index = heap.push(deadline) - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent]!.at <= deadline.at) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = deadline;
  }

  #pop(): Deadline {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && heap[right]!.at < heap[left]!.at ? right : left;
        if (heap[child]!.at >= last.at) break;
        heap[index] = heap[child]!;
        index = child;
      }
      heap[index] = last;
    }
    return top;
  }
}
