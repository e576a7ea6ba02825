import type { CapabilityRegistry } from '../capabilities/capability-registry.js';
import { errors } from '../errors/errors.js';
import type { TrellisError } from '../errors/trellis-error.js';
import type { EventBus, EventHandler } from '../events/event-bus.js';
import { type Middleware, middlewareEntry } from '../middleware/middleware.js';
import type { Logger } from '../observability/logger.js';
import type { Plugin, ServiceOf } from '../plugin/define-plugin.js';
import type {
  CallOptions,
  CapabilityHandler,
  CapabilityOptions,
  PluginContext,
  PluginSubscribeOptions,
  UseOptions,
} from '../plugin/plugin-context.js';
import type { PluginRuntime } from './plugin-runtime.js';

/** The parts of the host a plugin's scope works through. */
export interface Kernel {
  readonly registry: CapabilityRegistry;
  readonly bus: EventBus;
  readonly logger: Logger;
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

  /** Removes every capability, subscription and middleware of the plugin and aborts its signal. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const capability of this.#capabilities ?? []) this.#kernel.registry.unregister(capability);
    this.#capabilities = undefined;
    for (const release of [...(this.#subscriptions ?? [])]) release();
    if (this.#contributedMiddleware) this.#kernel.registry.removeMiddlewareOf(this.name);
    this.#abort?.abort(errors.pluginStopped(this.name));
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw this.#closedError(operation);
  }

  #closedError(operation: string): TrellisError {
    return errors.pluginState(this.name, 'stopped', operation, ['starting', 'running']);
  }
}
