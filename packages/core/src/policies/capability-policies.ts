import { type CacheOptions, CapabilityCache } from '../cache/capability-cache.js';
import type { Clock } from '../clock/clock.js';
import type { DeadlineScheduler } from '../clock/deadline-scheduler.js';
import { errors } from '../errors/errors.js';
import type { Terminal } from '../middleware/middleware.js';
import { Bulkhead, type BulkheadOptions } from './bulkhead.js';
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from './circuit-breaker.js';
import { checkFallback, type FallbackOptions, withFallback } from './fallback.js';
import { RateLimiter, type RateLimitOptions } from './rate-limiter.js';
import { type RetryOptions, type RetryPolicy, retryPolicy, withRetry } from './retry.js';
import { withBulkhead, withCache, withCircuitBreaker, withRateLimit } from './stages.js';
import { withDeadline } from './timeout.js';

/** The resilience and caching options of a capability, all optional; see each type for defaults. */
export interface PolicyOptions<Params = unknown, Result = unknown> {
  /** Safe to run twice: retries happen without the caller insisting (default false). */
  readonly idempotent?: boolean;
  /** Retries with exponential backoff and full jitter, for retryable failures of idempotent capabilities. */
  readonly retry?: RetryOptions;
  /** Stops calling a failing capability for a while, then probes it. */
  readonly circuitBreaker?: CircuitBreakerOptions;
  /** Caps concurrent calls, with a bounded queue. */
  readonly bulkhead?: BulkheadOptions;
  /** Token bucket, for the capability or per caller. */
  readonly rateLimit?: RateLimitOptions;
  /** An answer for when the pipeline fails with chosen codes. */
  readonly fallback?: FallbackOptions<Params, Result>;
  /** Caches results by params, with TTL, LRU bounds, tags and invalidation on events. */
  readonly cache?: CacheOptions<Params, Result>;
}

/** The live policy objects of one capability; kept across recompilations so their state survives. */
export interface CapabilityPolicies {
  readonly idempotent: boolean;
  readonly retry: RetryPolicy | undefined;
  readonly breaker: CircuitBreaker | undefined;
  readonly bulkhead: Bulkhead | undefined;
  readonly rateLimiter: RateLimiter | undefined;
  readonly fallback: FallbackOptions | undefined;
  readonly cache: CapabilityCache | undefined;
}

/** Counters the policy stages feed, read by metrics at scrape time. */
export interface PolicyCounters {
  retries: number;
  fallbacks: number;
}

/** Builds a capability's policy objects from its options; invalid options throw `E_INVALID_ARGUMENT`. */
export function createPolicies(
  capability: string,
  options: PolicyOptions,
  clock: Clock,
  onCircuitChange: (from: CircuitState, to: CircuitState) => void,
): CapabilityPolicies {
  if (options.idempotent !== undefined && typeof options.idempotent !== 'boolean') {
    throw errors.invalidArgument(
      `idempotent of capability '${capability}'`,
      'true or false',
      options.idempotent,
    );
  }
  if (options.fallback !== undefined) checkFallback(capability, options.fallback);
  return {
    idempotent: options.idempotent === true,
    retry:
      options.retry === undefined
        ? undefined
        : retryPolicy(options.retry, `retry of capability '${capability}'`),
    breaker:
      options.circuitBreaker === undefined
        ? undefined
        : new CircuitBreaker(capability, options.circuitBreaker, clock, onCircuitChange),
    bulkhead: options.bulkhead === undefined ? undefined : new Bulkhead(capability, options.bulkhead, clock),
    rateLimiter:
      options.rateLimit === undefined ? undefined : new RateLimiter(capability, options.rateLimit, clock),
    fallback: options.fallback as FallbackOptions | undefined,
    cache:
      options.cache === undefined
        ? undefined
        : new CapabilityCache(capability, options.cache as CacheOptions, clock),
  };
}

/** What {@link withPolicies} needs besides the policies. */
export interface PolicyContext {
  readonly capability: string;
  readonly attemptTimeoutMs: number | undefined;
  readonly clock: Clock;
  readonly deadlines: DeadlineScheduler;
  readonly random: () => number;
  readonly counters: PolicyCounters;
}

/**
 * Wraps `dispatch` (middleware and handler) in the policy stages, outermost first: fallback, cache,
 * retry, rate limit, circuit breaker, bulkhead, per-attempt deadline. Fallback sits outside the cache so
 * a fallback answer is never cached; retry sits outside the breaker and bulkhead so each attempt is
 * admitted on its own; the deadline is innermost so it bounds each attempt, not the waits between them.
 * Stages a capability does not use are left out.
 */
export function withPolicies(
  dispatch: Terminal,
  policies: CapabilityPolicies,
  context: PolicyContext,
): Terminal {
  const { capability, clock, counters } = context;
  let stage = withDeadline(dispatch, capability, context.deadlines);
  if (policies.bulkhead !== undefined) stage = withBulkhead(stage, policies.bulkhead);
  if (policies.breaker !== undefined) stage = withCircuitBreaker(stage, policies.breaker, capability);
  if (policies.rateLimiter !== undefined) stage = withRateLimit(stage, policies.rateLimiter);
  stage = withRetry(stage, {
    capability,
    policy: policies.retry,
    idempotent: policies.idempotent,
    attemptTimeoutMs: context.attemptTimeoutMs,
    clock,
    random: context.random,
    onRetry: () => {
      counters.retries += 1;
    },
  });
  if (policies.cache !== undefined) stage = withCache(stage, policies.cache);
  if (policies.fallback !== undefined) {
    stage = withFallback(stage, policies.fallback, () => {
      counters.fallbacks += 1;
    });
  }
  return stage;
}
