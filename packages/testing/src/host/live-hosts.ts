import type { StopReport } from '@trellis/core';

/** What the registry needs of a test host. */
interface Stoppable {
  stop(): Promise<StopReport>;
}

const live = new Set<Stoppable>();
let scope: ((testHost: Stoppable) => void) | undefined;

/**
 * Sets what happens to each test host as it is made: `@trellis/testing/vitest` ties the hosts made
 * inside a test to the end of that test.
 */
export function scopeTestHosts(hook: (testHost: Stoppable) => void): void {
  scope = hook;
}

/** Remembers a test host until it stops. */
export function rememberLiveHost(testHost: Stoppable): void {
  live.add(testHost);
  scope?.(testHost);
}

/** Forgets a test host (it is stopping). */
export function forgetLiveHost(testHost: Stoppable): void {
  live.delete(testHost);
}

/** Stops every test host made by `createTestHost` and not stopped yet; resolves once all stopped. */
export async function stopAllTestHosts(): Promise<void> {
  const hosts = [...live];
  live.clear();
  await Promise.all(hosts.map((testHost) => testHost.stop()));
}
