import type { TrellisError } from '../errors/trellis-error.js';

/** What happened to work that was abandoned because it ran past its time limit. */
export type LateOutcome =
  | { readonly fulfilled: true; readonly value: unknown }
  | { readonly fulfilled: false; readonly reason: unknown };

/**
 * Runs `work` (sync or async) and settles with it, or rejects with `timeoutError()` once `timeoutMs`
 * passes. A synchronous throw becomes a rejection. When the work settles after the time limit,
 * `onLate` hears about it, so the caller can clean up what the late work acquired.
 */
export function runWithTimeout<T>(
  work: () => T | Promise<T>,
  timeoutMs: number,
  timeoutError: () => TrellisError,
  onLate?: (outcome: LateOutcome) => void,
): Promise<Awaited<T>> {
  return new Promise<Awaited<T>>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(timeoutError());
    }, timeoutMs);
    new Promise<Awaited<T>>((run) => run(work() as Awaited<T>)).then(
      (value) => {
        if (!timedOut) {
          clearTimeout(timer);
          resolve(value);
        } else onLate?.({ fulfilled: true, value });
      },
      (reason: unknown) => {
        if (!timedOut) {
          clearTimeout(timer);
          reject(reason);
        } else onLate?.({ fulfilled: false, reason });
      },
    );
  });
}
