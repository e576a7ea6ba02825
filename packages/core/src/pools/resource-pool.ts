import { Pool, TimeoutError } from 'tarn';
import { isThenable } from '../async/thenable.js';
import { errors } from '../errors/errors.js';

/** Makes and disposes of the resources of a {@link ResourcePool}. */
export interface PoolFactory<Resource> {
  /** Makes one resource. Each call must return a value not already alive in the pool. */
  create(): Resource | Promise<Resource>;
  /** Disposes of a resource the pool no longer needs (idle too long, invalid, or the pool drained). */
  destroy?(resource: Resource): unknown;
}

/** Sizes and timeouts of a {@link ResourcePool}. */
export interface PoolOptions<Resource> {
  /** Names the pool in error messages and metrics. Default `'pool'`. */
  readonly name?: string;
  /** Idle resources are not destroyed below this many. Resources are made on demand, never ahead. Default 0. */
  readonly min?: number;
  /** Most resources alive at once; further acquires wait for a release. Default 10. */
  readonly max?: number;
  /** How long `acquire` waits for a resource before failing with `E_POOL_TIMEOUT`, in ms. Default 5 000. */
  readonly acquireTimeout?: number;
  /** How long a free resource may sit unused before it is destroyed (down to `min`), in ms. Default 30 000. */
  readonly idleTimeout?: number;
  /** Checked on every borrow; a resource it rejects (or that makes it throw) is destroyed and replaced. */
  readonly validate?: (resource: Resource) => boolean;
}

/** A snapshot of a pool's counters. */
export interface PoolStats {
  /** Resources alive: borrowed, idle, or being checked by `validate` for a borrower. */
  readonly size: number;
  /** Resources handed to callers and not yet released. */
  readonly borrowed: number;
  /** Resources free to borrow. */
  readonly idle: number;
  /** `acquire` calls still waiting for a resource. */
  readonly pending: number;
  /** `acquire` calls that failed with `E_POOL_TIMEOUT` since the pool was made. */
  readonly timeouts: number;
  /** Resources the factory made successfully since the pool was made. */
  readonly created: number;
  /** Resources handed to the factory's `destroy` since the pool was made. */
  readonly destroyed: number;
}

/**
 * tarn only hands out truthy values and tells resources apart by identity, so each resource travels
 * through it inside a box made once per resource (not per borrow).
 */
interface Box<Resource> {
  readonly resource: Resource;
  borrowed: boolean;
}

const DEFAULT_NAME = 'pool';
const DEFAULT_MIN = 0;
const DEFAULT_MAX = 10;
const DEFAULT_ACQUIRE_TIMEOUT_MS = 5_000;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
// The largest delay a Node timer honours; longer ones fire after 1 ms.
const MAX_TIMER_MS = 2_147_483_647;
// tarn's idle reaper wakes at this period at most; shorter idle timeouts get a matching period.
const MAX_REAP_INTERVAL_MS = 1_000;
// A failing create is retried this often while someone waits, until their acquireTimeout.
const CREATE_RETRY_INTERVAL_MS = 200;
// drain() waits at most this long for one hanging factory.destroy before moving on.
const DESTROY_TIMEOUT_MS = 5_000;

/**
 * A bounded pool of a plugin's reusable resources (connections, clients, workers), built on tarn.
 *
 * Resources are made on demand up to `max`; when all are borrowed, `acquire` waits in line for a
 * release, up to `acquireTimeout`. A failing `create` does not fail the waiting acquire at once: it is
 * retried until the acquire times out, and the `E_POOL_TIMEOUT` then carries the last create error as
 * its cause. `drain()` is what a plugin's teardown runs: no new borrowers, wait for the borrowed
 * resources to come back, destroy them all, leave no timer behind.
 *
 * tarn runs on the global timers, not on a kernel `Clock`.
 */
export class ResourcePool<Resource> {
  readonly #plugin: string;
  readonly #name: string;
  readonly #max: number;
  readonly #acquireTimeout: number;
  readonly #tarn: Pool<Box<Resource>>;
  readonly #create: () => Resource | Promise<Resource>;
  readonly #destroy: ((resource: Resource) => unknown) | undefined;

