import {
  createTestHost,
  FakeClock,
  type HostFactory,
  type TestHost,
  type TestHostOptions,
} from '@trellis/testing/vitest';
import {
  createHost,
  definePlugin,
  type Host,
  type HostOptions,
  MemoryStore,
  type PluginContext,
  type TaskEvent,
} from '../../src/index.js';

/**
 * The test kit is built against the published `@trellis/core`; these tests run the kernel's sources, so
 * the kit is handed their `createHost`. TypeScript tells the two builds' classes apart, hence the casts.
 */
const sourceHost = createHost as unknown as HostFactory;

/** A plugin named `worker` whose setup is `setup`, so each test states only what its tasks do. */
export function workerPlugin(setup: (ctx: PluginContext) => void | Promise<void>, name = 'worker') {
  return definePlugin({ name, version: '1.0.0', setup });
}

/** Where a test's task hosts share time and storage, as restarts of one process would. */
export interface TaskWorld {
  readonly clock: FakeClock;
  readonly store: MemoryStore;
  /** Every `task.*` event any host of the world emitted, in order. */
  readonly events: ReadonlyArray<{ readonly topic: string; readonly payload: TaskEvent }>;
  /**
   * Starts a test host on the world's clock and store with `plugins` (and `options`); it is stopped when
   * the test finishes.
   */
  start(plugins: HostOptions['plugins'], options?: Pick<TestHostOptions, 'tasks'>): Promise<Host>;
}

/** A fresh world starting at 2026-01-01T00:00Z with a memory store. */
export function taskWorld(): TaskWorld {
  const clock = new FakeClock({ startAt: Date.UTC(2026, 0, 1) });
  const store = new MemoryStore();
  const hosts: TestHost[] = [];
  return {
    clock,
    store,
    get events() {
      return hosts.flatMap((testHost) =>
        testHost.events
          .matching<TaskEvent>('task.**')
          .map((event) => ({ topic: event.topic, payload: event.payload })),
      );
    },
    async start(plugins, options = {}) {
      const testHost = await createTestHost({
        ...options,
        plugins: plugins as TestHostOptions['plugins'],
        clock,
        store,
        random: () => 0,
        createHost: sourceHost,
      });
      hosts.push(testHost);
      await clock.advance(0);
      return testHost.host as unknown as Host;
    },
  };
}
