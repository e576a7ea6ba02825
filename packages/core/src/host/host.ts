import semver from 'semver';
import { type BudgetReport, type Budgets, budgetReport } from '../budgets/budgets.js';
import { HOST_CALLER } from '../capabilities/call-context.js';
import { type CapabilityDescription, CapabilityRegistry } from '../capabilities/capability-registry.js';
import { type Clock, systemClock } from '../clock/clock.js';
import { DeadlineScheduler } from '../clock/deadline-scheduler.js';
import { DependencyGraph } from '../dependency-graph/dependency-graph.js';
import { errors } from '../errors/errors.js';
import { TrellisError } from '../errors/trellis-error.js';
import { EventBus, type EventHandler, type SubscribeOptions } from '../events/event-bus.js';
import { type Middleware, type MiddlewareOptions, middlewareEntry } from '../middleware/middleware.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { HostMetrics } from '../observability/metrics.js';
import { isPlugin, type Plugin } from '../plugin/define-plugin.js';
import type { CallOptions } from '../plugin/plugin-context.js';
import { type SchemaResult, validateWithSchema } from '../schema/standard-schema.js';
import { MemoryStore } from '../store/memory-store.js';
import type { Store } from '../store/store.js';
import type { Surface } from '../surfaces/surface.js';
import { type OrphanedTask, TaskRunner } from '../tasks/task-runner.js';
import type { TaskFilter, TaskInfo } from '../tasks/task-types.js';
import { HostAnnouncer } from './announcer.js';
import { formatBootTree } from './boot-tree.js';
import { CallRouter } from './call-router.js';
import {
  type BootReport,
  HOST_API_VERSION,
  type HostOptions,
  type HostState,
  positiveOption,
  type StopReport,
} from './host-options.js';
import { PluginLifecycle } from './lifecycle.js';
import { PluginControl } from './plugin-control.js';
import { type PluginInfo, PluginRuntime } from './plugin-runtime.js';
import type { Kernel } from './plugin-scope.js';

/**
 * A Trellis host: the registry of plugins, their lifecycle and the routes between them. Create one with
 * {@link createHost}. This class is the public facade and the wiring; the work lives beside it in
 * `lifecycle` (one plugin's start and stop), `plugin-control` (cascades, reload, lazy activation),
 * `call-router` (the hot path), `announcer` (events and logs) and the capability registry.
 */
export class Host {
  /** The host's root logger; each plugin logs through a child of it. */
  readonly logger: Logger;
  /** Prometheus metrics of calls, events and plugins. */
  readonly metrics: HostMetrics;
  #state: HostState = 'idle';
  readonly #runtimes = new Map<string, PluginRuntime>();
  #ranks: Map<string, number> | undefined;
  #graph: DependencyGraph;
  readonly #registry: CapabilityRegistry;
  readonly #bus: EventBus;
  readonly #lifecycle: PluginLifecycle;
  readonly #control: PluginControl;
  readonly #announcer: HostAnnouncer;
  readonly #config: Readonly<Record<string, unknown>>;
  readonly #sequentialBoot: boolean;
  readonly #clock: Clock;
  readonly #deadlines: DeadlineScheduler;
  readonly #budgets: Budgets;
  readonly #router: CallRouter;
  readonly #store: Store;
  readonly #surfaces: readonly Surface[];
  readonly #tasks: TaskRunner;
  #storeOpen = false;
  #operations: Promise<unknown> = Promise.resolve();
  #bootStartedAt = 0;
  #bootMs = 0;
  #stopReport: StopReport | undefined;

