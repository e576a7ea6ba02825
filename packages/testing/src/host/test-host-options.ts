import type { Host, HostOptions, Plugin, TaskEvent, TaskInfo } from '@trellis/core';
import type { LogLevelName } from '../capture/log-capture.js';
import type { FakeClock } from '../clock/fake-clock.js';
import type { TestHttpOptions } from '../http/test-http.js';
import type { Mocks } from '../mocks/capability-mock.js';

/**
 * Makes the host of a test host. The default is `createHost` of `@trellis/core`; pass another to run the
 * kit over a kernel built from sources, or over a host factory of your own.
 */
export type HostFactory = (options: HostOptions) => Host;

/** Options of `createTestHost`: the host's own options, and what the kit adds around it. */
export interface TestHostOptions extends Omit<HostOptions, 'clock' | 'logger' | 'plugins'> {
  /** The plugins under test and the real plugins they need. */
  readonly plugins?: readonly Plugin[];
  /**
   * Capabilities to provide with stand-ins, by name: a `mock(...)` recorder, a handler
   * `(params, call) => result`, or the value every call returns. Each group of capabilities with the same
   * first segment (`users.get`, `users.list`) is provided by a stand-in plugin of that name (`users`), so
   * the plugins under test find the dependencies they declare.
   */
  readonly mocks?: Mocks;
  /**
   * The fake clock the host runs on: a {@link FakeClock} (share one between hosts to test restarts), or
   * the time a new one starts at (default 2026-01-01T00:00:00.000Z).
   */
  readonly clock?: FakeClock | Date | number;
  /** Start the host before resolving (true). */
  readonly start?: boolean;
  /**
   * When plugins fail to start, keep the host instead of throwing `E_TEST_HOST_BOOT` (false): for tests
   * of the failure itself, which `testHost.bootReport` and `host.plugins()` then describe.
   */
  readonly allowBootFailures?: boolean;
  /** The lowest level of the captured logs (`debug`). Nothing is printed. */
  readonly logLevel?: LogLevelName;
  /**
   * Add the HTTP gateway of `@trellis/http` (loaded on demand): `true`, or its options over the test
   * defaults (127.0.0.1, a free port, the fake clock).
   */
  readonly http?: boolean | TestHttpOptions;
  /** Makes the host (default: `createHost` of `@trellis/core`). */
  readonly createHost?: HostFactory;
}

/** What {@link TestHost.runTasks} did. */
export interface TaskRunSummary {
  /** Task runs that completed meanwhile, as their `task.completed` events tell. */
  readonly completed: readonly TaskEvent[];
  /** Task runs that failed for good meanwhile. */
  readonly failed: readonly TaskEvent[];
  /** Task runs that failed and will be tried again later. */
  readonly retrying: readonly TaskEvent[];
  /** Tasks still running: they wait for something the test controls. */
  readonly running: readonly TaskInfo[];
}

/** Options of {@link TestHost.waitForEvent}. */
export interface WaitForEventOptions {
  /** Fake ms to wait (10 000). */
  readonly timeout?: number;
  /**
   * Move the fake clock through its timers while waiting, up to the timeout (true). With false the clock
   * stays put and only the test moves it; the timeout still runs on it.
   */
  readonly advance?: boolean;
  /** Also accept an event captured before the call (true), so a wait started late does not miss it. */
  readonly past?: boolean;
}
