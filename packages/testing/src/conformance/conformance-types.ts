import type { Budgets, Plugin } from '@trellis/core';
import type { FakeClock } from '../clock/fake-clock.js';
import type { TestHost } from '../host/test-host.js';
import type { HostFactory } from '../host/test-host-options.js';
import type { Mocks } from '../mocks/capability-mock.js';

/** The checks of the conformance suite, in the order they are reported. */
export const CONFORMANCE_CHECKS = [
  'manifest',
  'lifecycle',
  'budget',
  'enable-disable',
  'reload',
  'leaks',
  'permissions',
  'errors',
  'exercise',
] as const;

/** One check of the conformance suite. */
export type ConformanceCheck = (typeof CONFORMANCE_CHECKS)[number];

/** What each check verifies, as the test titles of `describePluginConformance` say it. */
export const CHECK_TITLES: Readonly<Record<ConformanceCheck, string>> = {
  manifest: 'has a valid manifest that lists what it provides',
  lifecycle: 'starts and stops cleanly, again on a fresh host, and stopping twice is harmless',
  budget: 'sets up within its setup budget',
  'enable-disable': 'can be disabled and enabled again, and answers again',
  reload: 'keeps its service and capabilities across a reload',
  leaks: 'leaves no timers, sockets, pools or subscriptions behind',
  permissions: 'declares every call, emit and subscription it makes',
  errors: 'fails only with TrellisErrors, and always answers',
  exercise: 'passes its exercise',
};

/** One problem the suite found, with what to fix. */
export interface ConformanceFinding {
  readonly plugin: string;
  readonly check: ConformanceCheck;
  /** Names the plugin and the check, says what happened and what to fix. */
  readonly message: string;
  /** Structured facts (measured times, targets, locations). */
  readonly details: Readonly<Record<string, unknown>>;
}

/** What {@link checkPluginConformance} found. */
export interface ConformanceReport {
  readonly plugin: string;
  /** True when no check found a problem. */
  readonly passed: boolean;
  readonly findings: readonly ConformanceFinding[];
  /** The fastest measured setup, real time plus fake time spent waiting on the host's clock. */
  readonly setupMs: number | undefined;
  /** The setup budget it was held to. */
  readonly setupBudgetMs: number;
  /** The findings of one check. */
  findingsOf(check: ConformanceCheck): ConformanceFinding[];
  /** Every finding, one per line, or a line saying all checks passed. */
  toString(): string;
}

/** Options of the conformance suite. */
export interface ConformanceOptions {
  /** The plugin's config, as `createHost({ config: { [name]: config } })` would take it. */
  readonly config?: unknown;
  /** What the plugin needs in the host: real plugins, and mocks (`{ 'users.get': mock(...) }`). */
  readonly dependencies?: ReadonlyArray<Plugin | Mocks>;
  /** Config of the dependency plugins, by name. */
  readonly dependencyConfig?: Readonly<Record<string, unknown>>;
  /**
   * Drives the plugin the way its users would (calls, events, tasks), so that its permissions and error
   * handling are exercised beyond one call of each capability. Runs on a started test host; the fake
   * clock moves while it waits.
   */
  readonly exercise?: (testHost: TestHost) => unknown;
  /**
   * Params to call each capability with, by capability name. Without them, params are generated from the
   * capability's params schema (three samples), or the capability is called without params. An empty
   * list skips the capability.
   */
  readonly samples?: Readonly<Record<string, readonly unknown[]>>;
  /** Host budgets, used where the plugin's manifest declares none (the platform's setup budget is 10 ms). */
  readonly budgets?: Budgets;
  /** The fake clock of the suite's hosts; share it with a plugin that waits on it. */
  readonly clock?: FakeClock;
  /** Makes the hosts (default: `createHost` of `@trellis/core`). */
  readonly createHost?: HostFactory;
  /** Seed of the generated params, for a reproducible run. */
  readonly seed?: number;
}