  // Every resource alive, so release() can find its box and refuse what it never lent.
  readonly #boxes = new Map<Resource, Box<Resource>>();
  // Acquires tarn has not answered yet, so drain() can turn them away at once.
  readonly #waiting = new Set<ReturnType<Pool<Box<Resource>>['acquire']>>();
  #borrowed = 0;
  #timeouts = 0;
  #created = 0;
  #destroyed = 0;
  // Cleared by each successful create, so a timeout only blames creation while it is still failing.
  #lastCreateError: unknown;
  #draining: Promise<void> | undefined;

  /**
   * @param plugin - the plugin that owns the pool, named in its errors.
   * @param factory - makes (and optionally destroys) resources; a bare function is a `create`.
   * @param options - sizes and timeouts; see {@link PoolOptions}.
   */
  constructor(
    plugin: string,
    factory: PoolFactory<Resource> | (() => Resource | Promise<Resource>),
    options: PoolOptions<Resource> = {},
  ) {
    const name = options.name ?? DEFAULT_NAME;
    const min = options.min ?? DEFAULT_MIN;
    const max = options.max ?? DEFAULT_MAX;
    const acquireTimeout = options.acquireTimeout ?? DEFAULT_ACQUIRE_TIMEOUT_MS;
    const idleTimeout = options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_MS;
    const where = `of pool '${name}' of plugin '${plugin}'`;
    if (typeof factory === 'function') {
      this.#create = factory;
      this.#destroy = undefined;
    } else if (typeof factory === 'object' && factory !== null && typeof factory.create === 'function') {
      this.#create = () => factory.create();
      this.#destroy =
        typeof factory.destroy === 'function' ? (resource) => factory.destroy?.(resource) : undefined;
    } else {
      throw errors.invalidArgument(
        `The factory ${where}`,
        'a function or an object with a create() method',
        factory,
      );
    }
    if (!Number.isInteger(max) || max < 1) {
      throw errors.invalidArgument(`max ${where}`, 'an integer >= 1', max);
    }
    if (!Number.isInteger(min) || min < 0 || min > max) {
      throw errors.invalidArgument(`min ${where}`, `an integer from 0 to max (${max})`, min);
    }
    checkDelay(`acquireTimeout ${where}`, acquireTimeout);
    checkDelay(`idleTimeout ${where}`, idleTimeout);
    const validate = options.validate;
    if (validate !== undefined && typeof validate !== 'function') {
      throw errors.invalidArgument(`validate ${where}`, 'a function', validate);
    }

    this.#plugin = plugin;
    this.#name = name;
    this.#max = max;
    this.#acquireTimeout = acquireTimeout;
    this.#tarn = new Pool<Box<Resource>>({
      // tarn passes a node-style callback; returning a promise (always truthy) selects its promise path.
      create: () => this.#createBox(),
      destroy: (box) => this.#destroyBox(box),
      validate: validate === undefined ? undefined : (box) => validate(box.resource),
      min,
      max,
      acquireTimeoutMillis: acquireTimeout,
      // A create still hanging when its acquirer has given up only holds a slot, and drain() waits for
      // pending creates: abandon it then, and the retry below makes a fresh attempt.
      createTimeoutMillis: acquireTimeout,
      destroyTimeoutMillis: DESTROY_TIMEOUT_MS,
      idleTimeoutMillis: idleTimeout,
      // The reaper only runs while the pool holds resources; a short idleTimeout gets a matching period
      // so it is honoured within one period rather than within a second.
      reapIntervalMillis: Math.min(MAX_REAP_INTERVAL_MS, idleTimeout),
      createRetryIntervalMillis: CREATE_RETRY_INTERVAL_MS,
      // A database that is briefly down should cost a waiting caller latency, not an instant failure:
      // keep retrying create until acquireTimeout, then report E_POOL_TIMEOUT with the create error.
      propagateCreateError: false,
    });
  }

  /**
   * Borrows a resource: a free one, a new one while fewer than `max` exist, or the next one released.
   * Rejects with `E_POOL_TIMEOUT` after `acquireTimeout` ms (its cause is the last create error when
   * creation kept failing), and with the plugin-stopped error once {@link ResourcePool.drain} began.
   */
  acquire(): Promise<Resource> {
    if (this.#draining !== undefined) return Promise.reject(errors.pluginStopped(this.#plugin));
    const operation = this.#tarn.acquire();
    this.#waiting.add(operation);
    return operation.promise.then(
      (box) => {
        this.#waiting.delete(operation);
        if (this.#draining !== undefined) {
          // Lent by tarn just as drain() began: give it back so drain can destroy it.
          this.#tarn.release(box);
          throw errors.pluginStopped(this.#plugin);
        }
        box.borrowed = true;
        this.#borrowed += 1;
        return box.resource;
      },
      (error: unknown) => {
        this.#waiting.delete(operation);
        if (this.#draining !== undefined) throw errors.pluginStopped(this.#plugin);
        if (error instanceof TimeoutError) {
          this.#timeouts += 1;
          throw errors.poolTimeout(
            this.#name,
            this.#plugin,
            this.#acquireTimeout,
            this.#max,
            this.#lastCreateError,
          );
        }
        throw error;
      },
    );
  }

  /**
   * Returns a borrowed resource to the pool. Throws `E_INVALID_ARGUMENT` for anything this pool did not
   * lend or that was already released.
   */
  release(resource: Resource): void {
    const box = this.#boxes.get(resource);
    if (box === undefined || !box.borrowed) {
      throw errors.invalidArgument(
        `The resource passed to release() ${this.#where()}`,
        'a resource borrowed from this pool and not yet released',
        box === undefined ? 'a value this pool did not lend' : 'a resource that was already released',
      );
    }
    box.borrowed = false;
    this.#borrowed -= 1;
    this.#tarn.release(box);
  }

  /** Borrows a resource, runs `work` with it, and releases it whether `work` succeeds or fails. */
  async use<T>(work: (resource: Resource) => T | Promise<T>): Promise<T> {
    const resource = await this.acquire();
    try {
      return await work(resource);
    } finally {
      this.release(resource);
    }
  }

  /** The pool's counters now; see {@link PoolStats}. */
  stats(): PoolStats {
    const idle = this.#tarn.numFree();
    return {
      size: this.#tarn.numUsed() + idle,
      borrowed: this.#borrowed,
      idle,
      pending: this.#waiting.size,
      timeouts: this.#timeouts,
      created: this.#created,
      destroyed: this.#destroyed,
    };
  }

  /**
   * Shuts the pool down for its plugin's teardown: every waiting and later `acquire` rejects with the
   * plugin-stopped error, borrowed resources are awaited until released, then every resource is
   * destroyed and tarn's timers are stopped. Errors thrown by `destroy` do not stop the drain.
   * Idempotent: later calls return the same promise.
   */
  drain(): Promise<void> {
    if (this.#draining !== undefined) return this.#draining;
    // Set before aborting, so the waiters' rejection handlers see it and report the stop.
    this.#draining = this.#tarn.destroy().then(() => undefined);
    for (const operation of this.#waiting) operation.abort();
    return this.#draining;
  }

  #where(): string {
    return `of pool '${this.#name}' of plugin '${this.#plugin}'`;
  }

  async #createBox(): Promise<Box<Resource>> {
    let resource: Resource;
    try {
      const made = this.#create();
      resource = isThenable(made) ? await made : made;
    } catch (error) {
      this.#lastCreateError = error;
      throw error;
    }
    if (this.#boxes.has(resource)) {
      const error = errors.invalidArgument(
        `The value returned by create() ${this.#where()}`,
        'a resource not already alive in the pool',
        'a resource the pool already holds',
      );
      this.#lastCreateError = error;
      throw error;
    }
    this.#lastCreateError = undefined;
    this.#created += 1;
    const box: Box<Resource> = { resource, borrowed: false };
    this.#boxes.set(resource, box);
    return box;
  }

  /** Never throws nor rejects: tarn calls it unguarded for a resource whose create timed out. */
  #destroyBox(box: Box<Resource>): Promise<void> | undefined {
    this.#boxes.delete(box.resource);
    this.#destroyed += 1;
    if (this.#destroy === undefined) return undefined;
    try {
      const outcome = this.#destroy(box.resource);
      if (isThenable(outcome)) return Promise.resolve(outcome).then(ignore, ignore);
    } catch {
      // A resource that fails to close is gone from the pool all the same.
    }
    return undefined;
  }
}

function ignore(): void {}

function checkDelay(what: string, value: number): void {
  // tarn accepts whole positive milliseconds only, and Node timers overflow past 2^31 - 1.
  if (!Number.isInteger(value) || value < 1 || value > MAX_TIMER_MS) {
    throw errors.invalidArgument(what, `a whole number of milliseconds from 1 to ${MAX_TIMER_MS}`, value);
  }
}
