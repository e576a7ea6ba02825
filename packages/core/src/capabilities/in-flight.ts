import type { Clock } from '../clock/clock.js';

/**
 * Counts the calls a plugin is serving so that disable and reload can wait for them to finish. Waiting is
 * rare, so the counter only allocates when someone waits.
 */
export class InFlightCounter {
  #count = 0;
  #waiters: Array<() => void> = [];

  /** Calls currently being served. */
  get count(): number {
    return this.#count;
  }

  /** Marks a call as started. */
  enter(): void {
    this.#count += 1;
  }

  /** Marks a call as finished, waking waiters when none is left. */
  leave(): void {
    this.#count -= 1;
    if (this.#count === 0 && this.#waiters.length > 0) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Resolves `true` once no call is in flight, or `false` when `timeoutMs` passes first. */
  idle(clock: Clock, timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = clock.setTimeout(() => {
        this.#waiters = this.#waiters.filter((waiter) => waiter !== wake);
        resolve(false);
      }, timeoutMs);
      const wake = () => {
        clock.clearTimeout(timer);
        resolve(true);
      };
      this.#waiters.push(wake);
    });
  }
}
