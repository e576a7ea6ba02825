import { Batcher, type BatchFunction, type BatchOptions } from '../batching/batcher.js';
import type { CapabilityRegistry } from '../capabilities/capability-registry.js';
import type { Clock } from '../clock/clock.js';
import { errors } from '../errors/errors.js';
import type { TrellisError } from '../errors/trellis-error.js';
import type { EventBus, EventHandler } from '../events/event-bus.js';
import { type Middleware, middlewareEntry } from '../middleware/middleware.js';
import type { Logger } from '../observability/logger.js';
import type { PoolSnapshot } from '../observability/policy-metrics.js';
import type { Plugin, ServiceOf } from '../plugin/define-plugin.js';
import type {
  CallOptions,
  CapabilityHandler,
  CapabilityOptions,
  PluginContext,
  PluginSubscribeOptions,
  UseOptions,
} from '../plugin/plugin-context.js';
import { type PoolFactory, type PoolOptions, ResourcePool } from '../pools/resource-pool.js';
import { NamespacedState, type PluginStateStore } from '../store/plugin-state.js';
import type { StateStore } from '../store/store.js';
import type { Surface, SurfaceAttachment } from '../surfaces/surface.js';
import { ScopedTasks } from '../tasks/plugin-tasks.js';
import type { TaskRunner } from '../tasks/task-runner.js';
import type { PluginTasks } from '../tasks/task-types.js';
import type { PluginRuntime } from './plugin-runtime.js';

/** The parts of the host a plugin's scope works through. */
export interface Kernel {
  readonly registry: CapabilityRegistry;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly store: StateStore;
  readonly maxStateValueBytes: number;
  readonly tasks: TaskRunner;
  readonly surfaces: readonly Surface[];
  runtime(name: string): PluginRuntime | undefined;
  callAs(
    caller: PluginRuntime,
    capability: string,
    params: unknown,
    options: CallOptions | undefined,
  ): Promise<unknown>;
  emitAs(source: PluginRuntime, topic: string, payload: unknown): Promise<void>;
}

/**
 * The {@link PluginContext} a plugin's hooks receive. It remembers everything the plugin registers so
 * that {@link PluginScope.close} can remove all of it when the plugin stops, fails or is reloaded;
 * after that the scope refuses new registrations, so a setup that outlived its timeout cannot come
 * back to life.
 */
export class PluginScope<Config = unknown> implements PluginContext<Config> {
  readonly name: string;
  readonly version: string;
  readonly config: Config;
  readonly #kernel: Kernel;
  readonly #runtime: PluginRuntime;
  // Made on first use: most plugins never read them, and a host may start a thousand plugins.
  #logger: Logger | undefined;
  #abort: AbortController | undefined;
  // Made on first registration, like the logger and signal below.
  #capabilities: Set<string> | undefined;
  #subscriptions: Set<() => void> | undefined;
  #contributedMiddleware = false;
  #closed = false;
  #batchers: Array<{ close(): Promise<void> }> | undefined;
  #pools: Array<{ readonly name: string; readonly pool: ResourcePool<unknown> }> | undefined;
  #state: PluginStateStore | undefined;
  #tasks: PluginTasks | undefined;
  #attachments: SurfaceAttachment[] | undefined;

  constructor(kernel: Kernel, runtime: PluginRuntime, config: Config) {
    this.#kernel = kernel;
    this.#runtime = runtime;
    this.name = runtime.name;
    this.version = runtime.manifest.version;
    this.config = config;
  }

