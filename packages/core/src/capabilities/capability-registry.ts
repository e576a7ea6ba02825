import type { Clock } from '../clock/clock.js';
import type { DeadlineScheduler } from '../clock/deadline-scheduler.js';
import { errors } from '../errors/errors.js';
import { topicSyntaxProblem } from '../events/topic-syntax.js';
import { type MiddlewareEntry, middlewareEntry } from '../middleware/middleware.js';
import type { CallStats, HostMetrics } from '../observability/metrics.js';
import type { CapabilityHandler, CapabilityOptions } from '../plugin/plugin-context.js';
import { createPolicies } from '../policies/capability-policies.js';
import type { CircuitState } from '../policies/circuit-breaker.js';
import type { Schema } from '../schema/standard-schema.js';
import type { InFlightCounter } from './in-flight.js';
import { compilePipeline, type Pipeline, type PipelineSpec } from './pipeline.js';

/** The plugin side of a capability, as the call path needs it. */
export interface CapabilityOwner {
  readonly name: string;
  /** True while the plugin takes calls (starting or running and not being reloaded). */
  readonly accepting: boolean;
  readonly inFlight: InFlightCounter;
}

/** A registered capability with its compiled pipeline. */
export interface CapabilityEntry {
  readonly name: string;
  readonly owner: CapabilityOwner;
  /** The capability's own default time limit in ms. */
  readonly timeout: number | undefined;
  /** The compiled pipeline; replaced when the middleware that applies to it changes. */
  run: Pipeline;
  /** Names of the middleware in the compiled chain, outermost first. */
  middleware: readonly string[];
  readonly spec: PipelineSpec;
}

/** What `host.capabilities()` tells about each capability. */
export interface CapabilityDescription {
  readonly name: string;
  readonly plugin: string;
  readonly description: string | undefined;
  readonly timeout: number | undefined;
  readonly validatesParams: boolean;
  readonly validatesResult: boolean;
  /** The params schema, when declared: adapters document it (OpenAPI, GraphQL, test arbitraries). */
  readonly params: Schema | undefined;
  /** The result schema, when declared. */
  readonly result: Schema | undefined;
  /** The effective middleware chain, outermost first. */
  readonly middleware: readonly string[];
}

/** What the registry needs from the host. */
export interface RegistrySettings {
  readonly metrics: HostMetrics;
  /**
   * Position of a plugin in dependency order; orders the host-wide middleware that plugins contribute,
   * so the chain does not depend on which parallel setup finished first.
   */
  readonly pluginRank: (plugin: string) => number;
  /** Time one call in this many (see `HostOptions.durationSampling`). */
  readonly durationSampling: number;
  readonly clock: Clock;
  /** The shared timer for per-attempt deadlines. */
  readonly deadlines: DeadlineScheduler;
  readonly random: () => number;
  /** Told when a capability's circuit breaker changes state. */
  readonly onCircuitChange: (capability: string, from: CircuitState, to: CircuitState) => void;
  /** Subscribes to events on behalf of `owner` (cache invalidation); returns the unsubscribe. */
  readonly subscribe: (pattern: string, handler: () => void, owner: string) => () => void;
}

/**
 * Owns every capability and every middleware, and keeps each capability's compiled pipeline in step with
 * the middleware that applies to it. The chain for a capability of plugin P is: host middleware (given to
 * the host, then contributed by plugins in dependency order), P's plugin middleware, the capability's own.
 */
export class CapabilityRegistry {
  readonly #entries = new Map<string, CapabilityEntry>();
  readonly #hostMiddleware: MiddlewareEntry[] = [];
  readonly #pluginMiddleware = new Map<string, MiddlewareEntry[]>();
  readonly #settings: RegistrySettings;
  /** Unsubscribers of caches' `invalidateOn` event subscriptions, by capability. */
  readonly #invalidations = new Map<string, Array<() => void>>();

  constructor(settings: RegistrySettings) {
    this.#settings = settings;
  }

  /** The capability registered under `name`. */
  get(name: string): CapabilityEntry | undefined {
    return this.#entries.get(name);
  }

