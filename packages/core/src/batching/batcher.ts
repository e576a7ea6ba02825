import { isThenable } from '../async/thenable.js';
import type { Clock, TimerHandle } from '../clock/clock.js';
import { errors } from '../errors/errors.js';

/** How a {@link Batcher} groups loads into batches. */
export interface BatchOptions {
  /** Most items one call of the batch function receives; reaching it dispatches at once. Default 100. */
  readonly maxSize?: number;
  /**
   * How long the first queued item waits for company, in ms. `0` (the default) batches the loads made
   * in the same tick, like DataLoader, without arming a timer.
   */
  readonly maxWaitMs?: number;
  /** Names the batcher in error messages and metrics. Default `'batch'`. */
  readonly name?: string;
}

/**
 * Loads many items in one go. It must return one entry per item, in the same order: the item's result,
 * or an `Error` that fails that item alone. Throwing (or rejecting) fails every item of the batch.
 */
export type BatchFunction<Item, Result> = (
  items: readonly Item[],
) => ReadonlyArray<Result | Error> | Promise<ReadonlyArray<Result | Error>>;

type Resolve<Result> = (result: Result) => void;
type Reject = (reason: unknown) => void;

const DEFAULT_MAX_SIZE = 100;
const DEFAULT_MAX_WAIT_MS = 0;
const DEFAULT_NAME = 'batch';

/**
 * Collects single loads into batches for a batch function (the DataLoader pattern, without its cache):
 * N lookups that arrive together cost one round trip instead of N.
 *
 * The first queued item opens a window. The batch is dispatched when `maxSize` items are queued
 * (synchronously, inside the `load` that fills it) or when the window ends: after `maxWaitMs` on the
 * clock, or, with `maxWaitMs` 0, once the current microtask queue turn is over. Each item's promise
 * settles with the entry at its index in the batch function's answer.
 */
export class Batcher<Item, Result> {
  readonly #batchFunction: BatchFunction<Item, Result>;
  readonly #maxSize: number;
  readonly #maxWaitMs: number;
  readonly #name: string;
  readonly #clock: Clock;
  readonly #closedError: () => Error;

  // The open window, as parallel arrays: one array per batch instead of one record per load.
  #items: Item[] = [];
  #resolves: Resolve<Result>[] = [];
  #rejects: Reject[] = [];

  #timer: TimerHandle | undefined;
  #timerArmed = false;
  #microtaskScheduled = false;
  #inFlight = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  #onIdle: (() => void) | undefined;

