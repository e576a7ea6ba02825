import type { Clock } from '../clock/clock.js';
import { errors } from '../errors/errors.js';

/** How many calls a capability accepts over time (a token bucket). */
export interface RateLimitOptions {
  /** Tokens added per interval; may be fractional (0.5 per second is one call every two seconds). */
  readonly limit: number;
  /** The interval `limit` refers to, in ms (default 1000). */
  readonly intervalMs?: number;
  /**
   * Bucket capacity: how many calls may arrive at once after a quiet spell (at least 1; default `limit`, or
   * 1 when `limit` is below 1, since a bucket smaller than one token could never pay for a call).
   */
  readonly burst?: number;
  /** One bucket per caller instead of one shared bucket (default false). */
  readonly perCaller?: boolean;
}

/** Callers tracked before full buckets are swept out of the per-caller map. */
const MAX_IDLE_CALLERS = 10_000;

/**
 * A bucket's content is kept in "shares": one token is `intervalMs` shares and each ms adds `limit`
 * shares. With integer options and an integer clock every step is integer arithmetic, so ten takes at
 * 10/s followed by 100 ms really leave exactly one token, where `0.01 * 100` in tokens could fall a
 * rounding error short and refuse a call that should pass.
 */
interface Bucket {
  shares: number;
  updatedAt: number;
}

/**
 * A token bucket limiting the calls of one capability, shared by all callers or kept per caller. Refill
 * is continuous and computed lazily from `clock.now()` on each take: no timers. A new bucket starts full.
 */
export class RateLimiter {
  readonly #capability: string;
  readonly #clock: Clock;
  readonly #perCaller: boolean;
  /** Shares added per ms (`limit`). */
  readonly #refillPerMs: number;
  /** Shares one call costs (`intervalMs`). */
  readonly #cost: number;
  /** Shares a bucket holds at most (`burst * intervalMs`). */
  readonly #capacity: number;
  readonly #shared: Bucket;
  readonly #callers = new Map<string, Bucket>();
  /** Map size at which the next sweep of full buckets runs. */
  #sweepAt = MAX_IDLE_CALLERS;

  /**
   * @param capability - named in the `E_RATE_LIMITED` errors this limiter throws.
   * @param options - validated here; a bad value throws `E_INVALID_ARGUMENT`.
   * @param clock - the only source of time.
   */
  constructor(capability: string, options: RateLimitOptions, clock: Clock) {
    const { limit } = options;
    if (typeof limit !== 'number' || !Number.isFinite(limit) || limit <= 0) {
      throw errors.invalidArgument('rateLimit.limit', 'a finite number greater than 0', limit);
    }
    const intervalMs = options.intervalMs ?? 1000;
    if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw errors.invalidArgument(
        'rateLimit.intervalMs',
        'a finite number of ms greater than 0',
        intervalMs,
      );
    }
    const burst = options.burst ?? Math.max(1, limit);
    if (typeof burst !== 'number' || !Number.isFinite(burst) || burst < 1) {
      // Below one token a bucket could never pay for a call, and the capability would refuse everything.
      throw errors.invalidArgument('rateLimit.burst', 'a finite number of at least 1', burst);
    }
    if (options.perCaller !== undefined && typeof options.perCaller !== 'boolean') {
      throw errors.invalidArgument('rateLimit.perCaller', 'a boolean', options.perCaller);
    }
    this.#capability = capability;
    this.#clock = clock;
    this.#perCaller = options.perCaller === true;
    this.#refillPerMs = limit;
    this.#cost = intervalMs;
    this.#capacity = burst * intervalMs;
    this.#shared = { shares: this.#capacity, updatedAt: clock.now() };
  }

  /** Buckets currently kept for individual callers (0 unless `perCaller`). */
  get trackedCallers(): number {
    return this.#callers.size;
  }

  /**
   * Spends one token for a call by `caller`, or throws `E_RATE_LIMITED` with `retryAfterMs`, the whole
   * ms until a token will be there. The error names the caller only when buckets are per caller, since
   * otherwise the limit is everyone's and not this caller's doing.
   */
  take(caller: string): void {
    const now = this.#clock.now();
    let bucket = this.#shared;
    if (this.#perCaller) {
      const known = this.#callers.get(caller);
      if (known === undefined) {
        bucket = this.#track(caller, now);
      } else bucket = known;
    }
    let shares = bucket.shares;
    // A clock stepping backwards refills nothing and keeps the later timestamp, so time is never counted twice.
    if (now > bucket.updatedAt) {
      shares += (now - bucket.updatedAt) * this.#refillPerMs;
      if (shares > this.#capacity) shares = this.#capacity;
      bucket.updatedAt = now;
    }
    if (shares >= this.#cost) {
      bucket.shares = shares - this.#cost;
      return;
    }
    bucket.shares = shares;
    let retryAfterMs = Math.ceil((this.#cost - shares) / this.#refillPerMs);
    // With fractional options the division can round down across an integer; the promise is that a take
    // after retryAfterMs passes, so never undershoot.
    if (shares + retryAfterMs * this.#refillPerMs < this.#cost) retryAfterMs += 1;
    throw errors.rateLimited(this.#capability, this.#perCaller ? caller : undefined, retryAfterMs);
  }

  /** Adds a full bucket for a caller seen for the first time, sweeping the map first if it grew too big. */
  #track(caller: string, now: number): Bucket {
    if (this.#callers.size >= this.#sweepAt) this.#sweep(now);
    const bucket: Bucket = { shares: this.#capacity, updatedAt: now };
    this.#callers.set(caller, bucket);
    return bucket;
  }

  /**
   * Forgets every caller whose bucket has refilled to the brim. A full bucket behaves exactly like the
   * fresh one `take` would create for an unknown caller, so dropping it changes no decision: the memory
   * only ever holds callers that are actually being limited. When most buckets are still in use the next
   * sweep waits until the map has doubled, so sweeping stays amortised O(1) per new caller.
   */
  #sweep(now: number): void {
    for (const [caller, bucket] of this.#callers) {
      if (bucket.shares + (now - bucket.updatedAt) * this.#refillPerMs >= this.#capacity) {
        this.#callers.delete(caller);
      }
    }
    this.#sweepAt = Math.max(MAX_IDLE_CALLERS, this.#callers.size * 2);
  }
}
