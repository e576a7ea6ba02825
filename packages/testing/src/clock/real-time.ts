/**
 * The real timer functions as they were when the kit loaded. The conformance suite replaces the global
 * ones while it watches a plugin, and a test may install fake timers; the kit's own waiting must use
 * neither.
 */
const realSetImmediate = globalThis.setImmediate;
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

export { realClearTimeout, realSetImmediate, realSetTimeout };

/** Resolves after one real turn of the event loop: pending promise callbacks and ready I/O have run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

/** Resolves after `ms` real milliseconds. */
export function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, ms));
}

/** Performance timestamps in ms, for durations measured in real time. */
export function realNow(): number {
  return performance.now();
}
