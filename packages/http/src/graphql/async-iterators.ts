const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * An async iterator fed by pushes (host events), for subscriptions. Values wait in a bounded queue
 * until the consumer pulls them; when more than `limit` wait, the iterator fails with `overflow()`
 * after the queued values, instead of growing without bound behind a client that does not read.
 * `onEnd` runs once when it ends for any reason (return, failure), which is where the event
 * subscription is released.
 */
export class PushIterator<T> implements AsyncIterableIterator<T> {
  readonly #limit: number;
  readonly #overflow: () => unknown;
  readonly #onEnd: () => void;
  #queue: T[] = [];
  #waiting: { resolve(result: IteratorResult<T>): void; reject(error: unknown): void } | undefined;
  #failure: { readonly error: unknown } | undefined;
  #ended = false;

  constructor(limit: number, overflow: () => unknown, onEnd: () => void) {
    this.#limit = limit;
    this.#overflow = overflow;
    this.#onEnd = onEnd;
  }

  /** Hands `value` to a waiting consumer, or queues it. Ignored once ended. */
  push(value: T): void {
    if (this.#ended) return;
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting.resolve({ value, done: false });
    } else if (this.#queue.length >= this.#limit) {
      this.fail(this.#overflow());
    } else {
      this.#queue.push(value);
    }
  }

  /** Ends the iterator with `error`, which the consumer gets after the values already queued. */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#end();
    const waiting = this.#waiting;
    if (waiting === undefined) {
      this.#failure = { error };
      return;
    }
    this.#waiting = undefined;
    waiting.reject(error);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#queue.length > 0) return Promise.resolve({ value: this.#queue.shift() as T, done: false });
    const failure = this.#failure;
    if (failure !== undefined) {
      this.#failure = undefined;
      return Promise.reject(failure.error);
    }
    if (this.#ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.#end();
    this.#queue = [];
    this.#failure = undefined;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve(DONE);
    return Promise.resolve(DONE);
  }

  throw(error: unknown): Promise<IteratorResult<T>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEnd();
  }
}

/**
 * Wraps a subscription's event source so that whoever owns it can end it from outside: `return()`
 * settles a pending `next()` at once (an async generator would otherwise hold it until its next value).
 * The wrapper leaves `live` when it ends, however it ends.
 */
export class StoppableIterator<T> implements AsyncIterableIterator<T> {
  readonly #source: AsyncIterator<T>;
  readonly #live: Set<StoppableIterator<unknown>>;
  readonly #stopped: Promise<IteratorResult<T>>;
  #stop: (result: IteratorResult<T>) => void = () => {};
  #ended = false;

  constructor(source: AsyncIterable<T>, live: Set<StoppableIterator<unknown>>) {
    this.#source = source[Symbol.asyncIterator]();
    this.#live = live;
    this.#stopped = new Promise((resolve) => {
      this.#stop = resolve;
    });
    live.add(this as StoppableIterator<unknown>);
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.#ended) return DONE;
    try {
      const result = await Promise.race([this.#source.next(), this.#stopped]);
      if (result.done) this.#end();
      return result;
    } catch (error) {
      this.#end();
      throw error;
    }
  }

  /**
   * Ends the iteration now: a pending `next()` resolves done. The source is returned without waiting,
   * since an async generator only finishes its `return` after the value it is waiting for.
   */
  async return(): Promise<IteratorResult<T>> {
    if (!this.#ended) {
      this.#end();
      this.#source.return?.()?.then(undefined, () => {});
    }
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #end(): void {
    this.#ended = true;
    this.#live.delete(this as StoppableIterator<unknown>);
    this.#stop(DONE);
  }
}
