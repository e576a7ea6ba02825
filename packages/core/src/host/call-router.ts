import { CallContext, HOST_CALLER } from '../capabilities/call-context.js';
import type { CapabilityEntry, CapabilityRegistry } from '../capabilities/capability-registry.js';
import type { Clock } from '../clock/clock.js';
import { errors } from '../errors/errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { HostMetrics } from '../observability/metrics.js';
import type { CallOptions } from '../plugin/plugin-context.js';
import type { PluginControl } from './plugin-control.js';
import type { PluginRuntime } from './plugin-runtime.js';

const RESOLVED = Promise.resolve();

/**
 * The hot path: routes calls and emits from the host and from plugins. A caller of `undefined` is the
 * host itself, which permissions do not restrict. Nothing here is async unless the capability is not
 * simply there, because every extra promise shows on the call budget.
 */
export class CallRouter {
  readonly #registry: CapabilityRegistry;
  readonly #bus: EventBus;
  readonly #control: PluginControl;
  readonly #metrics: HostMetrics;
  readonly #maxCallDepth: number;
  readonly #clock: Clock;

  constructor(
    registry: CapabilityRegistry,
    bus: EventBus,
    control: PluginControl,
    metrics: HostMetrics,
    settings: { readonly maxCallDepth: number; readonly clock: Clock },
  ) {
    this.#registry = registry;
    this.#bus = bus;
    this.#control = control;
    this.#metrics = metrics;
    this.#maxCallDepth = settings.maxCallDepth;
    this.#clock = settings.clock;
  }

  /** Calls `capability` on behalf of `caller` (a plugin, or the host when `undefined`). Never throws synchronously. */
  call(
    caller: PluginRuntime | undefined,
    capability: string,
    params: unknown,
    options: CallOptions | undefined,
  ): Promise<unknown> {
    const entry = this.#registry.get(capability);
    if (caller !== undefined && entry?.owner !== caller && !caller.mayCall(capability)) {
      return Promise.reject(errors.permissionDenied(caller.name, 'call', capability));
    }
    const callerName = caller === undefined ? HOST_CALLER : caller.name;
    if (entry?.owner.accepting) {
      try {
        return entry.run(this.#prepareCall(entry, params, callerName, options));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#callWhenAvailable(capability, params, callerName, options);
  }

  /** Emits `topic` from `source` (a plugin, or the host when `undefined`); resolves once delivered. */
  emit(source: PluginRuntime | undefined, topic: string, payload: unknown): Promise<void> {
    if (source !== undefined && !source.permissions.allowsEmit(topic)) {
      return Promise.reject(errors.permissionDenied(source.name, 'emit', topic));
    }
    const sourceName = source === undefined ? HOST_CALLER : source.name;
    try {
      const stats = this.#metrics.eventStats(sourceName);
      stats.delivered += this.#bus.publish(topic, payload, sourceName);
      stats.emitted += 1;
      return RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The slow path: the capability is missing, or its plugin is starting, reloading, lazy, disabled or failed. */
  async #callWhenAvailable(
    capability: string,
    params: unknown,
    caller: string,
    options: CallOptions | undefined,
  ): Promise<unknown> {
    const entry = await this.#control.whenAvailable(capability, caller);
    return entry.run(this.#prepareCall(entry, params, caller, options));
  }

  /**
   * Builds the call context. The whole call must end by the caller's deadline (its timeout, tightened by
   * the enclosing call's); each attempt also by the capability's own timeout.
   */
  #prepareCall(
    entry: CapabilityEntry,
    params: unknown,
    caller: string,
    options: CallOptions | undefined,
  ): CallContext {
    const clock = this.#clock;
    const ownTimeout = entry.timeout;
    if (options === undefined) {
      return ownTimeout === undefined
        ? new CallContext(entry.name, params, caller, clock, undefined, undefined, undefined)
        : new CallContext(entry.name, params, caller, clock, undefined, clock.now() + ownTimeout, ownTimeout);
    }
    const parent = options.parent;
    if (parent !== undefined && parent.depth >= this.#maxCallDepth)
      throw errors.callDepth(entry.name, this.#maxCallDepth);
    const timeout = options.timeout;
    if (timeout !== undefined && !(timeout > 0 && Number.isFinite(timeout))) {
      throw errors.invalidArgument('The call timeout', 'a positive number of milliseconds', timeout);
    }
    if (options.cache !== undefined && options.cache !== false) {
      throw errors.invalidArgument(
        'The cache call option',
        'false (to bypass the cache) or absent',
        options.cache,
      );
    }
    let callerDeadline = parent?.deadline;
    let deadline: number | undefined;
    let timeoutMs: number | undefined;
    if (callerDeadline !== undefined || timeout !== undefined || ownTimeout !== undefined) {
      const now = clock.now();
      if (timeout !== undefined)
        callerDeadline = Math.min(callerDeadline ?? Number.POSITIVE_INFINITY, now + timeout);
      deadline =
        ownTimeout === undefined
          ? callerDeadline
          : Math.min(callerDeadline ?? Number.POSITIVE_INFINITY, now + ownTimeout);
      timeoutMs = deadline === undefined ? undefined : deadline - now;
    }
    const call = new CallContext(
      entry.name,
      params,
      caller,
      clock,
      callerDeadline,
      deadline,
      timeoutMs,
      parent,
      options.signal,
      options.metadata,
    );
    if (options.retry !== undefined || options.cache !== undefined) call.overrides = options;
    if (options.principal !== undefined || options.requestId !== undefined)
      call.assignIdentity(options.principal, options.requestId);
    return call;
  }
}
