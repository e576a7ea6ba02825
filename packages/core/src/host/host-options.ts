import type { Budgets } from '../budgets/budgets.js';
import type { Clock } from '../clock/clock.js';
import { errors } from '../errors/errors.js';
import type { TrellisError } from '../errors/trellis-error.js';
import type { Middleware } from '../middleware/middleware.js';
import type { LoggerInput } from '../observability/logger.js';
import type { Plugin } from '../plugin/define-plugin.js';
import type { Store } from '../store/store.js';
import type { Surface } from '../surfaces/surface.js';
import type { TaskRunnerOptions } from '../tasks/task-runner.js';

/** The version of the API the host offers plugins; manifests state the range they need in `hostApi`. */
export const HOST_API_VERSION = '1.0.0';

/** Options for {@link createHost}. */
export interface HostOptions {
  /** The plugins this host runs. */
  readonly plugins?: readonly Plugin[];
  /**
   * Config per plugin name, validated against each plugin's `config` schema before anything starts; a plugin
   * with a schema but no entry here is validated as `{}`, so object schemas fill in their defaults.
   */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Default ms a plugin's setup may take (10 000). A manifest's `setupTimeout` overrides it. */
  readonly setupTimeout?: number;
  /** Default ms a plugin's teardown may take (10 000). */
  readonly teardownTimeout?: number;
  /** Ms that disable, reload and stop wait for in-flight calls (10 000). */
  readonly drainTimeout?: number;
  /** Setups slower than this many ms are logged as warnings (1 000). */
  readonly slowSetupThreshold?: number;
  /** `parallel` (default): each plugin starts when its own dependencies run. `sequential`: one at a time, for debugging. */
  readonly boot?: 'parallel' | 'sequential';
  /** A pino logger, or options for the one the host creates (secrets are redacted either way). */
  readonly logger?: LoggerInput;
  /** Host-wide middleware, outermost first. */
  readonly middleware?: readonly Middleware[];
  /**
   * Time one call in this many for the `trellis_call_duration_seconds` histogram (8; 1 times every call).
   * Calls are always counted; only timing is sampled, because reading the clock twice costs a large share
   * of a local call. The sample is unbiased, so rates, means and quantiles stay valid.
   */
  readonly durationSampling?: number;
  /**
   * Where the host reads time and sets timers (policies, timeouts, lifecycle limits). Tests pass a fake
   * clock to step through time; the default is the system clock.
   */
  readonly clock?: Clock;
  /** Randomness for retry jitter, in [0, 1); tests pass a fixed one. Defaults to `Math.random`. */
  readonly random?: () => number;
  /** Budgets for plugins that do not declare their own (defaults: setup 10 ms, call p99 50 ms, task 2 s). */
  readonly budgets?: Budgets;
  /** How deeply calls may nest before `E_CALL_DEPTH` (64): catches capabilities calling each other in a loop. */
  readonly maxCallDepth?: number;
  /**
   * Where plugin state (`ctx.state`) and tasks (`ctx.tasks`) persist. The host opens it in `start()` and
   * closes it in `stop()`. Defaults to a {@link MemoryStore}; use `@trellis/store-sqlite` to survive restarts.
   */
  readonly store?: Store;
  /** The largest value a plugin may keep under one state key, in bytes of JSON (1 MiB). */
  readonly maxStateValueBytes?: number;
  /** Ways into the host from outside, such as the HTTP gateway of `@trellis/http`, started after the plugins. */
  readonly surfaces?: readonly Surface[];
  /** How tasks run: history retention, stop timeout, payload limit. */
  readonly tasks?: TaskRunnerOptions;
}

/** Where the host is in its life. */
export type HostState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/** What `host.start()` resolves with. Per-plugin failures are here (and in `host.plugins()`), never thrown. */
export interface BootReport {
  readonly durationMs: number;
  readonly running: readonly string[];
  readonly failed: ReadonlyArray<{ readonly name: string; readonly error: TrellisError }>;
  /** Lazy plugins waiting for their first call or event. */
  readonly dormant: readonly string[];
}

/** What `host.stop()` resolves with: every teardown failure, none of them stopping the others. */
export interface StopReport {
  readonly durationMs: number;
  readonly errors: readonly TrellisError[];
}

/**
 * Reads a positive numeric option (a whole number when `integer`), or its default; anything else is
 * `E_INVALID_ARGUMENT`.
 */
export function positiveOption(
  name: string,
  value: number | undefined,
  fallback: number,
  integer = false,
): number {
  if (value === undefined) return fallback;
  if (
    !(
      typeof value === 'number' &&
      value > 0 &&
      Number.isFinite(value) &&
      (!integer || Number.isInteger(value))
    )
  ) {
    throw errors.invalidArgument(
      `The ${name} option`,
      integer ? 'a positive integer' : 'a positive number',
      value,
    );
  }
  return value;
}