  constructor(options: HostOptions = {}) {
    if (typeof options !== 'object' || options === null)
      throw errors.invalidArgument('Host options', 'an object', options);
    this.logger = createLogger(options.logger);
    this.#config = options.config ?? {};
    this.#sequentialBoot = options.boot === 'sequential';
    if (options.boot !== undefined && options.boot !== 'parallel' && options.boot !== 'sequential') {
      throw errors.invalidArgument('The boot option', "'parallel' or 'sequential'", options.boot);
    }
    this.#clock = options.clock ?? systemClock;
    this.#deadlines = new DeadlineScheduler(this.#clock);
    this.#budgets = options.budgets ?? {};
    this.metrics = new HostMetrics({
      plugins: () =>
        [...this.#runtimes.values()].map((runtime) => ({
          name: runtime.name,
          state: runtime.state,
          setupMs: runtime.setupMs,
        })),
      bulkheads: () => this.#registry.bulkheads(),
      pools: () => [...this.#runtimes.values()].flatMap((runtime) => runtime.scope?.poolSnapshots() ?? []),
      budgets: () =>
        this.report().plugins.flatMap((plugin) =>
          (['setup', 'calls', 'tasks'] as const).map(
            (budget) => [plugin.plugin, budget, plugin.exceeded.includes(budget)] as const,
          ),
        ),
    });
    this.#bus = new EventBus({
      onSubscriberFailure: (failure) => this.#announcer.subscriberFailure(failure),
    });
    this.#announcer = new HostAnnouncer(this.#bus, this.logger, this.metrics);
    for (const plugin of options.plugins ?? []) {
      if (!isPlugin(plugin))
        throw errors.invalidArgument('Each entry of plugins', 'a plugin made by definePlugin()', plugin);
      const name = plugin.manifest.name;
      if (this.#runtimes.has(name)) throw errors.pluginDuplicate(name);
      this.#runtimes.set(
        name,
        new PluginRuntime(plugin, (runtime, from, to, error) => {
          if (to === 'running' || from === 'running')
            this.#tasks.pluginRunning(runtime.name, to === 'running');
          this.#announcer.pluginState(runtime, from, to, error);
        }),
      );
    }
    this.#graph = this.#adoptGraph(this.#buildGraph());
    const durationSampling = positiveOption('durationSampling', options.durationSampling, 8, true);
    this.#registry = new CapabilityRegistry({
      metrics: this.metrics,
      pluginRank: (plugin) => this.#rank(plugin),
      durationSampling,
      clock: this.#clock,
      deadlines: this.#deadlines,
      random: options.random ?? Math.random,
      onCircuitChange: (capability, from, to) => this.#announcer.circuitState(capability, from, to),
      subscribe: (pattern, handler, owner) => this.#bus.subscribe(pattern, handler, { owner }),
    });
    this.#store = options.store ?? new MemoryStore();
    this.#surfaces = options.surfaces ?? [];
    this.#tasks = new TaskRunner(
      {
        store: this.#store,
        clock: this.#clock,
        logger: this.logger,
        random: options.random ?? Math.random,
        emit: (topic, payload) => this.#router.emit(undefined, topic, payload),
        isRegistered: (name) => this.#runtimes.has(name),
      },
      options.tasks,
    );
    const kernel: Kernel = {
      registry: this.#registry,
      bus: this.#bus,
      logger: this.logger,
      clock: this.#clock,
      store: this.#store,
      maxStateValueBytes: positiveOption('maxStateValueBytes', options.maxStateValueBytes, 1_048_576, true),
      tasks: this.#tasks,
      surfaces: this.#surfaces,
      runtime: (name) => this.#runtimes.get(name),
      callAs: (caller, capability, params, callOptions) =>
        this.#router.call(caller, capability, params, callOptions),
      emitAs: (source, topic, payload) => this.#router.emit(source, topic, payload),
    };
    this.#lifecycle = new PluginLifecycle(kernel, this.#clock, {
      setupTimeout: positiveOption('setupTimeout', options.setupTimeout, 10_000),
      teardownTimeout: positiveOption('teardownTimeout', options.teardownTimeout, 10_000),
      drainTimeout: positiveOption('drainTimeout', options.drainTimeout, 10_000),
      slowSetupMs: positiveOption('slowSetupThreshold', options.slowSetupThreshold, 1_000),
    });
    this.#control = new PluginControl({
      runtimes: this.#runtimes,
      graph: () => this.#graph,
      registry: this.#registry,
      lifecycle: this.#lifecycle,
      bus: this.#bus,
      logger: this.logger,
      hostState: () => this.#state,
      prepareConfig: (runtime, plugin) => this.#prepareConfig(runtime, plugin),
    });
    this.#router = new CallRouter(this.#registry, this.#bus, this.#control, this.metrics, {
      maxCallDepth: positiveOption('maxCallDepth', options.maxCallDepth, 64, true),
      clock: this.#clock,
    });
    for (const middleware of options.middleware ?? []) this.use(middleware);
  }

  /** Where the host is in its life. */
  get state(): HostState {
    return this.#state;
  }

  /**
   * Checks the dependency graph, validates every plugin's config, then starts each plugin as soon as its
   * own dependencies run. A plugin that fails (and everything depending on it) is marked failed with the
   * reason; the others run. Resolves with a report; rejects only when the host is not idle.
   */
  start(): Promise<BootReport> {
    return this.#enqueue(async () => {
      if (this.#state !== 'idle') {
        throw errors.hostState(
          this.#state,
          'start the host',
          'a host starts once; create a new host to start again',
        );
      }
      this.#state = 'starting';
      this.#bootStartedAt = performance.now();
      await this.#openStore();
      const excluded = await this.#checkBeforeBoot();
      const needed = this.#control.neededAtBoot(excluded);
      await this.#graph.parallelTopologicalTraversal((name) => this.#lifecycle.start(this.#runtime(name)), {
        only: needed,
        exclude: excluded,
        concurrency: this.#sequentialBoot ? 1 : undefined,
        onBlocked: (name, blockedBy) =>
          this.#failBeforeStart(name, this.#control.blockedError(name, blockedBy)),
      });
      this.#control.armLazyActivation();
      await this.#startSurfaces();
      this.#bootMs = performance.now() - this.#bootStartedAt;
      this.#state = 'running';
      this.#reportOrphans();
      const report = this.#bootReport();
      this.logger.info(
        {
          running: report.running.length,
          failed: report.failed.length,
          dormant: report.dormant.length,
          bootMs: Math.round(report.durationMs),
        },
        'host started',
      );
      return report;
    });
  }

  /**
   * Stops every running plugin in reverse dependency order (dependents first), each after its in-flight
   * calls drained, with its teardown under a time limit. Failures are collected, never stopping the rest.
   */
  stop(): Promise<StopReport> {
    return this.#enqueue(() => this.#shutdown());
  }

  /**
   * Surfaces stop first (nothing new comes in), then tasks get their bounded chance to finish, then
   * plugins stop in reverse dependency order, and the store closes last.
   */
  async #shutdown(): Promise<StopReport> {
    if (this.#stopReport !== undefined) return this.#stopReport;
    const startedAt = performance.now();
    this.#state = 'stopping';
    this.#control.disarmLazyActivation();
    const stopErrors: TrellisError[] = [];
    for (const surface of this.#surfaces) {
      await surface
        .stop()
        .catch((cause: unknown) => stopErrors.push(errors.surfaceStopFailed(surface.name, cause)));
    }
    await this.#tasks.close();
    await Promise.all(
      [...this.#runtimes.values()].map((runtime) => runtime.settling?.catch(() => undefined)),
    );
    const live = new Set(
      [...this.#runtimes.values()]
        .filter((runtime) => runtime.state === 'running')
        .map((runtime) => runtime.name),
    );
    await this.#graph.parallelReverseTraversal(
      async (name) => {
        const failure = await this.#lifecycle.stop(this.#runtime(name), 'stopped');
        if (failure !== undefined) stopErrors.push(failure);
      },
      { only: live },
    );
    for (const runtime of this.#runtimes.values())
      if (runtime.state === 'registered') runtime.transition('stopped');
    this.#deadlines.clear();
    if (this.#storeOpen) {
      this.#storeOpen = false;
      await this.#store
        .close()
        .catch((cause: unknown) => stopErrors.push(errors.storeFailed('close', cause)));
    }
    this.#state = 'stopped';
    this.#stopReport = { durationMs: performance.now() - startedAt, errors: stopErrors };
    for (const error of stopErrors)
      this.logger.error({ err: error }, 'part of the host did not stop cleanly');
    this.logger.info({ errors: stopErrors.length }, 'host stopped');
    return this.#stopReport;
  }

  /**
   * The host's tasks, across plugins: for operators and admin tools. Plugins use `ctx.tasks`, which only
   * sees their own.
   */
  get tasks(): HostTasks {
    const runner = this.#tasks;
    return {
      list: (filter) => runner.list(filter),
      get: (id) => runner.get(id),
      cancel: (id) => runner.cancel(id),
      wait: (id) => runner.wait(id),
      orphans: () => runner.orphans(),
    };
  }

  /**
   * Calls a capability through its compiled pipeline. The host is not subject to permissions. Calls to a
   * plugin being reloaded wait for the new version; calls to a lazy plugin activate it.
   */
  call<Result = unknown>(capability: string, params?: unknown, options?: CallOptions): Promise<Result> {
    return this.#router.call(undefined, capability, params, options) as Promise<Result>;
  }

  /** Emits an event from the host; resolves once every subscriber received it (not once they finished). */
  emit(topic: string, payload?: unknown): Promise<void> {
    return this.#router.emit(undefined, topic, payload);
  }

  /** Subscribes the host to events matching `pattern`; returns an unsubscribe function. */
  on<Payload = unknown>(
    pattern: string,
    handler: EventHandler<Payload>,
    options: Omit<SubscribeOptions<Payload>, 'owner'> = {},
  ): () => void {
    return this.#bus.subscribe(pattern, handler, { ...options, owner: HOST_CALLER });
  }

  /** Adds host-wide middleware; every capability's pipeline is recompiled to include it. */
  use(middleware: Middleware, options: MiddlewareOptions = {}): void {
    if (typeof middleware !== 'function')
      throw errors.invalidArgument('Middleware', 'a function (call, next) => result', middleware);
    this.#registry.useHostMiddleware(middlewareEntry(middleware, HOST_CALLER, 'host', options));
  }

  /** Every plugin with its state and, when failed, the reason. */
  plugins(): PluginInfo[] {
    return [...this.#runtimes.values()].map((runtime) => runtime.info());
  }

  /** Every registered capability with its effective middleware chain, outermost first. */
  capabilities(): CapabilityDescription[] {
    return this.#registry.describe();
  }

  /** The boot plan: batches in dependency order (each only depends on earlier ones). */
  bootPlan(): string[][] {
    return this.#graph.batches();
  }

  /** The last boot as a tree with each plugin's setup time; the deepest branch is the critical path. */
  bootTree(): string {
    const nodes = [...this.#runtimes.values()].map((runtime) => ({
      name: runtime.name,
      state: runtime.state,
      startedAtMs: runtime.startedAt === undefined ? undefined : runtime.startedAt - this.#bootStartedAt,
      setupMs: runtime.setupMs,
      dependencies: this.#graph.dependenciesOf(runtime.name),
      errorCode: runtime.error?.code,
    }));
    return formatBootTree(this.#bootMs, nodes);
  }

  /**
   * Each plugin's setup time and call latency against its budgets (its manifest's, else the host's
   * `budgets` option, else the platform's: setup 10 ms, call p99 50 ms, task 2 s), and which plugins
   * exceed them. Also exported as `trellis_plugin_budget_exceeded`.
   */
  report(): BudgetReport {
    return budgetReport(
      [...this.#runtimes.values()].map((runtime) => ({
        plugin: runtime.name,
        budgets: runtime.manifest.budgets,
        setupMs: runtime.setupMs,
        calls: this.#registry.callStatsOf(runtime.name),
        longestTaskMs: this.#tasks.longestRunMs(runtime.name),
      })),
      this.#budgets,
    );
  }

  /**
   * Drops cached results of `capability`: the one for `params`, or all of them when `params` is omitted.
   * Returns how many entries were dropped.
   */
  invalidate(capability: string, ...params: [] | [unknown]): number {
    return this.#registry.invalidate(capability, ...params);
  }

  /** Drops every cached result tagged `tag`, in every capability; returns how many were dropped. */
  invalidateTag(tag: string): number {
    return this.#registry.invalidateTag(tag);
  }

  /**
   * Disables a plugin at runtime: new calls to it fail with `E_PLUGIN_DISABLED`, in-flight calls drain
   * (up to the drain timeout), then it is torn down. Plugins depending on it are disabled first.
   */
  disable(name: string): Promise<void> {
    return this.#enqueue(() =>
      this.#whileRunning('disable a plugin', () => this.#control.disable(this.#runtime(name))),
    );
  }

  /** Enables a disabled (or failed) plugin again, and the plugins that were disabled because of it. */
  enable(name: string): Promise<void> {
    return this.#enqueue(() =>
      this.#whileRunning('enable a plugin', () => this.#control.enable(this.#runtime(name))),
    );
  }

  /**
   * Swaps in a new definition of a plugin (or re-runs the same one): calls arriving meanwhile wait, calls
   * in flight finish on the old version, dependents are restarted with the new service. If the new
   * version fails to start, the previous one is restored and `E_RELOAD_FAILED` is thrown.
   */
  reload(name: string, next?: Plugin): Promise<void> {
    return this.#enqueue(() =>
      this.#whileRunning('reload a plugin', async () => {
        const graph = await this.#control.reload(this.#runtime(name), next, (candidate) =>
          this.#buildGraph(candidate),
        );
        this.#graph = this.#adoptGraph(graph);
      }),
    );
  }

  #enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#operations.then(operation, operation);
    this.#operations = result.catch(() => undefined);
    return result;
  }

  async #whileRunning(operation: string, work: () => Promise<void>): Promise<void> {
    if (this.#state !== 'running') throw errors.hostState(this.#state, operation, 'call host.start() first');
    await work();
  }

  #runtime(name: string): PluginRuntime {
    const runtime = this.#runtimes.get(name);
    if (runtime === undefined) throw errors.pluginNotFound(name, [...this.#runtimes.keys()]);
    return runtime;
  }

  /** The dependency graph of the current definitions, or with `replacement` swapped in (for reload). */
  #buildGraph(replacement?: Plugin): DependencyGraph {
    const manifests = [...this.#runtimes.values()].map((runtime) =>
      replacement !== undefined && replacement.manifest.name === runtime.name
        ? replacement.manifest
        : runtime.manifest,
    );
    return new DependencyGraph(manifests);
  }

  /** Makes `graph` the host's graph; plugin ranks (which order contributed middleware) follow it. */
  #adoptGraph(graph: DependencyGraph): DependencyGraph {
    this.#ranks = undefined;
    return graph;
  }

  /** A plugin's position in dependency order, computed when contributed middleware first needs it. */
  #rank(plugin: string): number {
    if (this.#ranks === undefined) {
      this.#ranks = new Map();
      for (const [rank, name] of this.#graph.topologicalOrder().entries()) this.#ranks.set(name, rank);
    }
    return this.#ranks.get(plugin) ?? Number.MAX_SAFE_INTEGER;
  }

  /** Marks graph, host-API and config problems as failures; returns the plugins that must not start. */
  async #checkBeforeBoot(): Promise<Set<string>> {
    for (const runtime of this.#runtimes.values()) {
      const range = runtime.manifest.hostApi;
      if (range !== undefined && !semver.satisfies(HOST_API_VERSION, range)) {
        this.#failBeforeStart(
          runtime.name,
          errors.hostApiIncompatible(runtime.name, range, HOST_API_VERSION),
        );
      }
    }
    for (const problem of this.#graph.findUnsatisfiedDependencies())
      this.#failBeforeStart(problem.plugin, problem.error);
    for (const cycle of this.#graph.detectCircularDependencies()) {
      for (const name of new Set(cycle)) this.#failBeforeStart(name, errors.dependencyCycle(cycle));
    }
    await this.#prepareConfigs([...this.#runtimes.values()].filter((runtime) => runtime.state !== 'failed'));
    return new Set(
      [...this.#runtimes.values()]
        .filter((runtime) => runtime.state === 'failed')
        .map((runtime) => runtime.name),
    );
  }

  /**
   * Validates the config for `plugin` and keeps it on the runtime; returns the error instead of throwing.
   * Stays synchronous when it can (no schema, or a synchronous one): a host may prepare a thousand plugins.
   */
  #prepareConfig(
    runtime: PluginRuntime,
    plugin: Plugin,
  ): TrellisError | undefined | Promise<TrellisError | undefined> {
    const schema = plugin.definition.config;
    const raw = this.#config[runtime.name];
    if (schema === undefined) {
      runtime.config = raw;
      return undefined;
    }
    const apply = (outcome: SchemaResult<unknown>) => {
      if (outcome.issues !== undefined) return errors.configInvalid(runtime.name, outcome.issues);
      runtime.config = outcome.value;
      return undefined;
    };
    // An absent config is an empty object, so an object schema reports each missing field by name
    // (and fills in its defaults) instead of refusing `undefined` as a whole.
    const outcome = validateWithSchema(schema, raw ?? {});
    return outcome instanceof Promise ? outcome.then(apply) : apply(outcome);
  }

  /** Validates every pending plugin's config, failing the plugins whose config is invalid. */
  async #prepareConfigs(runtimes: readonly PluginRuntime[]): Promise<void> {
    const pending: Promise<unknown>[] = [];
    for (const runtime of runtimes) {
      const failure = this.#prepareConfig(runtime, runtime.plugin);
      if (failure instanceof Promise) {
        pending.push(failure.then((settled) => settled && this.#failBeforeStart(runtime.name, settled)));
      } else if (failure !== undefined) this.#failBeforeStart(runtime.name, failure);
    }
    await Promise.all(pending);
  }

  async #openStore(): Promise<void> {
    try {
      await this.#store.open();
      this.#storeOpen = true;
      await this.#tasks.open();
    } catch (cause) {
      this.#state = 'stopped';
      if (this.#storeOpen) {
        // Opened, but its tasks could not be read: close it again rather than hold the file.
        this.#storeOpen = false;
        await this.#store
          .close()
          .catch((closeError: unknown) =>
            this.logger.error({ err: closeError }, 'closing the store after a failed start failed'),
          );
      }
      throw TrellisError.is(cause) ? cause : errors.storeFailed('open', cause);
    }
  }

  /** Starts each surface; if one cannot start, stops everything already started and throws. */
  async #startSurfaces(): Promise<void> {
    for (const surface of this.#surfaces) {
      try {
        await surface.start(this);
      } catch (cause) {
        const error = errors.surfaceStartFailed(surface.name, cause);
        this.logger.error({ err: error }, 'a surface could not start; stopping the host');
        await this.#shutdown();
        throw error;
      }
    }
  }

  #reportOrphans(): void {
    const orphans = this.#tasks.orphans();
    if (orphans.length === 0) return;
    this.logger.warn(
      {
        orphans: orphans.map(({ task, reason }) => ({
          id: task.id,
          plugin: task.plugin,
          task: task.name,
          reason,
        })),
      },
      'some persisted tasks cannot run: their plugin is not registered or does not define them; cancel them or restore the plugin',
    );
  }

  #failBeforeStart(name: string, error: TrellisError): void {
    const runtime = this.#runtime(name);
    if (runtime.state === 'failed') return;
    runtime.transition('failed', error);
    this.logger.error({ plugin: name, err: error }, 'plugin cannot start');
  }

  #bootReport(): BootReport {
    const running: string[] = [];
    const failed: Array<{ name: string; error: TrellisError }> = [];
    const dormant: string[] = [];
    for (const runtime of this.#runtimes.values()) {
      if (runtime.state === 'running') running.push(runtime.name);
      else if (runtime.state === 'registered') dormant.push(runtime.name);
      else if (runtime.state === 'failed' && runtime.error !== undefined)
        failed.push({ name: runtime.name, error: runtime.error });
    }
    return { durationMs: this.#bootMs, running, failed, dormant };
  }
}

/** The host's tasks across plugins (`host.tasks`). */
export interface HostTasks {
  /** Tasks matching `filter` (and `plugin`, when given), newest first. */
  list(filter?: TaskFilter & { readonly plugin?: string }): Promise<TaskInfo[]>;
  get(id: string): Promise<TaskInfo | undefined>;
  /** Cancels a job (aborting it if running) or stops a schedule. */
  cancel(id: string): Promise<TaskInfo>;
  /** Resolves with the task once it finished. */
  wait(id: string): Promise<TaskInfo>;
  /** Unfinished tasks that cannot run: their plugin is not registered, or does not define their name. */
  orphans(): OrphanedTask[];
}

/**
 * Creates a host for the given plugins. Plugin definitions are checked here (duplicates, malformed
 * options); the dependency graph and configs are checked by `start()`, which reports per plugin.
 */
export function createHost(options: HostOptions = {}): Host {
  return new Host(options);
}
