import type { CallContext } from '../capabilities/call-context.js';
import { errors } from '../errors/errors.js';
import { TrellisError } from '../errors/trellis-error.js';
import type { Terminal } from '../middleware/middleware.js';

/**
 * What a capability answers when its pipeline fails with one of the chosen codes: a fixed `value`, or
 * what `handler` returns (it may throw, and then that is the call's error).
 */
export interface FallbackOptions<Params = unknown, Result = unknown> {
  /** The error codes that trigger the fallback (default: E_TIMEOUT, E_CIRCUIT_OPEN, E_BULKHEAD_FULL, E_RATE_LIMITED). */
  readonly on?: readonly string[];
  /** The answer to give instead. */
  readonly value?: Result;
  /** Computes the answer instead, from the error and the call. */
  readonly handler?: (error: TrellisError, params: Params, call: CallContext) => Result | Promise<Result>;
}

const DEFAULT_FALLBACK_CODES: readonly string[] = [
  'E_TIMEOUT',
  'E_CIRCUIT_OPEN',
  'E_BULKHEAD_FULL',
  'E_RATE_LIMITED',
];

/** Validates fallback options, naming the capability in errors. */
export function checkFallback(capability: string, options: FallbackOptions): void {
  if (
    options.on !== undefined &&
    !(Array.isArray(options.on) && options.on.every((code) => typeof code === 'string'))
  ) {
    throw errors.invalidArgument(
      `fallback.on of capability '${capability}'`,
      'a list of error codes',
      options.on,
    );
  }
  if (options.handler !== undefined && typeof options.handler !== 'function') {
    throw errors.invalidArgument(
      `fallback.handler of capability '${capability}'`,
      'a function (error, params, call) => result',
      options.handler,
    );
  }
  if (options.handler === undefined && !('value' in options)) {
    throw errors.invalidArgument(
      `fallback of capability '${capability}'`,
      'an object with a value or a handler',
      options,
    );
  }
}

/** The fallback stage: turns the chosen failures into the fallback's answer; counts each use. */
export function withFallback(next: Terminal, options: FallbackOptions, onFallback: () => void): Terminal {
  const codes = options.on ?? DEFAULT_FALLBACK_CODES;
  const recover = (error: unknown, call: CallContext): unknown => {
    if (!(error instanceof TrellisError) || !codes.includes(error.code)) throw error;
    onFallback();
    return options.handler === undefined ? options.value : options.handler(error, call.params, call);
  };
  return async (call) => {
    try {
      return await next(call);
    } catch (error) {
      return recover(error, call);
    }
  };
}
