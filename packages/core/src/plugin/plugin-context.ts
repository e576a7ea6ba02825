import type { Principal } from '../auth/principal.js';
import type { BatchFunction, BatchOptions } from '../batching/batcher.js';
import type { CallContext, CallMetadata } from '../capabilities/call-context.js';
import type { EventHandler, SubscribeOptions } from '../events/event-bus.js';
import type { Middleware, MiddlewareOptions } from '../middleware/middleware.js';
import type { Logger } from '../observability/logger.js';
import type { PolicyOptions } from '../policies/capability-policies.js';
import type { CallRetryOptions } from '../policies/retry.js';
import type { PoolFactory, PoolOptions, ResourcePool } from '../pools/resource-pool.js';
import type { Schema } from '../schema/standard-schema.js';
import type { PluginStateStore } from '../store/plugin-state.js';
import type { PluginTasks } from '../tasks/task-types.js';
import type { Plugin, ServiceOf } from './define-plugin.js';

/** A capability's implementation: receives validated params and the call's context. May be sync. */
export type CapabilityHandler<Params = unknown, Result = unknown> = (
  params: Params,
  call: CallContext,
) => Result | Promise<Result>;

/** How a capability is exposed, and the policies its calls go through; every field is optional. */
export interface CapabilityOptions<Params = unknown, Result = unknown> extends PolicyOptions<Params, Result> {
  /** Validates (and may transform) params before the handler sees them; failures are `E_VALIDATION`. */
  readonly params?: Schema<unknown, Params>;
  /** Validates what the handler returns; failures are `E_VALIDATION` with direction `result`. */
  readonly result?: Schema<unknown, Result>;
  /** Time limit in ms for each attempt of a call; a caller's tighter deadline still wins. */
  readonly timeout?: number;
  /** Middleware for this capability only, innermost of the chain. */
  readonly middleware?: readonly Middleware[];
  /** One line for people, shown in listings and generated API docs. */
  readonly description?: string;
}

/** Per-call options for `host.call` / `ctx.call`. */
export interface CallOptions {
  /** Time limit in ms; the tightest of this, the capability's own and the enclosing call's deadline wins. */
  readonly timeout?: number;
  /** Abandons the call when aborted (`E_ABORTED`); the handler's `call.signal` follows it. */
  readonly signal?: AbortSignal;
  /** Facts for the handler and middleware, merged over the enclosing call's metadata. */
  readonly metadata?: CallMetadata;
  /**
   * The call this one is made from, when calling from inside a handler: the new call inherits its request
   * id, deadline, signal and metadata.
   */
  readonly parent?: CallContext;
  /** `false`: no retries for this call. An object adjusts the capability's retry; `force: true` retries even a capability not declared idempotent. */
  readonly retry?: false | CallRetryOptions;
  /** `false`: bypass the capability's cache for this call (no lookup, nothing stored). */
  readonly cache?: false;
  /** Who the call acts for (set by surfaces after authentication); nested calls inherit it. */
  readonly principal?: Principal;
  /** The id of the request the call serves (e.g. an HTTP request id), for logs and tracing. */
  readonly requestId?: string;
}

/** Options for a subscription made by a plugin. */
export type PluginSubscribeOptions<Payload = unknown> = Omit<SubscribeOptions<Payload>, 'owner'>;

/** Where a middleware contributed by a plugin applies. */
export interface UseOptions extends MiddlewareOptions {
  /** `plugin` (default): this plugin's capabilities. `host`: every capability of the host. */
  readonly scope?: 'plugin' | 'host';
}

/**
 * What a plugin's `setup` (and its other hooks) receive: its config, logger and the host's services,
 * scoped to the plugin. Everything registered through it is removed when the plugin stops.
 */
