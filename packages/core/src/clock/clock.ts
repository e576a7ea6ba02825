/** What a clock's `setTimeout` returns, to pass back to its `clearTimeout`. */
export type TimerHandle = unknown;

/**
 * Time as the kernel sees it. Every policy that waits or measures (timeouts, retry backoff, circuit
 * breakers, rate limits, cache expiry, batch windows) reads this instead of the global timers, so a test
 * can hand a host a fake clock and step through minutes of behaviour deterministically.
 */
export interface Clock {
  /** Milliseconds since the epoch, like `Date.now()`; deadlines cross hosts in this unit. */
  now(): number;
  /** Runs `callback` after `delayMs`; the timer must not keep the process alive on its own. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer made by this clock's `setTimeout`; unknown or spent handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `Date.now()` and unref'd Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    // A pending policy timer (a breaker's reset, a batch window) must never hold a process open.
    timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** Resolves after `delayMs` on `clock`, or rejects with the signal's reason once `signal` aborts. */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
