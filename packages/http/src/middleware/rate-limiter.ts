import { type Clock, errors } from '@trellis/core';
import type { RouteRateLimitOptions } from '../routes/route-types.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Clients tracked before full buckets (idle clients) are swept out of the map. */
const MAX_IDLE_CLIENTS = 10_000;

/**
 * A token bucket per client. Refill is continuous and computed from the clock on each take: no timers.
 * A new client starts with a full bucket (`burst` tokens, default `limit`).
 */
export class ClientRateLimiter {
  /** The options it was made from (the limit is echoed in response headers). */
  readonly options: RouteRateLimitOptions;
  readonly #clock: Clock;
  readonly #refillPerMs: number;
  readonly #capacity: number;
  readonly #buckets = new Map<string, Bucket>();
  #sweepAt = MAX_IDLE_CLIENTS;

  /** @throws TrellisError `E_INVALID_ARGUMENT` for a limit, interval or burst that is not a positive number. */
  constructor(options: RouteRateLimitOptions, clock: Clock) {
    const { limit, intervalMs = 1000, burst, key } = options;
    positive('rateLimit.limit', limit);
    positive('rateLimit.intervalMs', intervalMs);
    if (burst !== undefined) positive('rateLimit.burst', burst);
    if (key !== undefined && key !== 'ip' && key !== 'principal' && typeof key !== 'function')
      throw errors.invalidArgument('rateLimit.key', "'principal', 'ip' or a function of the request", key);
    this.options = options;
    this.#clock = clock;
    this.#refillPerMs = limit / intervalMs;
    this.#capacity = burst ?? Math.max(1, limit);
  }

  /** Takes a token for `client`: 0 when it had one, else the ms until it will. */
  take(client: string): number {
    const now = this.#clock.now();
    let bucket = this.#buckets.get(client);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#sweepAt) this.#sweep(now);
      bucket = { tokens: this.#capacity, updatedAt: now };
      this.#buckets.set(client, bucket);
    } else {
      bucket.tokens = Math.min(this.#capacity, bucket.tokens + (now - bucket.updatedAt) * this.#refillPerMs);
      bucket.updatedAt = now;
    }
    // A hair of tolerance: ten takes at 10/s followed by 100 ms must leave a whole token, not 0.9999999.
    if (bucket.tokens >= 1 - 1e-9) {
      bucket.tokens = Math.max(0, bucket.tokens - 1);
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#refillPerMs));
  }

  /** Drops the buckets that refilled completely (their clients are idle); they would start full anyway. */
  #sweep(now: number): void {
    for (const [client, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * this.#refillPerMs >= this.#capacity)
        this.#buckets.delete(client);
    }
    this.#sweepAt = Math.max(MAX_IDLE_CLIENTS, this.#buckets.size * 2);
  }
}

function positive(what: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw errors.invalidArgument(what, 'a finite number greater than 0', value);
}