  /** Registers a capability and compiles its pipeline; throws on a bad name or a duplicate. */
  register(
    owner: CapabilityOwner,
    name: string,
    handler: CapabilityHandler,
    options: CapabilityOptions = {},
  ): CapabilityEntry {
    const problem = topicSyntaxProblem(name, false);
    if (problem !== undefined) throw errors.invalidArgument('A capability name', `valid (${problem})`, name);
    if (typeof handler !== 'function')
      throw errors.invalidArgument(`The handler of capability '${name}'`, 'a function', handler);
    if (options.timeout !== undefined && !(Number.isFinite(options.timeout) && options.timeout > 0)) {
      throw errors.invalidArgument(
        `The timeout of capability '${name}'`,
        'a positive number of milliseconds',
        options.timeout,
      );
    }
    const existing = this.#entries.get(name);
    if (existing !== undefined) throw errors.capabilityDuplicate(name, existing.owner.name, owner.name);
    const settings = this.#settings;
    const policies = createPolicies(name, options, settings.clock, (from, to) =>
      settings.onCircuitChange(name, from, to),
    );
    const spec: PipelineSpec = {
      capability: name,
      plugin: owner.name,
      handler: handler as CapabilityHandler,
      options,
      stats: settings.metrics.callStats(name),
      inFlight: owner.inFlight,
      durationSampling: settings.durationSampling,
      policies,
      clock: settings.clock,
      deadlines: settings.deadlines,
      random: settings.random,
    };
    if (policies.breaker !== undefined) settings.metrics.recordCircuitState(name, policies.breaker.state);
    const cache = policies.cache;
    if (cache !== undefined) {
      settings.metrics.trackCache(name, cache);
      const patterns = options.cache?.invalidateOn ?? [];
      this.#invalidations.set(
        name,
        patterns.map((pattern) => settings.subscribe(pattern, () => cache.clear(), owner.name)),
      );
    }
    const chain = this.#chainFor(owner.name, options);
    const entry: CapabilityEntry = {
      name,
      owner,
      timeout: options.timeout,
      run: compilePipeline(spec, chain),
      middleware: chain.map((middleware) => middleware.name),
      spec,
    };
    this.#entries.set(name, entry);
    return entry;
  }

  /** Removes a capability and its cache subscriptions; its counters stay so exported totals never go down. */
  unregister(name: string): void {
    this.#entries.get(name)?.spec.policies.cache?.clear();
    this.#entries.delete(name);
    for (const unsubscribe of this.#invalidations.get(name) ?? []) unsubscribe();
    this.#invalidations.delete(name);
  }

  /**
   * Drops cached results of `capability`: the entry for `params`, or every entry when `params` is
   * omitted. Returns how many were dropped (0 when it has no cache or nothing matched).
   */
  invalidate(capability: string, ...params: [] | [unknown]): number {
    const cache = this.#entries.get(capability)?.spec.policies.cache;
    if (cache === undefined) return 0;
    if (params.length === 0) {
      const size = cache.size;
      cache.clear();
      return size;
    }
    const key = cache.keyOf(params[0]);
    return key !== undefined && cache.invalidate(key) ? 1 : 0;
  }

  /** Drops cached results tagged `tag` in every capability cache; returns how many were dropped. */
  invalidateTag(tag: string): number {
    let dropped = 0;
    for (const entry of this.#entries.values()) dropped += entry.spec.policies.cache?.invalidateTag(tag) ?? 0;
    return dropped;
  }

  /** Bulkheads of registered capabilities, for metrics. */
  *bulkheads(): Iterable<readonly [string, { readonly active: number; readonly queued: number }]> {
    for (const entry of this.#entries.values()) {
      const bulkhead = entry.spec.policies.bulkhead;
      if (bulkhead !== undefined) yield [entry.name, bulkhead];
    }
  }

  /** The duration statistics of a plugin's registered capabilities, for budgets. */
  *callStatsOf(plugin: string): Iterable<CallStats> {
    for (const entry of this.#entries.values()) if (entry.owner.name === plugin) yield entry.spec.stats;
  }

  /** Adds host-wide middleware (from the host, or contributed by a plugin) and recompiles every pipeline. */
  useHostMiddleware(entry: MiddlewareEntry): void {
    this.#hostMiddleware.push(entry);
    this.#hostMiddleware.sort((first, second) => this.#rank(first.owner) - this.#rank(second.owner));
    this.#recompile(() => true);
  }

  /** Adds middleware to one plugin's capabilities and recompiles them. */
  usePluginMiddleware(plugin: string, entry: MiddlewareEntry): void {
    const list = this.#pluginMiddleware.get(plugin) ?? [];
    list.push(entry);
    this.#pluginMiddleware.set(plugin, list);
    this.#recompile((capability) => capability.owner.name === plugin);
  }

  /** Removes every middleware a plugin contributed (on its teardown) and recompiles what it touched. */
  removeMiddlewareOf(plugin: string): void {
    const hadPluginMiddleware = this.#pluginMiddleware.delete(plugin);
    const before = this.#hostMiddleware.length;
    const kept = this.#hostMiddleware.filter((entry) => entry.owner !== plugin);
    this.#hostMiddleware.splice(0, before, ...kept);
    if (kept.length !== before) this.#recompile(() => true);
    else if (hadPluginMiddleware) this.#recompile((capability) => capability.owner.name === plugin);
  }

  /** Every capability with its effective middleware chain, sorted by name. */
  describe(): CapabilityDescription[] {
    return [...this.#entries.values()]
      .map((entry) => ({
        name: entry.name,
        plugin: entry.owner.name,
        description: entry.spec.options.description,
        timeout: entry.timeout,
        validatesParams: entry.spec.options.params !== undefined,
        validatesResult: entry.spec.options.result !== undefined,
        params: entry.spec.options.params,
        result: entry.spec.options.result,
        middleware: entry.middleware,
      }))
      .sort((first, second) => first.name.localeCompare(second.name));
  }

  #rank(owner: string): number {
    return owner === 'host' ? -1 : this.#settings.pluginRank(owner);
  }

  #chainFor(plugin: string, options: CapabilityOptions): MiddlewareEntry[] {
    const own = (options.middleware ?? []).map((middleware) =>
      middlewareEntry(middleware, plugin, 'capability'),
    );
    return [...this.#hostMiddleware, ...(this.#pluginMiddleware.get(plugin) ?? []), ...own];
  }

  #recompile(applies: (entry: CapabilityEntry) => boolean): void {
    for (const entry of this.#entries.values()) {
      if (!applies(entry)) continue;
      const chain = this.#chainFor(entry.owner.name, entry.spec.options);
      entry.run = compilePipeline(entry.spec, chain);
      entry.middleware = chain.map((middleware) => middleware.name);
    }
  }
}
