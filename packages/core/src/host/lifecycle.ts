import { type LateOutcome, runWithTimeout, settleWithin } from '../async/run-with-timeout.js';
import { isThenable } from '../async/thenable.js';
import type { Clock } from '../clock/clock.js';
import { errors } from '../errors/errors.js';
import { TrellisError } from '../errors/trellis-error.js';
import type { Logger } from '../observability/logger.js';
import type { PluginHooks } from '../plugin/define-plugin.js';
import type { PluginContext } from '../plugin/plugin-context.js';
import type { PluginRuntime } from './plugin-runtime.js';
import { type Kernel, PluginScope } from './plugin-scope.js';

/** Time limits (ms) the lifecycle applies; a plugin's manifest may override setup and teardown. */
export interface LifecycleTimeouts {
  readonly setupTimeout: number;
  readonly teardownTimeout: number;
  /** How long disable, reload and stop wait for in-flight calls before tearing down anyway. */
  readonly drainTimeout: number;
  /** Setups slower than this are logged as warnings. */
  readonly slowSetupMs: number;
}

type StartHook = 'onEnable' | 'onReload';
/** The hooks run when stopping, in order; disabling first tells the plugin why. */
const STOP_HOOKS = ['teardown'] as const;
const DISABLE_HOOKS = ['onDisable', 'teardown'] as const;
type LifecycleHook = (this: PluginHooks<unknown, unknown>, ctx: PluginContext) => unknown;

/**
 * Starts and stops single plugins: setup and teardown under their time limits, draining in-flight calls,
 * the optional enable/disable/reload hooks, and the state transitions around them. It never decides
 * *which* plugins to start or stop: that is the host's job, working from the dependency graph.
 */
export class PluginLifecycle {
  readonly #kernel: Kernel;
  readonly #timeouts: LifecycleTimeouts;
  readonly #clock: Clock;

  constructor(kernel: Kernel, clock: Clock, timeouts: LifecycleTimeouts) {
    this.#kernel = kernel;
    this.#clock = clock;
    this.#timeouts = timeouts;
  }

  /**
   * Runs the plugin's setup (then `hook`, if the plugin has it) and marks it running. On failure or
   * timeout everything the plugin registered is removed, it is marked failed, and the error is thrown.
   */
  async start(runtime: PluginRuntime, hook?: StartHook): Promise<void> {
    const name = runtime.name;
    const definition = runtime.plugin.definition;
    const timeoutMs = runtime.manifest.setupTimeout ?? this.#timeouts.setupTimeout;
    runtime.transition('starting');
    const scope = new PluginScope(this.#kernel, runtime, runtime.config);
    runtime.scope = scope;
    const startedAt = performance.now();
    runtime.startedAt = startedAt;
    try {
      scope.attachSurfaces();
      // Called directly: a synchronous setup (most are) needs no timer, closures or extra await.
      const outcome = definition.setup(scope);
      const service = isThenable(outcome)
        ? await settleWithin(
            this.#clock,
            outcome,
            timeoutMs,
            () => errors.setupTimeout(name, timeoutMs),
            (late) => this.#abandonLateSetup(definition, runtime, scope, late),
          )
        : outcome;
      const hookFunction = hook === undefined ? undefined : (definition[hook] as LifecycleHook | undefined);
      if (hookFunction !== undefined) {
        await runWithTimeout(
          this.#clock,
          () => hookFunction.call(definition, scope),
          timeoutMs,
          () => errors.setupTimeout(name, timeoutMs),
        );
      }
      runtime.service = service;
      runtime.setupMs = performance.now() - startedAt;
      if (runtime.setupMs > this.#timeouts.slowSetupMs) {
        scope.logger.warn(
          { setupMs: Math.round(runtime.setupMs) },
          'slow setup: the host waits for it before starting dependents',
        );
      }
      runtime.transition('running');
    } catch (cause) {
      const error = TrellisError.is(cause, 'E_SETUP_TIMEOUT') ? cause : errors.setupFailed(name, cause);
      runtime.setupMs = performance.now() - startedAt;
      this.#release(runtime, scope);
      // Pools and batchers made before the failure; bounded, since a stuck resource must not stall boot.
      await this.#withinTeardownLimit(runtime, () => scope.drainResources()).catch((drainError: unknown) =>
        scope.logger.error({ err: drainError }, 'releasing the pools of a failed setup timed out'),
      );
      runtime.transition('failed', error);
      scope.logger.error({ err: error }, 'plugin failed to start');
      throw error;
    }
  }

