import { afterEach } from 'vitest';
import { createHost, type Host, type HostOptions, type Plugin, TrellisError } from '../../src/index.js';

const liveHosts = new Set<Host>();

/** A silent host for `plugins`, stopped after the test so no timer outlives it. Not started yet. */
export function silentHost(plugins: readonly Plugin[], options: Omit<HostOptions, 'plugins'> = {}): Host {
  const host = createHost({ logger: { level: 'silent' }, ...options, plugins });
  liveHosts.add(host);
  return host;
}

/** A silent host for `plugins`, started. */
export async function startedHost(
  plugins: readonly Plugin[],
  options: Omit<HostOptions, 'plugins'> = {},
): Promise<Host> {
  const host = silentHost(plugins, options);
  await host.start();
  return host;
}

afterEach(async () => {
  const hosts = [...liveHosts];
  liveHosts.clear();
  await Promise.all(hosts.map((host) => (host.state === 'running' ? host.stop() : undefined)));
});

/** The state, error code and cause code of one plugin, for compact assertions on setup failures. */
export function pluginOutcome(
  host: Host,
  name: string,
): { state: string | undefined; code: string | undefined; cause: string | undefined } {
  const info = host.plugins().find((plugin) => plugin.name === name);
  const cause = info?.error?.cause;
  return {
    state: info?.state,
    code: info?.error?.code,
    cause: cause instanceof TrellisError ? cause.code : undefined,
  };
}

/** A promise that never settles: a handler stuck forever. */
export function never(): Promise<never> {
  return new Promise<never>(() => {});
}

/** Resolves after pending promise callbacks and one timer turn have run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
