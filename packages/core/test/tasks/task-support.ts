import {
  definePlugin,
  type Host,
  type HostOptions,
  MemoryStore,
  type PluginContext,
  type TaskEvent,
  type TrellisEvent,
} from '../../src/index.js';
import { testHost } from '../support/host-fixtures.js';
import { ManualClock } from '../support/manual-clock.js';

/** A plugin named `worker` whose setup is `setup`, so each test states only what its tasks do. */
export function workerPlugin(setup: (ctx: PluginContext) => void | Promise<void>, name = 'worker') {
  return definePlugin({ name, version: '1.0.0', setup });
}

/** Where a test's task hosts share time and storage, as restarts of one process would. */
export interface TaskWorld {
  readonly clock: ManualClock;
  readonly store: MemoryStore;
  /** Every `task.*` event any host of the world emitted, in order. */
  readonly events: Array<{ readonly topic: string; readonly payload: TaskEvent }>;
  /** Starts a host on the world's clock and store with `plugins`. */
  start(plugins: HostOptions['plugins']): Promise<Host>;
}

/** A fresh world starting at 2026-01-01T00:00Z with a memory store. */
export function taskWorld(): TaskWorld {
  const clock = new ManualClock();
  const store = new MemoryStore();
  const events: TaskWorld['events'] = [];
  return {
    clock,
    store,
    events,
    async start(plugins) {
      const { host } = testHost({ plugins, clock, store, random: () => 0 });
      host.on('task.**', (payload: TaskEvent, event: TrellisEvent) => {
        events.push({ topic: event.topic, payload });
      });
      await host.start();
      await clock.advance(0);
      return host;
    },
  };
}
