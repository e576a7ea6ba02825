/**
 * True when `value` can be awaited like a promise. The kernel checks this instead of awaiting blindly so
 * that synchronous handlers and setups cost no promise, timer or microtask turn.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
