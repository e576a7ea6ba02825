import { pino } from 'pino';
import { afterEach } from 'vitest';
import { createHost, type Host, type HostOptions } from '../../src/index.js';

export { type Deferred, deferred } from './deferred.js';

/** Log records a host wrote, parsed. */
export interface CapturedLog {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

const liveHosts = new Set<Host>();

/** A host whose logs are captured instead of printed; stopped after each test. */
export function testHost(options: Omit<HostOptions, 'logger'> = {}): { host: Host; logs: CapturedLog[] } {
  const logs: CapturedLog[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => logs.push(JSON.parse(line) as CapturedLog) },
  );
  const host = createHost({ ...options, logger });
  liveHosts.add(host);
  return { host, logs };
}

afterEach(async () => {
  const hosts = [...liveHosts];
  liveHosts.clear();
  await Promise.all(hosts.map((host) => (host.state === 'running' ? host.stop() : undefined)));
});

/** Resolves after pending promise callbacks and one timer turn have run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
