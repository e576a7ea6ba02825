import type {
  CapabilityHandler,
  CapabilityOptions,
  Clock,
  EventHandler,
  Plugin,
  PluginContext,
  PluginDefinition,
  PluginTasks,
  PoolFactory,
  ResourcePool,
} from '@trellis/core';
import { realNow } from '../clock/real-time.js';
import { isTrellisErrorLike } from '../errors/error-shape.js';
import { describeShape } from './service-shape.js';

/** Runs plugin code so that what it creates is attributed to the plugin (timers, for the conformance suite). */
export type Attribution = <T>(work: () => T) => T;

/** Something a plugin tried and the kernel refused with `E_PERMISSION_DENIED`. */
export interface DeniedAction {
  readonly action: 'call' | 'emit' | 'observe';
  readonly target: string;
  readonly message: string;
}

/** One successful setup of the plugin. */
export interface SetupRecord {
  /** Real ms the setup took plus fake ms that passed meanwhile (a setup waiting on the host's clock). */
  readonly ms: number;
  readonly realMs: number;
  readonly fakeMs: number;
  /** The shape of the service it returned: its members and their kinds. */
  readonly serviceShape: string;
}

/** A pool the plugin made through `ctx.pool`. */
export interface ObservedPool {
  readonly name: string;
  readonly pool: ResourcePool<unknown>;
}

type HookName = 'teardown' | 'onEnable' | 'onDisable' | 'onReload';
const HOOKS: readonly HookName[] = ['teardown', 'onEnable', 'onDisable', 'onReload'];
type AnyFunction = (...args: never[]) => unknown;

/**
 * Watches one plugin through every instance a test host makes of it (boots, enables, reloads): the
 * capabilities it provides with their options (their params schemas feed generated params), what the
 * kernel refused it, its setup times and service, its pools and subscriptions. It works by wrapping the
 * plugin's hooks and handing them a context that observes what passes through it; the plugin itself runs
 * unchanged.
 */
export class PluginObserver {
  readonly name: string;
  /** Each capability it provided, with the options it gave (the latest instance's). */
  readonly capabilities = new Map<string, CapabilityOptions | undefined>();
  readonly denied: DeniedAction[] = [];
  readonly setups: SetupRecord[] = [];
  readonly pools: ObservedPool[] = [];
  /** Patterns it subscribed to. */
  readonly subscriptions = new Set<string>();
  /** Deliveries to its handlers after {@link PluginObserver.retire}: subscriptions that outlived it. */
  readonly lateDeliveries: Array<{ readonly pattern: string; readonly topic: string }> = [];
  readonly #clock: Clock;
  readonly #attribution: Attribution | undefined;
  readonly #contexts = new WeakMap<PluginContext, PluginContext>();
  #latest: { readonly definition: PluginDefinition; readonly context: PluginContext } | undefined;
  #retired = false;

  constructor(name: string, clock: Clock, attribution?: Attribution) {
    this.name = name;
    this.#clock = clock;
    this.#attribution = attribution;
  }

  /** The plugin with its hooks wrapped: give this one to the host. */
  wrap(plugin: Plugin): Plugin {
    const definition = plugin.definition;
    const wrapped: Record<string, unknown> = {
      ...definition,
      setup: (scope: PluginContext) => this.#setup(definition, scope),
    };
    for (const hook of HOOKS) {
      const original = definition[hook];
      if (original !== undefined)
        wrapped[hook] = (scope: PluginContext) =>
          this.#attribute(() => original.call(definition, this.#contextFor(scope)));
    }
    // The manifest was validated when the plugin was defined; the wrapped hooks do not change it.
    return Object.freeze({ manifest: plugin.manifest, definition: wrapped as unknown as PluginDefinition });
  }

  /** From now on, any delivery to the plugin's subscribers counts as a leaked subscription. */
  retire(): void {
    this.#retired = true;
  }

  /** Runs the latest instance's teardown once more, with the context it had; for the idempotence check. */
  async teardownAgain(): Promise<void> {
    const latest = this.#latest;
    const teardown = latest?.definition.teardown;
    if (latest === undefined || teardown === undefined) return;
    await this.#attribute(() => teardown.call(latest.definition, latest.context));
  }

