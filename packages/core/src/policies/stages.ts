import { isThenable } from '../async/thenable.js';
import { type CapabilityCache, MISS } from '../cache/capability-cache.js';
import { TrellisError } from '../errors/trellis-error.js';
import type { Terminal } from '../middleware/middleware.js';
import type { Bulkhead } from './bulkhead.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { RateLimiter } from './rate-limiter.js';

/**
 * Pipeline stages around the policy primitives. Each stays synchronous while the work it wraps does,
 * so a policy that admits a call costs a few field updates, not a promise.
 */

/** Codes a capability's own policies raise to refuse a call; they say nothing about its health. */
const REFUSALS: readonly string[] = ['E_CIRCUIT_OPEN', 'E_BULKHEAD_FULL', 'E_RATE_LIMITED'];

/**
 * True when `error` says the capability is unhealthy. A caller giving up (`E_ABORTED`) and this
 * capability's own refusals do not; failures of what it calls do, since it could not do its work.
 */
export function countsAsFailure(error: unknown, capability: string): boolean {
  if (!(error instanceof TrellisError)) return true;
  if (error.code === 'E_ABORTED') return false;
  return !(REFUSALS.includes(error.code) && error.details.capability === capability);
}

/** Runs `work`, then `after(failed, error)` when it settles, sync or async; returns what `work` returned. */
function afterSettled(work: () => unknown, after: (error: unknown, failed: boolean) => void): unknown {
  let outcome: unknown;
  try {
    outcome = work();
  } catch (error) {
    after(error, true);
    throw error;
  }
  if (!isThenable(outcome)) {
    after(undefined, false);
    return outcome;
  }
  return Promise.resolve(outcome).then(
    (value) => {
      after(undefined, false);
      return value;
    },
    (error: unknown) => {
      after(error, true);
      throw error;
    },
  );
}

/**
 * Admits the call through the breaker and reports how it ended, with the breaker's ticket so a result
 * from an earlier state (a slow call admitted before the circuit opened) is never taken for a probe's.
 */
export function withCircuitBreaker(next: Terminal, breaker: CircuitBreaker, capability: string): Terminal {
  const recordFailure = (ticket: number, error: unknown) => {
    if (countsAsFailure(error, capability)) breaker.recordFailure(ticket);
    else breaker.recordIgnored(ticket);
  };
  return (call) => {
    const ticket = breaker.acquire();
    let outcome: unknown;
    try {
      outcome = next(call);
    } catch (error) {
      recordFailure(ticket, error);
      throw error;
    }
    if (!isThenable(outcome)) {
      breaker.recordSuccess(ticket);
      return outcome;
    }
    return Promise.resolve(outcome).then(
      (value) => {
        breaker.recordSuccess(ticket);
        return value;
      },
      (error: unknown) => {
        recordFailure(ticket, error);
        throw error;
      },
    );
  };
}

/** Takes a token for the caller (or the capability) before the call. */
export function withRateLimit(next: Terminal, limiter: RateLimiter): Terminal {
  return (call) => {
    limiter.take(call.caller);
    return next(call);
  };
}

/** Runs the call in a bulkhead slot, queueing (bounded by the attempt's deadline and the caller's signal) when none is free. */
export function withBulkhead(next: Terminal, bulkhead: Bulkhead): Terminal {
  const leave = () => bulkhead.leave();
  return (call) => {
    if (bulkhead.tryEnter()) return afterSettled(() => next(call), leave);
    return bulkhead
      .enqueue(call.remainingMs(), call.callerSignal)
      .then(() => afterSettled(() => next(call), leave));
  };
}

/**
 * Answers from the cache when it can: a hit returns the stored value synchronously; concurrent misses
 * for one key run the rest of the pipeline once. Calls with `cache: false`, or whose params cannot be
 * keyed, go straight through.
 */
export function withCache(next: Terminal, cache: CapabilityCache): Terminal {
  return (call) => {
    if (call.overrides?.cache === false) return next(call);
    const key = cache.keyOf(call.params);
    if (key === undefined) return next(call);
    const hit = cache.peek(key);
    if (hit !== MISS) return hit;
    return cache.load(key, call.params, () => Promise.resolve(next(call)));
  };
}
