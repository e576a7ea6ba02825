import type { Clock, TimerHandle } from '../clock/clock.js';
import { errors } from '../errors/errors.js';

/** How many calls of one capability may run at once, and how many may wait for a slot. */
export interface BulkheadOptions {
  /** Calls allowed to run at the same time (integer, at least 1). */
  readonly maxConcurrent: number;
  /** Calls allowed to wait for a slot; beyond that a call is refused at once (integer, default 0). */
  readonly maxQueue?: number;
}

/** The longest delay Node's timers honour (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * One queued call. It is its own abort listener (`handleEvent`), so queueing registers no extra closure
 * with the signal.
 */
class Waiter {
  previous: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;
  inQueue = false;
  timer: TimerHandle = undefined;
  hasTimer = false;

  constructor(
    readonly queue: WaitQueue,
    readonly resolve: () => void,
    readonly reject: (reason: unknown) => void,
    readonly signal: AbortSignal | undefined,
  ) {}

  /** The signal aborted while this call was still queued. */
  handleEvent(): void {
    this.queue.abandon(this, this.signal?.reason);
  }
}

/**
 * The waiters of one bulkhead, oldest first, in a doubly linked list so that a waiter giving up from the
 * middle leaves in O(1).
 */
class WaitQueue {
  length = 0;
  #head: Waiter | undefined = undefined;
  #tail: Waiter | undefined = undefined;

  constructor(readonly clock: Clock) {}

  push(waiter: Waiter): void {
    waiter.previous = this.#tail;
    if (this.#tail === undefined) this.#head = waiter;
    else this.#tail.next = waiter;
    this.#tail = waiter;
    waiter.inQueue = true;
    this.length += 1;
  }

  /** Removes and returns the oldest waiter, with its timer and abort listener already cancelled. */
  shift(): Waiter | undefined {
    const waiter = this.#head;
    if (waiter !== undefined) this.#detach(waiter);
    return waiter;
  }

  /**
   * Takes a waiter out and rejects it; called by its timer or abort listener. A waiter already out of the
   * queue (handed a slot, or gone for the other reason) is left alone.
   */
  abandon(waiter: Waiter, reason: unknown): void {
    if (!waiter.inQueue) return;
    this.#detach(waiter);
    waiter.reject(reason);
  }

  #detach(waiter: Waiter): void {
    if (waiter.previous === undefined) this.#head = waiter.next;
    else waiter.previous.next = waiter.next;
    if (waiter.next === undefined) this.#tail = waiter.previous;
    else waiter.next.previous = waiter.previous;
    waiter.previous = undefined;
    waiter.next = undefined;
    waiter.inQueue = false;
    this.length -= 1;
    if (waiter.hasTimer) {
      waiter.hasTimer = false;
      this.clock.clearTimeout(waiter.timer);
    }
    waiter.signal?.removeEventListener('abort', waiter);
  }
}

/**
 * Limits the calls of one capability running at the same time, with an optional FIFO queue for calls that
 * arrive while every slot is taken.
 *
 * The fast path is synchronous and allocates nothing: {@link Bulkhead.tryEnter}. Only when it returns
 * false does the caller need {@link Bulkhead.enqueue}, which allocates the promise that waiting requires.
 * Every successful entry (either way) must be paired with exactly one {@link Bulkhead.leave}.
 *
 * A slot freed by `leave` goes straight to the oldest waiter instead of being released, so a call arriving
 * between the release and the waiter's wake-up cannot jump the queue, and `active` never dips and rises
 * again.
 */
export class Bulkhead {
  readonly #capability: string;
  readonly #clock: Clock;
  readonly #maxConcurrent: number;
  readonly #maxQueue: number;
  readonly #waiters: WaitQueue;
  #active = 0;

  /**
   * @param capability - named in the errors this bulkhead produces.
   * @param options - validated here; a bad value throws `E_INVALID_ARGUMENT`.
   * @param clock - runs the wait timers of queued calls.
   */
  constructor(capability: string, options: BulkheadOptions, clock: Clock) {
    if (!Number.isSafeInteger(options.maxConcurrent) || options.maxConcurrent < 1) {
      throw errors.invalidArgument(
        'bulkhead.maxConcurrent',
        'an integer of at least 1',
        options.maxConcurrent,
      );
    }
    const maxQueue = options.maxQueue ?? 0;
    if (!Number.isSafeInteger(maxQueue) || maxQueue < 0) {
      throw errors.invalidArgument('bulkhead.maxQueue', 'an integer of at least 0', options.maxQueue);
    }
    this.#capability = capability;
    this.#clock = clock;
    this.#maxConcurrent = options.maxConcurrent;
    this.#maxQueue = maxQueue;
    this.#waiters = new WaitQueue(clock);
  }

  /** Calls holding a slot, including those handed a slot whose continuation has not run yet. */
  get active(): number {
    return this.#active;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.#waiters.length;
  }

  /** Takes a slot if one is free. */
  tryEnter(): boolean {
    if (this.#active >= this.#maxConcurrent) return false;
    this.#active += 1;
    return true;
  }

  /**
   * Waits for a slot, for a call that {@link Bulkhead.tryEnter} turned away. Rejects at once with
   * `E_BULKHEAD_FULL` when the queue is full, or with the signal's reason when it has already aborted.
   * Otherwise resolves when a slot is handed over (oldest waiter first), or rejects with `E_TIMEOUT` once
   * `waitMs` passes (at once when it is 0 or less and no slot is free), or with the signal's reason when
   * it aborts first. `undefined` waits without a time limit. A call that stops waiting leaves
   * the queue and is never handed a slot.
   *
   * Once resolved, the call holds a slot even if its signal aborts afterwards: it must `leave()`.
   */
  enqueue(waitMs: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    if (waitMs !== undefined && (typeof waitMs !== 'number' || Number.isNaN(waitMs))) {
      return Promise.reject(errors.invalidArgument('bulkhead wait time', 'a number of ms', waitMs));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    // Slots are handed to waiters directly, so a free slot means nobody is queued and taking it is fair.
    if (this.tryEnter()) return Promise.resolve();
    // A call whose deadline already passed (remaining time 0 or less) has no time to wait in.
    if (waitMs !== undefined && waitMs <= 0) return Promise.reject(errors.timeout(this.#capability, 0));
    if (this.#waiters.length >= this.#maxQueue) {
      return Promise.reject(errors.bulkheadFull(this.#capability, this.#maxConcurrent, this.#maxQueue));
    }
    return new Promise<void>((resolve, reject) => {
      const waiters = this.#waiters;
      const waiter = new Waiter(waiters, resolve, reject, signal);
      waiters.push(waiter);
      // Node fires longer timers after 1 ms instead; a wait that long is as good as unbounded.
      if (waitMs !== undefined && waitMs <= MAX_TIMER_DELAY_MS) {
        waiter.hasTimer = true;
        waiter.timer = this.#clock.setTimeout(
          () => waiters.abandon(waiter, errors.timeout(this.#capability, waitMs)),
          waitMs,
        );
      }
      signal?.addEventListener('abort', waiter, { once: true });
    });
  }

  /**
   * Frees a slot, handing it straight to the oldest waiter if there is one. A `leave()` with no slot held
   * is ignored, so a release repeated on an error path cannot push the count below zero.
   */
  leave(): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve();
    else if (this.#active > 0) this.#active -= 1;
  }
}
