import { createHost, errors, isPlugin, MemoryStore, type Plugin } from '@trellis/core';
import { pino } from 'pino';
import { EventLog } from '../capture/event-log.js';
import { LogCapture } from '../capture/log-capture.js';
import { FakeClock } from '../clock/fake-clock.js';
import { createTestGateway } from '../http/test-http.js';
import { CallJournal } from '../mocks/call-journal.js';
import { mockPlugins } from '../mocks/mock-plugins.js';
import { PluginObserver } from '../observe/plugin-observer.js';
import { rememberLiveHost } from './live-hosts.js';
import { TestHost } from './test-host.js';
import type { TestHostOptions } from './test-host-options.js';

/** How the conformance suite builds its hosts beyond the public options. */
export interface TestHostInternals {
  /**
   * Observers to reuse, by plugin name, so that several hosts add to one record per plugin (and the
   * plugin under test runs under its attribution); plugins without one get a new observer.
   */
  readonly observers?: Map<string, PluginObserver>;
}

/**
 * Makes a test host: a real host of `@trellis/core` on a fake clock and a memory store (unless given),
 * with stand-in plugins for `mocks`, every event and log line captured, and the HTTP gateway when asked.
 * Starts it unless `start: false`. Stop it with `testHost.stop()`, or import `@trellis/testing/vitest` to
 * have every test host stopped after each test.
 */
export function createTestHost(options: TestHostOptions = {}): Promise<TestHost> {
  return buildTestHost(options, {});
}

/** {@link createTestHost} with the conformance suite's internals. */
export async function buildTestHost(
  options: TestHostOptions,
  internals: TestHostInternals,
): Promise<TestHost> {
  if (typeof options !== 'object' || options === null)
    throw errors.invalidArgument('The options of createTestHost()', 'an object', options);
  const {
    plugins = [],
    mocks,
    clock: clockOption,
    start = true,
    allowBootFailures: _allowBootFailures,
    logLevel = 'debug',
    http,
    createHost: hostFactory = createHost,
    ...hostOptions
  } = options;
  if (!Array.isArray(plugins))
    throw errors.invalidArgument('The plugins option', 'an array of plugins', plugins);
  for (const plugin of plugins) {
    if (!isPlugin(plugin))
      throw errors.invalidArgument('Each entry of plugins', 'a plugin made by definePlugin()', plugin);
  }
  const clock =
    clockOption instanceof FakeClock
      ? clockOption
      : new FakeClock(clockOption === undefined ? {} : { startAt: clockOption });
  const store = hostOptions.store ?? new MemoryStore();
  const events = new EventLog();
  const logs = new LogCapture();
  const journal = new CallJournal();
  const observers = internals.observers ?? new Map<string, PluginObserver>();
  const observed = (plugins as readonly Plugin[]).map((plugin) => {
    const name = plugin.manifest.name;
    let observer = observers.get(name);
    if (observer === undefined) {
      observer = new PluginObserver(name, clock);
      observers.set(name, observer);
    }
    return observer.wrap(plugin);
  });
  const standIns = mockPlugins(mocks, plugins, journal, () => clock.now());
  const gateway = http === undefined || http === false ? undefined : await createTestGateway(http, clock);
  const host = hostFactory({
    ...hostOptions,
    plugins: [...standIns.plugins, ...observed],
    clock,
    store,
    logger: pino({ level: logLevel }, logs.stream),
    surfaces: [...(hostOptions.surfaces ?? []), ...(gateway === undefined ? [] : [gateway])],
  });
  host.on('**', (payload, event) =>
    events.record({ topic: event.topic, source: event.source, payload, time: clock.now() }),
  );
  const testHost = new TestHost({
    host,
    clock,
    store,
    events,
    logs,
    journal,
    mocks: standIns.mocks,
    observers,
    gateway,
    options,
  });
  rememberLiveHost(testHost);
  if (start) await testHost.start();
  return testHost;
}