  #setup(definition: PluginDefinition, scope: PluginContext): unknown {
    const context = this.#contextFor(scope);
    this.#latest = { definition, context };
    const realStart = realNow();
    const fakeStart = this.#clock.now();
    const record = (service: unknown) => {
      const realMs = realNow() - realStart;
      const fakeMs = this.#clock.now() - fakeStart;
      this.setups.push({ ms: realMs + fakeMs, realMs, fakeMs, serviceShape: describeShape(service) });
      return service;
    };
    const outcome = this.#attribute(() => definition.setup.call(definition, context));
    // A synchronous setup stays synchronous: the host starts it without awaiting.
    if (outcome !== null && typeof (outcome as PromiseLike<unknown>)?.then === 'function')
      return Promise.resolve(outcome).then(record);
    return record(outcome);
  }

  #attribute<T>(work: () => T): T {
    return this.#attribution === undefined ? work() : this.#attribution(work);
  }

  /** `fn`, run under the plugin's attribution (itself when there is none); keeps its name. */
  #attributed<F extends AnyFunction>(fn: F): F {
    const attribution = this.#attribution;
    if (attribution === undefined || typeof fn !== 'function') return fn;
    const wrapped = function (this: unknown, ...args: never[]) {
      return attribution(() => fn.apply(this, args));
    };
    Object.defineProperty(wrapped, 'name', { value: fn.name });
    return wrapped as unknown as F;
  }

  #noteDenied(error: unknown): void {
    if (!isTrellisErrorLike(error, 'E_PERMISSION_DENIED') || error.details.plugin !== this.name) return;
    const action = error.details.action as DeniedAction['action'];
    const target = String(error.details.target);
    if (!this.denied.some((denied) => denied.action === action && denied.target === target))
      this.denied.push({ action, target, message: error.message });
  }

  #watch<T>(outcome: Promise<T>): Promise<T> {
    outcome.catch((error: unknown) => this.#noteDenied(error));
    return outcome;
  }

  #guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      this.#noteDenied(error);
      throw error;
    }
  }

  #subscriber(pattern: string, handler: EventHandler): EventHandler {
    const attributed = this.#attributed(handler);
    const subscriber: EventHandler = (payload, event) => {
      if (this.#retired) this.lateDeliveries.push({ pattern, topic: event.topic });
      return attributed(payload, event);
    };
    Object.defineProperty(subscriber, 'name', { value: handler.name });
    return subscriber;
  }

  #contextFor(scope: PluginContext): PluginContext {
    const existing = this.#contexts.get(scope);
    if (existing !== undefined) return existing;
    const overrides = this.#overrides(scope);
    const context = new Proxy(scope, {
      get(target, key) {
        if (Object.hasOwn(overrides, key)) return overrides[key as keyof typeof overrides];
        // Read with the scope itself as receiver: its getters use private fields.
        const value: unknown = Reflect.get(target, key, target);
        // Methods of the context's class need it as `this`; members surfaces added are used as they are.
        return typeof value === 'function' && !Object.hasOwn(target, key) ? value.bind(target) : value;
      },
    });
    this.#contexts.set(scope, context);
    return context;
  }

  #overrides(scope: PluginContext): Record<string, unknown> {
    const wrap = <F extends AnyFunction>(fn: F): F => this.#attributed(fn);
    let tasks: PluginTasks | undefined;
    return {
      provide: (name: string, handler: AnyFunction, options?: CapabilityOptions) => {
        scope.provide(name, wrap(handler) as CapabilityHandler, options);
        this.capabilities.set(name, options);
      },
      handle: (type: string, handler: AnyFunction, options?: CapabilityOptions) => {
        scope.handle(type, wrap(handler) as CapabilityHandler, options);
        this.capabilities.set(`${scope.name}.${type}`, options);
      },
      call: (capability: string, params?: unknown, options?: Parameters<PluginContext['call']>[2]) =>
        this.#watch(scope.call(capability, params, options)),
      send: (
        plugin: string,
        type: string,
        payload?: unknown,
        options?: Parameters<PluginContext['send']>[3],
      ) => this.#watch(scope.send(plugin, type, payload, options)),
      emit: (topic: string, payload?: unknown) => this.#watch(scope.emit(topic, payload)),
      on: (pattern: string, handler: EventHandler, options?: Parameters<PluginContext['on']>[2]) => {
        const unsubscribe = this.#guard(() => scope.on(pattern, this.#subscriber(pattern, handler), options));
        this.subscriptions.add(pattern);
        return unsubscribe;
      },
      use: (middleware: AnyFunction, options?: Parameters<PluginContext['use']>[1]) =>
        scope.use(wrap(middleware) as Parameters<PluginContext['use']>[0], options),
      batch: (batchFunction: AnyFunction, options?: Parameters<PluginContext['batch']>[1]) =>
        scope.batch(wrap(batchFunction) as Parameters<PluginContext['batch']>[0], options),
      pool: (factory: PoolFactory<unknown> | AnyFunction, options?: Parameters<PluginContext['pool']>[1]) => {
        const observed =
          typeof factory === 'function'
            ? wrap(factory)
            : {
                create: wrap(factory.create.bind(factory) as AnyFunction),
                ...(factory.destroy === undefined
                  ? {}
                  : { destroy: wrap(factory.destroy.bind(factory) as AnyFunction) }),
              };
        const pool = scope.pool(observed as PoolFactory<unknown>, options);
        this.pools.push({ name: options?.name ?? 'pool', pool });
        return pool;
      },
      invalidate: (capability: string, ...params: [] | [unknown]) =>
        this.#guard(() => scope.invalidate(capability, ...params)),
      get tasks(): PluginTasks {
        tasks ??= observedTasks(scope.tasks, wrap);
        return tasks;
      },
    };
  }
}

/** The plugin's tasks with each handler it defines run under its attribution. */
function observedTasks(tasks: PluginTasks, wrap: <F extends AnyFunction>(fn: F) => F): PluginTasks {
  return {
    define: (name, handler, options) =>
      tasks.define(name, wrap(handler as AnyFunction) as typeof handler, options),
    enqueue: (name, payload, options) => tasks.enqueue(name, payload, options),
    at: (when, name, payload, options) => tasks.at(when, name, payload, options),
    after: (delayMs, name, payload, options) => tasks.after(delayMs, name, payload, options),
    every: (intervalMs, name, options) => tasks.every(intervalMs, name, options),
    cron: (expression, name, options) => tasks.cron(expression, name, options),
    daily: (time, name, options) => tasks.daily(time, name, options),
    cancel: (id) => tasks.cancel(id),
    get: (id) => tasks.get(id),
    list: (filter) => tasks.list(filter),
    wait: (id) => tasks.wait(id),
  };
}