  /**
   * Stops a running (or starting) plugin: refuses new calls, waits for in-flight ones up to the drain
   * timeout, runs `onDisable` when disabling, then teardown, and removes what the plugin registered.
   * Resolves with the first teardown error (the plugin is then marked failed), never rejects.
   */
  async stop(runtime: PluginRuntime, target: 'stopped' | 'disabled'): Promise<TrellisError | undefined> {
    runtime.transition('stopping');
    const scope = runtime.scope;
    const drainTimeoutMs = this.#timeouts.drainTimeout;
    if (runtime.inFlight.count > 0 && !(await runtime.inFlight.idle(this.#clock, drainTimeoutMs))) {
      this.#loggerOf(runtime).warn(
        { inFlight: runtime.inFlight.count, drainTimeoutMs },
        'calls still in flight after the drain timeout; tearing down anyway',
      );
    }
    const failures: TrellisError[] = [];
    if (scope !== undefined) {
      await scope.drainTasks();
      const definition = runtime.plugin.definition;
      for (const hook of target === 'disabled' ? DISABLE_HOOKS : STOP_HOOKS) {
        const hookFunction = definition[hook] as LifecycleHook | undefined;
        if (hookFunction === undefined) continue;
        try {
          await this.#withinTeardownLimit(runtime, () => hookFunction.call(definition, scope));
        } catch (cause) {
          failures.push(
            TrellisError.is(cause, 'E_TEARDOWN_TIMEOUT') ? cause : errors.teardownFailed(runtime.name, cause),
          );
        }
      }
    }
    if (scope !== undefined) {
      await this.#withinTeardownLimit(runtime, () => scope.drainResources()).catch((error: TrellisError) =>
        failures.push(error),
      );
    }
    const logger = failures.length > 0 ? this.#loggerOf(runtime) : undefined;
    this.#release(runtime, scope);
    const failure = failures[0];
    if (failure !== undefined) {
      logger?.error({ err: failure, failures: failures.length }, 'plugin did not stop cleanly');
      runtime.transition('failed', failure);
      return failure;
    }
    runtime.transition(target);
    return undefined;
  }

  /** Runs `work` within the plugin's teardown limit (its manifest's, else the host's); `E_TEARDOWN_TIMEOUT` past it. */
  #withinTeardownLimit(runtime: PluginRuntime, work: () => unknown): Promise<unknown> {
    const timeoutMs = runtime.manifest.teardownTimeout ?? this.#timeouts.teardownTimeout;
    return runWithTimeout(this.#clock, work, timeoutMs, () =>
      errors.teardownTimeout(runtime.name, timeoutMs),
    );
  }

  #loggerOf(runtime: PluginRuntime): Logger {
    return runtime.scope?.logger ?? this.#kernel.logger.child({ plugin: runtime.name });
  }

  #release(runtime: PluginRuntime, scope: PluginScope | undefined): void {
    scope?.close();
    runtime.scope = undefined;
    runtime.service = undefined;
  }

  /**
   * A setup that finished after its timeout may have opened sockets or timers the host never saw; give
   * the plugin's teardown the chance to release them, and say so in the log.
   */
  #abandonLateSetup(
    definition: PluginHooks<unknown, unknown>,
    runtime: PluginRuntime,
    scope: PluginScope,
    late: LateOutcome,
  ): void {
    if (!late.fulfilled) {
      scope.logger.warn({ err: late.reason }, 'setup failed after it had already timed out');
      return;
    }
    scope.logger.warn('setup finished after it had timed out; running teardown to release what it acquired');
    const teardown = definition.teardown as LifecycleHook | undefined;
    if (teardown === undefined) return;
    this.#withinTeardownLimit(runtime, () => teardown.call(definition, scope)).catch((error: unknown) =>
      scope.logger.error({ err: error }, 'teardown of a timed-out setup failed'),
    );
  }
}
