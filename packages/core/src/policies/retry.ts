import { isThenable } from '../async/thenable.js';
import type { CallContext } from '../capabilities/call-context.js';
import { type Clock, sleep } from '../clock/clock.js';
import { errors } from '../errors/errors.js';
import { TrellisError } from '../errors/trellis-error.js';
import type { Terminal } from '../middleware/middleware.js';

/** How a call is retried; every field is optional and falls back to the capability's, then the defaults. */
export interface RetryOptions {
  /** Attempts in all, the first included (3). */
  readonly attempts?: number;
  /** Backoff base in ms: attempt n waits a random time up to `baseDelayMs * 2^(n-1)` (full jitter) (50). */
  readonly baseDelayMs?: number;
  /** The longest wait between two attempts, in ms (2 000). */
  readonly maxDelayMs?: number;
  /** No retry starts later than this many ms after the first failure (10 000). */
  readonly maxElapsedMs?: number;
  /**
   * Which failures are retried: error codes, or a predicate. Default: errors marked `retryable`
   * (timeouts, open circuits and overload of other capabilities, transport failures), except this
   * capability's own open circuit, which a retry could not get through.
   */
  readonly retryOn?: readonly string[] | ((error: TrellisError) => boolean);
}

/** Retry options a caller may give; `force` retries even a capability not declared idempotent. */
export interface CallRetryOptions extends RetryOptions {
  readonly force?: boolean;
}

/** Retry settings with every default filled in. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxElapsedMs: number;
  readonly retryOn: readonly string[] | ((error: TrellisError) => boolean) | undefined;
}

const DEFAULT_RETRY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 50,
  maxDelayMs: 2_000,
  maxElapsedMs: 10_000,
  retryOn: undefined,
};

/** Validates retry options (`what` names them in errors) and fills in defaults from `base`. */
export function retryPolicy(
  options: RetryOptions,
  what: string,
  base: RetryPolicy = DEFAULT_RETRY,
): RetryPolicy {
  const count = (name: keyof RetryOptions, value: number | undefined, fallback: number, minimum: number) => {
    if (value === undefined) return fallback;
    if (!(Number.isInteger(value) && value >= minimum)) {
      throw errors.invalidArgument(`${what}.${name}`, `an integer of at least ${minimum}`, value);
    }
    return value;
  };
  const duration = (name: keyof RetryOptions, value: number | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    if (!(Number.isFinite(value) && value >= 0))
      throw errors.invalidArgument(`${what}.${name}`, 'a number of milliseconds, 0 or more', value);
    return value;
  };
  if (
    options.retryOn !== undefined &&
    typeof options.retryOn !== 'function' &&
    !Array.isArray(options.retryOn)
  ) {
    throw errors.invalidArgument(
      `${what}.retryOn`,
      'a list of error codes or a function (error) => boolean',
      options.retryOn,
    );
  }
  return {
    attempts: count('attempts', options.attempts, base.attempts, 1),
    baseDelayMs: duration('baseDelayMs', options.baseDelayMs, base.baseDelayMs),
    maxDelayMs: duration('maxDelayMs', options.maxDelayMs, base.maxDelayMs),
    maxElapsedMs: duration('maxElapsedMs', options.maxElapsedMs, base.maxElapsedMs),
    retryOn: options.retryOn ?? base.retryOn,
  };
}

/**
 * The wait before attempt `attempt + 1`: "full jitter" (a uniform random time between 0 and the
 * exponential bound), which spreads retries of many callers instead of synchronising them.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * bound);
}

/** True when `error` should be retried under `policy` by capability `capability`. */
export function isRetryable(error: unknown, policy: RetryPolicy, capability: string): boolean {
  if (!(error instanceof TrellisError)) return false;
  const retryOn = policy.retryOn;
  if (typeof retryOn === 'function') return retryOn(error);
  if (retryOn !== undefined) return retryOn.includes(error.code);
  return error.retryable && !(error.code === 'E_CIRCUIT_OPEN' && error.details.capability === capability);
}

/** What the retry stage needs from its surroundings. */
export interface RetryContext {
  readonly capability: string;
  /** The capability's policy; `undefined` when it declares none (only a forcing caller retries then). */
  readonly policy: RetryPolicy | undefined;
  /** Declared idempotent: retried without the caller insisting. */
  readonly idempotent: boolean;
  /** The capability's own per-attempt timeout, to give each new attempt its own deadline. */
  readonly attemptTimeoutMs: number | undefined;
  readonly clock: Clock;
  readonly random: () => number;
  /** Counts each retry (for metrics). */
  readonly onRetry: () => void;
}

/**
 * The retry stage. A first attempt that succeeds costs nothing beyond what it returns (no promise unless
 * the attempt made one). After a retryable failure each new attempt runs with a fresh call context (and
 * signal) and its own per-attempt deadline, never past the caller's deadline, later than `maxElapsedMs`
 * after the first failure, or after the caller aborted.
 */
export function withRetry(next: Terminal, context: RetryContext): Terminal {
  const attempt = (call: CallContext, policy: RetryPolicy): unknown => {
    let outcome: unknown;
    try {
      outcome = next(call);
    } catch (error) {
      return retryAfter(error, call, policy, next, context);
    }
    if (!isThenable(outcome)) return outcome;
    return Promise.resolve(outcome).then(undefined, (error: unknown) =>
      retryAfter(error, call, policy, next, context),
    );
  };
  return (call) => {
    const override = call.overrides?.retry;
    if (override === false) return next(call);
    if (override === undefined) {
      if (context.policy === undefined || !context.idempotent) return next(call);
      return attempt(call, context.policy);
    }
    if (!context.idempotent && override.force !== true) return next(call);
    return attempt(call, retryPolicy(override, 'The retry call option', context.policy));
  };
}

async function retryAfter(
  firstError: unknown,
  firstCall: CallContext,
  policy: RetryPolicy,
  next: Terminal,
  context: RetryContext,
): Promise<unknown> {
  const { clock, capability } = context;
  const failedAt = clock.now();
  let error = firstError;
  let call = firstCall;
  for (;;) {
    if (call.attempt >= policy.attempts || !isRetryable(error, policy, capability)) throw error;
    const delay = backoffDelay(call.attempt, policy, context.random);
    const resumeAt = clock.now() + delay;
    const callerDeadline = call.callerDeadline;
    if (
      resumeAt - failedAt > policy.maxElapsedMs ||
      (callerDeadline !== undefined && resumeAt >= callerDeadline)
    )
      throw error;
    context.onRetry();
    await sleep(clock, delay, call.callerSignal).catch((reason: unknown) => {
      throw errors.aborted(capability, reason);
    });
    const attemptDeadline =
      context.attemptTimeoutMs === undefined
        ? callerDeadline
        : Math.min(callerDeadline ?? Number.POSITIVE_INFINITY, clock.now() + context.attemptTimeoutMs);
    call = call.nextAttempt(attemptDeadline);
    try {
      return await next(call);
    } catch (failure) {
      error = failure;
    }
  }
}
