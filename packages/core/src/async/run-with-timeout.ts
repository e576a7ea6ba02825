import type { Clock } from '../clock/clock.js';
import type { TrellisError } from '../errors/trellis-error.js';
import { isThenable } from './thenable.js';

/** What happened to work that was abandoned because it ran past its time limit. */
export type LateOutcome =
  | { readonly fulfilled: true; readonly value: unknown }
  | { readonly fulfilled: false; readonly reason: unknown };

/**
 * Runs `work` (sync or async) and settles with it, or rejects with `timeoutError()` once `timeoutMs`
 * passes. A synchronous throw becomes a rejection; a synchronous result needs no timer (nothing can
 * interrupt it anyway). See {@link settleWithin} for what happens to work that finishes late.
 */
export function runWithTimeout<T>(
  clock: Clock,
  work: () => T | Promise<T>,
  timeoutMs: number,
  timeoutError: () => TrellisError,
  onLate?: (outcome: LateOutcome) => void,
): Promise<Awaited<T>> {
  let outcome: T | Promise<T>;
  try {
    outcome = work();
  } catch (error) {
    return Promise.reject(error);
  }
  if (!isThenable(outcome)) return Promise.resolve(outcome as Awaited<T>);
  return settleWithin(clock, outcome, timeoutMs, timeoutError, onLate);
}

/**
 * Settles with `pending`, or rejects with `timeoutError()` once `timeoutMs` passes. When `pending`
 * settles after the time limit, `onLate` hears about it, so the caller can clean up what the late work
 * acquired.
 */
export function settleWithin<T>(
  clock: Clock,
  pending: PromiseLike<T>,
  timeoutMs: number,
  timeoutError: () => TrellisError,
  onLate?: (outcome: LateOutcome) => void,
): Promise<Awaited<T>> {
  return new Promise<Awaited<T>>((resolve, reject) => {
    let timedOut = false;
    const timer = clock.setTimeout(() => {
      timedOut = true;
      reject(timeoutError());
    }, timeoutMs);
    Promise.resolve(pending).then(
      (value) => {
        if (!timedOut) {
          clock.clearTimeout(timer);
          resolve(value as Awaited<T>);
        } else onLate?.({ fulfilled: true, value });
      },
      (reason: unknown) => {
        if (!timedOut) {
          clock.clearTimeout(timer);
          reject(reason);
        } else onLate?.({ fulfilled: false, reason });
      },
    );
  });
}