  // Bound once so that a load allocates no closure of its own.
  readonly #enqueue = (resolve: Resolve<Result>, reject: Reject): void => {
    this.#resolves.push(resolve);
    this.#rejects.push(reject);
  };
  readonly #onWindowEnd = (): void => {
    this.#timerArmed = false;
    this.#timer = undefined;
    this.#dispatch();
  };
  readonly #onMicrotask = (): void => {
    this.#microtaskScheduled = false;
    this.#dispatch();
  };

  /**
   * @param batchFunction - loads a batch of items; see {@link BatchFunction}.
   * @param options - window size and length; see {@link BatchOptions}.
   * @param clock - times the `maxWaitMs` window, so tests can step through it.
   * @param closedError - makes the error that loads meet once the batcher is closed (the owner knows
   *   why it closed, typically that its plugin stopped).
   */
  constructor(
    batchFunction: BatchFunction<Item, Result>,
    options: BatchOptions,
    clock: Clock,
    closedError: () => Error,
  ) {
    const name = options.name ?? DEFAULT_NAME;
    const maxSize = options.maxSize ?? DEFAULT_MAX_SIZE;
    const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    if (typeof batchFunction !== 'function') {
      throw errors.invalidArgument(`The batch function of '${name}'`, 'a function', batchFunction);
    }
    if (!(maxSize === Number.POSITIVE_INFINITY || (Number.isInteger(maxSize) && maxSize >= 1))) {
      throw errors.invalidArgument(`maxSize of batch '${name}'`, 'an integer >= 1 (or Infinity)', maxSize);
    }
    if (!(Number.isFinite(maxWaitMs) && maxWaitMs >= 0)) {
      throw errors.invalidArgument(`maxWaitMs of batch '${name}'`, 'a finite number >= 0', maxWaitMs);
    }
    this.#batchFunction = batchFunction;
    this.#maxSize = maxSize;
    this.#maxWaitMs = maxWaitMs;
    this.#name = name;
    this.#clock = clock;
    this.#closedError = closedError;
  }

  /** Items queued in the open window, not yet handed to the batch function. */
  get pending(): number {
    return this.#items.length;
  }

  /**
   * Queues `item` for the next batch and resolves with its result. Rejects with the item's `Error`
   * entry as is, with what the batch function threw, with `E_BATCH_MISMATCH` when the answer does not
   * have one entry per item, or with `closedError()` once {@link Batcher.close} was called.
   */
  load(item: Item): Promise<Result> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const queued = this.#items.push(item);
    const promise = new Promise<Result>(this.#enqueue);
    if (queued >= this.#maxSize) {
      this.#dispatch();
    } else if (queued === 1) {
      this.#openWindow();
    }
    return promise;
  }

  /** Dispatches what is queued now, without waiting for the window to end. */
  flush(): void {
    this.#dispatch();
  }

  /**
   * Dispatches what is queued, then resolves once every dispatched batch has settled. From the call
   * on, every `load` rejects with `closedError()`. Idempotent: later calls return the same promise.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    this.#dispatch();
    this.#closing =
      this.#inFlight === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.#onIdle = resolve;
          });
    return this.#closing;
  }

  #openWindow(): void {
    if (this.#maxWaitMs > 0) {
      this.#timer = this.#clock.setTimeout(this.#onWindowEnd, this.#maxWaitMs);
      this.#timerArmed = true;
    } else if (!this.#microtaskScheduled) {
      // One scheduled turn serves every window opened before it runs: they all belong to this tick.
      this.#microtaskScheduled = true;
      queueMicrotask(this.#onMicrotask);
    }
  }

  #dispatch(): void {
    if (this.#timerArmed) {
      this.#clock.clearTimeout(this.#timer);
      this.#timerArmed = false;
      this.#timer = undefined;
    }
    const items = this.#items;
    if (items.length === 0) return;
    const resolves = this.#resolves;
    const rejects = this.#rejects;
    this.#items = [];
    this.#resolves = [];
    this.#rejects = [];
    this.#inFlight += 1;

    let answer: ReturnType<BatchFunction<Item, Result>>;
    try {
      answer = this.#batchFunction(items);
    } catch (error) {
      this.#rejectAll(rejects, error);
      return;
    }
    if (isThenable(answer)) {
      answer.then(
        (results) => this.#deliver(items.length, results, resolves, rejects),
        (error: unknown) => this.#rejectAll(rejects, error),
      );
    } else {
      this.#deliver(items.length, answer, resolves, rejects);
    }
  }

  #deliver(
    expected: number,
    results: unknown,
    resolves: readonly Resolve<Result>[],
    rejects: readonly Reject[],
  ): void {
    if (!Array.isArray(results) || results.length !== expected) {
      this.#rejectAll(rejects, errors.batchMismatch(this.#name, expected, results));
      return;
    }
    for (let index = 0; index < expected; index += 1) {
      const result: unknown = results[index];
      if (result instanceof Error) {
        (rejects[index] as Reject)(result);
      } else {
        (resolves[index] as Resolve<Result>)(result as Result);
      }
    }
    this.#settled();
  }

  #rejectAll(rejects: readonly Reject[], error: unknown): void {
    for (const reject of rejects) reject(error);
    this.#settled();
  }

  #settled(): void {
    this.#inFlight -= 1;
    if (this.#inFlight === 0 && this.#onIdle !== undefined) {
      const onIdle = this.#onIdle;
      this.#onIdle = undefined;
      onIdle();
    }
  }
}