export interface PluginContext<Config = unknown> {
  /** The plugin's name. */
  readonly name: string;
  /** The plugin's version. */
  readonly version: string;
  /** The plugin's config, validated against its `config` schema. */
  readonly config: Config;
  /** A pino child logger bound to the plugin's name, with secrets redacted. */
  readonly logger: Logger;
  /** Aborted when the plugin stops (teardown, disable, reload, failure): hand it to timers and sockets. */
  readonly signal: AbortSignal;
  /**
   * The plugin's persistent key-value state, in its own namespace (no plugin can read another's): JSON
   * values with optional TTL and atomic compare-and-set, kept in the host's store.
   */
  readonly state: PluginStateStore;
  /**
   * The plugin's tasks: handlers it defines, jobs (`enqueue`, `at`, `after`) and recurring schedules
   * (`every`, `cron`, `daily`), persisted in the host's store so they survive restarts.
   */
  readonly tasks: PluginTasks;

  /** Provides a capability under `name`; names are unique across the host (`E_CAPABILITY_DUPLICATE`). */
  provide<Params = unknown, Result = unknown>(
    name: string,
    handler: CapabilityHandler<Params, Result>,
    options?: CapabilityOptions<Params, Result>,
  ): void;
  /** Calls a capability the manifest's `permissions.calls` allows (or one of the plugin's own). */
  call<Result = unknown>(capability: string, params?: unknown, options?: CallOptions): Promise<Result>;
  /** Emits an event the manifest's `permissions.emits` allows; resolves once every subscriber received it. */
  emit(topic: string, payload?: unknown): Promise<void>;
  /** Subscribes to events matching `pattern`; returns an unsubscribe function. */
  on<Payload = unknown>(
    pattern: string,
    handler: EventHandler<Payload>,
    options?: PluginSubscribeOptions<Payload>,
  ): () => void;
  /** Contributes middleware to this plugin's capabilities, or with `scope: 'host'` to every capability. */
  use(middleware: Middleware, options?: UseOptions): void;
  /** The service a dependency's setup returned, typed when given the dependency's plugin object. */
  service<Dependency extends Plugin>(dependency: Dependency): ServiceOf<Dependency>;
  /** The service a dependency's setup returned, by name. */
  service(dependency: string): unknown;
  /**
   * A DataLoader-style batcher: calls to the returned function made within the window (`maxWaitMs`,
   * default: the same tick) reach `batchFunction` together, at most `maxSize` at a time; each call gets its
   * item's result, or its own error. Flushed and closed when the plugin stops.
   */
  batch<Item, Result>(
    batchFunction: BatchFunction<Item, Result>,
    options?: BatchOptions,
  ): (item: Item) => Promise<Result>;
  /**
   * A pool of resources (connections, clients) with `min`/`max`, `acquireTimeout`, `idleTimeout` and
   * `validate`; borrow with `acquire`/`release` or, better, `use(fn)`, which always releases. Drained when
   * the plugin stops (after its teardown).
   */
  pool<Resource>(
    factory: PoolFactory<Resource> | (() => Resource | Promise<Resource>),
    options?: PoolOptions<Resource>,
  ): ResourcePool<Resource>;
  /**
   * Drops cached results of a capability (this plugin's own, or one it may call): the entry for
   * `params`, or all entries when omitted. Returns how many were dropped.
   */
  invalidate(capability: string, ...params: [] | [unknown]): number;
  /** Drops every cached result tagged `tag`; returns how many were dropped. */
  invalidateTag(tag: string): number;
  /** Sends a message to another plugin and resolves with its reply (a call of `<plugin>.<type>`). */
  send<Reply = unknown>(
    plugin: string,
    type: string,
    payload?: unknown,
    options?: CallOptions,
  ): Promise<Reply>;
  /** Handles messages of `type` sent to this plugin (provides the capability `<plugin>.<type>`). */
  handle<Payload = unknown, Reply = unknown>(
    type: string,
    handler: CapabilityHandler<Payload, Reply>,
    options?: CapabilityOptions<Payload, Reply>,
  ): void;
}
