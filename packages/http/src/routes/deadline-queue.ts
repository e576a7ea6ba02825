import type { Clock, TimerHandle } from '@trellis/core';

/**
 * Enforces one time limit on many items (requests being received, requests being answered) without a
 * timer per item. Every item gets the same limit, so the order items arrive in is also the order their
 * deadlines come in: a Map (which keeps insertion order) from item to start time is a queue of deadlines,
 * and one sweep timer, armed only while items are pending, expires its head. A deadline is honoured
 * within a tenth of the limit (at most 1 s).
 *
 * Fastify's own `handlerTimeout` is not used: it stops its timer as soon as a request body was read.
 */
export class DeadlineQueue<Item> {
  readonly #pending = new Map<Item, number>();
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #onExpired: (item: Item) => void;
  readonly #sweepMs: number;
  #timer: TimerHandle | undefined;

  /** @param onExpired - told about an item whose deadline passed (it is no longer tracked). */
  constructor(timeoutMs: number, clock: Clock, onExpired: (item: Item) => void) {
    this.#timeoutMs = timeoutMs;
    this.#clock = clock;
    this.#onExpired = onExpired;
    this.#sweepMs = Math.max(5, Math.min(1000, Math.floor(timeoutMs / 10)));
  }

  /** Starts the clock of `item`. */
  track(item: Item): void {
    this.#pending.set(item, this.#clock.now());
    if (this.#timer === undefined) this.#timer = this.#clock.setTimeout(this.#sweep, this.#sweepMs);
  }

  /** `item` is done; its deadline no longer matters. */
  settle(item: Item): void {
    this.#pending.delete(item);
  }

  /** Stops the sweep timer and forgets every pending item. */
  close(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
  }

  readonly #sweep = (): void => {
    this.#timer = undefined;
    const expiredBefore = this.#clock.now() - this.#timeoutMs;
    for (const [item, startedAt] of this.#pending) {
      if (startedAt > expiredBefore) break;
      this.#pending.delete(item);
      this.#onExpired(item);
    }
    if (this.#pending.size > 0) this.#timer = this.#clock.setTimeout(this.#sweep, this.#sweepMs);
  };
}
