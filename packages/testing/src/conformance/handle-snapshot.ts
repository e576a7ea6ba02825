import { realDelay } from '../clock/real-time.js';

/** Counts of the process's active resources by type, leaving out timers (tracked per plugin) and requests. */
export type HandleCounts = ReadonlyMap<string, number>;

/** Resource types that are in-flight requests, which finish on their own, rather than handles a plugin holds. */
const TRANSIENT = /^(Timeout|Immediate)$|Req|ConnectWrap|ShutdownWrap|WriteWrap|SendWrap/;

/** The long-lived handles open now (sockets, servers, pipes, watchers, child processes...), by type. */
export function handleCounts(): HandleCounts {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) {
    if (TRANSIENT.test(type)) continue;
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

/** The handle types that are more numerous in `after` than in `before`, with how many more. */
export function handleIncrease(
  before: HandleCounts,
  after: HandleCounts,
): Array<{ type: string; count: number }> {
  const increase: Array<{ type: string; count: number }> = [];
  for (const [type, count] of after) {
    const extra = count - (before.get(type) ?? 0);
    if (extra > 0) increase.push({ type, count: extra });
  }
  return increase;
}

/**
 * The handles opened since `before` that are still open after up to `graceMs` real ms: a socket closed in
 * teardown may need a few turns of the event loop to be gone, so the count is retaken until it settles.
 */
export async function lingeringHandles(
  before: HandleCounts,
  graceMs = 250,
): Promise<Array<{ type: string; count: number }>> {
  let increase = handleIncrease(before, handleCounts());
  for (let waited = 0; increase.length > 0 && waited < graceMs; waited += 10) {
    await realDelay(10);
    increase = handleIncrease(before, handleCounts());
  }
  return increase;
}