  get logger(): Logger {
    this.#logger ??= this.#kernel.logger.child({ plugin: this.name });
    return this.#logger;
  }

  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController();
      if (this.#closed) this.#abort.abort(errors.pluginStopped(this.name));
    }
    return this.#abort.signal;
  }

  get state(): PluginStateStore {
    this.#state ??= new NamespacedState(
      this.name,
      this.#kernel.store,
      this.#kernel.clock,
      this.#kernel.maxStateValueBytes,
    );
    return this.#state;
  }

  get tasks(): PluginTasks {
    this.#tasks ??= new ScopedTasks(this.name, this.#kernel.tasks, this.#kernel.clock, () =>
      this.#assertOpen('define a task'),
    );
    return this.#tasks;
  }

  /**
   * Lets each surface add its members (`http`, `ws`...) to this context. Called before setup; a surface
   * whose names collide with the context's own or another surface's is refused.
   */
  attachSurfaces(): void {
    for (const surface of this.#kernel.surfaces) {
      const attachment = surface.attach(this);
      this.#attachments ??= [];
      this.#attachments.push(attachment);
      for (const [key, value] of Object.entries(attachment.context)) {
        if (key in this)
          throw errors.invalidArgument(
            `The context member '${key}' added by the ${surface.name} surface`,
            'a name no other surface or the context itself uses',
            key,
          );
        Object.defineProperty(this, key, { value, enumerable: true });
      }
    }
  }

  /** Waits (up to the task stop timeout) for the plugin's running tasks, then aborts them; they stay scheduled. */
  drainTasks(): Promise<void> {
    return this.#kernel.tasks.drainPlugin(this.name, errors.pluginStopped(this.name));
  }

  provide<Params, Result>(
    name: string,
    handler: CapabilityHandler<Params, Result>,
    options?: CapabilityOptions<Params, Result>,
  ): void {
    this.#assertOpen('provide a capability');
    this.#kernel.registry.register(
      this.#runtime,
      name,
      handler as CapabilityHandler,
      options as CapabilityOptions,
    );
    this.#capabilities ??= new Set();
    this.#capabilities.add(name);
    this.#runtime.knownCapabilities.add(name);
  }

  call<Result>(capability: string, params?: unknown, options?: CallOptions): Promise<Result> {
    if (this.#closed) return Promise.reject(this.#closedError('call a capability'));
    return this.#kernel.callAs(this.#runtime, capability, params, options) as Promise<Result>;
  }

  emit(topic: string, payload?: unknown): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError('emit an event'));
    return this.#kernel.emitAs(this.#runtime, topic, payload);
  }

  on<Payload>(
    pattern: string,
    handler: EventHandler<Payload>,
    options: PluginSubscribeOptions<Payload> = {},
  ): () => void {
    this.#assertOpen('subscribe to events');
    this.#runtime.permissions.assertObserve(pattern);
    const unsubscribe = this.#kernel.bus.subscribe(pattern, handler, { ...options, owner: this.name });
    const release = () => {
      unsubscribe();
      this.#subscriptions?.delete(release);
    };
    this.#subscriptions ??= new Set();
    this.#subscriptions.add(release);
    return release;
  }

  use(middleware: Middleware, options: UseOptions = {}): void {
    this.#assertOpen('contribute middleware');
    if (typeof middleware !== 'function')
      throw errors.invalidArgument('Middleware', 'a function (call, next) => result', middleware);
    const scope = options.scope ?? 'plugin';
    const entry = middlewareEntry(middleware, this.name, scope === 'host' ? 'host' : 'plugin', options);
    if (scope === 'host') this.#kernel.registry.useHostMiddleware(entry);
    else this.#kernel.registry.usePluginMiddleware(this.name, entry);
    this.#contributedMiddleware = true;
  }

  service<Dependency extends Plugin>(dependency: Dependency): ServiceOf<Dependency>;
  service(dependency: string): unknown;
  service(dependency: Plugin | string): unknown {
    const name = typeof dependency === 'string' ? dependency : dependency.manifest.name;
    const manifest = this.#runtime.manifest;
    const optional = name in manifest.optionalDependencies;
    if (!(name in manifest.dependencies) && !optional) throw errors.dependencyUndeclared(this.name, name);
    const provider = this.#kernel.runtime(name);
    if (provider?.state === 'running' || provider?.state === 'starting') return provider.service;
    if (optional) return undefined;
    throw errors.pluginDisabled(name);
  }

  send<Reply>(plugin: string, type: string, payload?: unknown, options?: CallOptions): Promise<Reply> {
    return this.call<Reply>(`${plugin}.${type}`, payload, options);
  }

  handle<Payload, Reply>(
    type: string,
    handler: CapabilityHandler<Payload, Reply>,
    options?: CapabilityOptions<Payload, Reply>,
  ): void {
    this.provide(`${this.name}.${type}`, handler, options);
  }

  batch<Item, Result>(
    batchFunction: BatchFunction<Item, Result>,
    options: BatchOptions = {},
  ): (item: Item) => Promise<Result> {
    this.#assertOpen('create a batcher');
    const batcher = new Batcher(batchFunction, options, this.#kernel.clock, () =>
      errors.pluginStopped(this.name),
    );
    this.#batchers ??= [];
    this.#batchers.push(batcher);
    return (item) => batcher.load(item);
  }

  pool<Resource>(
    factory: PoolFactory<Resource> | (() => Resource | Promise<Resource>),
    options?: PoolOptions<Resource>,
  ): ResourcePool<Resource> {
    this.#assertOpen('create a pool');
    const pool = new ResourcePool(this.name, factory, options);
    this.#pools ??= [];
    this.#pools.push({ name: options?.name ?? 'pool', pool: pool as ResourcePool<unknown> });
    return pool;
  }

  invalidate(capability: string, ...params: [] | [unknown]): number {
    this.#assertMayInvalidate(capability);
    return this.#kernel.registry.invalidate(capability, ...params);
  }

  invalidateTag(tag: string): number {
    return this.#kernel.registry.invalidateTag(tag);
  }

  /** The plugin's pools as metrics see them. */
  poolSnapshots(): PoolSnapshot[] {
    return (this.#pools ?? []).map(({ name, pool }) => {
      const { borrowed, idle, pending, timeouts } = pool.stats();
      return { plugin: this.name, pool: name, borrowed, idle, pending, timeouts };
    });
  }

  /**
   * Flushes the plugin's batchers and drains its pools (borrowed resources are waited for, then every
   * resource is destroyed). Runs after teardown, so a teardown can still use them; never rejects.
   */
  async drainResources(): Promise<void> {
    const batchers = this.#batchers ?? [];
    const pools = this.#pools ?? [];
    this.#batchers = undefined;
    this.#pools = undefined;
    const outcomes = await Promise.allSettled([
      ...batchers.map((batcher) => batcher.close()),
      ...pools.map(({ pool }) => pool.drain()),
    ]);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected')
        this.logger.error({ err: outcome.reason }, 'releasing a batcher or pool failed');
    }
  }

  /** Removes every capability, subscription and middleware of the plugin and aborts its signal. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const capability of this.#capabilities ?? []) this.#kernel.registry.unregister(capability);
    this.#capabilities = undefined;
    for (const release of [...(this.#subscriptions ?? [])]) release();
    if (this.#contributedMiddleware) this.#kernel.registry.removeMiddlewareOf(this.name);
    if (this.#tasks !== undefined) this.#kernel.tasks.undefine(this.name);
    for (const attachment of this.#attachments ?? []) {
      try {
        attachment.detach();
      } catch (error) {
        this.logger.error({ err: error }, 'a surface failed to withdraw what this plugin contributed');
      }
    }
    this.#attachments = undefined;
    this.#abort?.abort(errors.pluginStopped(this.name));
  }

  #assertMayInvalidate(capability: string): void {
    if (!this.#runtime.mayCall(capability)) {
      throw errors.permissionDenied(this.name, 'call', capability);
    }
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw this.#closedError(operation);
  }

  #closedError(operation: string): TrellisError {
    return errors.pluginState(this.name, 'stopped', operation, ['starting', 'running']);
  }
}
