import type { CapabilityEntry, CapabilityRegistry } from '../capabilities/capability-registry.js';
import type { DependencyGraph } from '../dependency-graph/dependency-graph.js';
import { errors } from '../errors/errors.js';
import { TrellisError } from '../errors/trellis-error.js';
import type { EventBus, TrellisEvent } from '../events/event-bus.js';
import type { Logger } from '../observability/logger.js';
import { isPlugin, type Plugin } from '../plugin/define-plugin.js';
import type { PluginLifecycle } from './lifecycle.js';
import type { PluginRuntime } from './plugin-runtime.js';

/** The host's state as the control needs to read it, at the moment it reads it. */
type HostStateReader = () => 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/** What {@link PluginControl} works with; all owned by the host. */
export interface PluginControlParts {
  readonly runtimes: ReadonlyMap<string, PluginRuntime>;
  readonly graph: () => DependencyGraph;
  readonly registry: CapabilityRegistry;
  readonly lifecycle: PluginLifecycle;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly hostState: HostStateReader;
  /** Validates config for `plugin` and stores it on the runtime; resolves with the error instead of throwing. */
  readonly prepareConfig: (
    runtime: PluginRuntime,
    plugin: Plugin,
  ) => TrellisError | undefined | Promise<TrellisError | undefined>;
}

/** How many times a waiting call re-checks availability before giving up; each wait is a real transition. */
const MAX_AVAILABILITY_CHECKS = 8;

/**
 * Changes plugins at runtime and decides what a call meets when the capability is not simply there:
 * lazy activation, waiting for a start or reload, or the error that says why it is unavailable. It also
 * cascades disable, enable and reload through the dependency graph.
 */
export class PluginControl {
  readonly #parts: PluginControlParts;

  constructor(parts: PluginControlParts) {
    this.#parts = parts;
  }

  /** Eager plugins and everything they depend on; failed ones stay in so their dependents are blocked. */
  neededAtBoot(excluded: ReadonlySet<string>): Set<string> {
    const graph = this.#parts.graph();
    const needed = new Set<string>();
    const pending = [...this.#parts.runtimes.values()]
      .filter((runtime) => runtime.manifest.activation === 'eager')
      .map((runtime) => runtime.name);
    while (pending.length > 0) {
      const name = pending.pop()!;
      if (needed.has(name)) continue;
      needed.add(name);
      if (!excluded.has(name)) pending.push(...graph.dependenciesOf(name));
    }
    return needed;
  }

  /** The error for a plugin that cannot start because `blockedBy` is not running. */
  blockedError(name: string, blockedBy: string): TrellisError {
    const provider = this.#parts.runtimes.get(blockedBy);
    return errors.dependencyFailed(name, blockedBy, provider?.error ?? errors.pluginDisabled(blockedBy));
  }

  /** Subscribes dormant lazy plugins to the events their manifests declare, to wake them on the first one. */
  armLazyActivation(): void {
    for (const runtime of this.#parts.runtimes.values()) {
      if (runtime.state !== 'registered' || runtime.manifest.activation !== 'lazy') continue;
      let lastEvent: TrellisEvent | undefined;
      const wake = (payload: unknown, event: TrellisEvent) => {
        // Several declared patterns may match one event; it must still be delivered once.
        if (event === lastEvent) return;
        lastEvent = event;
        this.activate(runtime).then(
          () => {
            if (runtime.state === 'running')
              this.#parts.bus.deliverTo(runtime.name, event.topic, payload, event);
          },
          () => undefined,
        );
      };
      for (const pattern of runtime.manifest.subscribes)
        this.#parts.bus.subscribe(pattern, wake, { owner: activationOwner(runtime.name) });
    }
  }

  /** Removes the activation subscriptions of `runtime`, or of every plugin. */
  disarmLazyActivation(runtime?: PluginRuntime): void {
    const targets = runtime === undefined ? this.#parts.runtimes.values() : [runtime];
    for (const target of targets) this.#parts.bus.removeOwner(activationOwner(target.name));
  }

  /** Starts a dormant lazy plugin (and dormant lazy dependencies first); concurrent callers share one start. */
  activate(runtime: PluginRuntime): Promise<void> {
    if (runtime.settling !== undefined) return runtime.settling;
    const settling = this.#activateNow(runtime).finally(() => {
      runtime.settling = undefined;
    });
    runtime.settling = settling;
    return settling;
  }

  /**
   * Resolves with the entry to run once the capability can take the call, or throws why it cannot:
   * `E_HOST_STATE`, `E_CAPABILITY_NOT_FOUND`, `E_PLUGIN_DISABLED` or `E_PLUGIN_FAILED`. A plugin's own
   * calls are let through while it drains, so a handler finishing its work cannot deadlock its reload.
   */
  async whenAvailable(capability: string, caller: string): Promise<CapabilityEntry> {
    for (let check = 0; check < MAX_AVAILABILITY_CHECKS; check += 1) {
      const entry = this.#parts.registry.get(capability);
      if (entry !== undefined && (entry.owner.accepting || entry.owner.name === caller)) return entry;
      const owner =
        entry === undefined ? this.#knownOwner(capability) : this.#parts.runtimes.get(entry.owner.name);
      const hostState = this.#parts.hostState();
      const hostLive = hostState === 'running' || hostState === 'starting';
      if (owner !== undefined && owner.settling !== undefined && owner.name !== caller) {
        await owner.settling.catch(() => undefined);
        continue;
      }
      if (owner?.state === 'registered' && owner.manifest.activation === 'lazy' && hostLive) {
        await this.activate(owner).catch(() => undefined);
        continue;
      }
      if (!hostLive) {
        const hint =
          hostState === 'idle'
            ? 'call host.start() first'
            : 'the host has stopped; create and start a new one';
        throw errors.hostState(hostState, `call '${capability}'`, hint);
      }
      if (owner === undefined || owner.state === 'running' || owner.state === 'starting')
        throw errors.capabilityNotFound(capability);
      if (owner.state === 'failed') throw errors.pluginFailed(owner.name, capability, owner.error);
      throw errors.pluginDisabled(owner.name, capability, owner.disabledBy);
    }
    throw errors.capabilityNotFound(capability);
  }

  /** Stops `runtime` and every plugin depending on it (dependents first); dormant ones are just marked. */
  async disable(runtime: PluginRuntime): Promise<void> {
    if (runtime.state === 'disabled') return;
    await runtime.settling?.catch(() => undefined);
    const graph = this.#parts.graph();
    const dependents = graph
      .dependentsOf(runtime.name, { transitive: true })
      .map((name) => this.#runtime(name))
      .filter((dependent) => dependent.state === 'running' || dependent.state === 'registered');
    const affected = [runtime, ...dependents];
    for (const target of affected) this.disarmLazyActivation(target);
    await this.#stopAll(affected, graph, 'disabled');
    for (const target of affected) {
      if (target.state === 'registered' || (target === runtime && target.state === 'failed'))
        target.transition('disabled');
      if (target !== runtime && target.state === 'disabled') target.disabledBy = runtime.name;
    }
    this.#parts.logger.info(
      { plugin: runtime.name, cascaded: dependents.map((dependent) => dependent.name) },
      'plugin disabled',
    );
  }

  /**
   * Starts a disabled or failed plugin (its dependencies must be running, or dormant and lazy), then the
   * plugins that were disabled because of it. A dependent that fails to come back is logged and marked
   * failed; it does not undo the enable.
   */
  async enable(runtime: PluginRuntime): Promise<void> {
    await runtime.settling?.catch(() => undefined);
    if (runtime.state === 'running' || runtime.state === 'registered') return;
    if (runtime.state !== 'disabled' && runtime.state !== 'failed') {
      throw errors.pluginState(runtime.name, runtime.state, 'enable', ['disabled', 'failed']);
    }
    const graph = this.#parts.graph();
    await this.#ensureDependenciesRunning(runtime, graph);
    const configError = await this.#parts.prepareConfig(runtime, runtime.plugin);
    if (configError !== undefined) {
      runtime.transition('failed', configError);
      throw configError;
    }
    runtime.disabledBy = undefined;
    await this.#parts.lifecycle.start(runtime, 'onEnable');
    const cascaded = new Set(graph.dependentsOf(runtime.name, { transitive: true }));
    for (const name of graph.topologicalOrder({ only: cascaded })) {
      const dependent = this.#runtime(name);
      if (dependent.state !== 'disabled' || dependent.disabledBy !== runtime.name) continue;
      try {
        await this.enable(dependent);
      } catch (error) {
        this.#parts.logger.error(
          { plugin: name, err: error },
          'plugin disabled by a cascade did not come back',
        );
      }
    }
    this.#parts.logger.info({ plugin: runtime.name }, 'plugin enabled');
  }

  /**
   * Replaces a plugin's definition while calls keep coming: new calls to it and its running dependents
   * wait, in-flight ones drain, the old instances stop (dependents first), the new ones start (target
   * first). On failure the previous definition is restored and started again. Resolves with the graph of
   * the new definitions, for the host to adopt.
   */
  async reload(
    runtime: PluginRuntime,
    next: Plugin | undefined,
    buildGraph: (replacement: Plugin) => DependencyGraph,
  ): Promise<DependencyGraph> {
    if (next !== undefined && (!isPlugin(next) || next.manifest.name !== runtime.name)) {
      throw errors.invalidArgument(
        `The plugin given to reload('${runtime.name}')`,
        `a plugin named '${runtime.name}' made by definePlugin()`,
        isPlugin(next) ? next.manifest.name : next,
      );
    }
    await runtime.settling?.catch(() => undefined);
    if (runtime.state !== 'running' && runtime.state !== 'failed') {
      throw errors.pluginState(runtime.name, runtime.state, 'reload', ['running', 'failed']);
    }
    const previousGraph = this.#parts.graph();
    const previous = runtime.plugin;
    const candidate = next ?? previous;
    const candidateGraph = next === undefined ? previousGraph : buildGraph(next);
    this.#assertGraphAccepts(runtime.name, candidateGraph);
    await this.#ensureDependenciesRunning(runtime, candidateGraph);
    const previousConfig = runtime.config;
    const configError = await this.#parts.prepareConfig(runtime, candidate);
    if (configError !== undefined) throw configError;

    const dependents = candidateGraph
      .dependentsOf(runtime.name, { transitive: true })
      .map((name) => this.#runtime(name))
      .filter((dependent) => dependent.state === 'running');
    const affected = [runtime, ...dependents];
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    for (const target of affected) {
      target.reloading = true;
      target.accepting = false;
      target.settling = gate;
    }
    try {
      await this.#stopAll(affected, previousGraph, 'stopped');
      runtime.replacePlugin(candidate);
      await this.#startAll(affected, candidateGraph, runtime);
      this.#parts.logger.info(
        { plugin: runtime.name, version: candidate.manifest.version },
        'plugin reloaded',
      );
      return candidateGraph;
    } catch (cause) {
      const failure = TrellisError.is(cause) ? cause : errors.setupFailed(runtime.name, cause);
      await this.#stopAll(affected, candidateGraph, 'stopped');
      runtime.replacePlugin(previous);
      runtime.config = previousConfig;
      let rolledBack = true;
      try {
        await this.#startAll(affected, previousGraph, undefined);
      } catch {
        rolledBack = false;
      }
      const error = errors.reloadFailed(runtime.name, failure, rolledBack);
      this.#parts.logger.error({ plugin: runtime.name, err: error }, 'reload failed');
      throw error;
    } finally {
      for (const target of affected) {
        target.reloading = false;
        target.accepting = target.state === 'running';
        target.settling = undefined;
      }
      openGate();
    }
  }

  async #activateNow(runtime: PluginRuntime): Promise<void> {
    await this.#ensureDependenciesRunning(runtime, this.#parts.graph()).catch((error: TrellisError) => {
      runtime.transition('failed', error);
      throw error;
    });
    this.disarmLazyActivation(runtime);
    await this.#parts.lifecycle.start(runtime);
  }

  /** Activates dormant lazy dependencies; throws `E_DEPENDENCY_FAILED` if a required one is not running. */
  async #ensureDependenciesRunning(runtime: PluginRuntime, graph: DependencyGraph): Promise<void> {
    for (const dependency of graph.dependenciesOf(runtime.name)) {
      const provider = this.#runtime(dependency);
      if (provider.state === 'registered' && provider.manifest.activation === 'lazy') {
        await this.activate(provider).catch(() => undefined);
      }
      if (provider.state !== 'running' && dependency in graph.node(runtime.name)!.dependencies) {
        throw this.blockedError(runtime.name, dependency);
      }
    }
  }

  /** Throws the first problem the candidate graph has around `name` (its dependencies, its dependents, cycles). */
  #assertGraphAccepts(name: string, graph: DependencyGraph): void {
    const problem = graph
      .findUnsatisfiedDependencies()
      .find((candidate) => candidate.plugin === name || candidate.error.details.dependency === name);
    if (problem !== undefined) throw problem.error;
    const cycle = graph.detectCircularDependencies().find((path) => path.includes(name));
    if (cycle !== undefined) throw errors.dependencyCycle(cycle);
  }

  async #stopAll(
    targets: readonly PluginRuntime[],
    graph: DependencyGraph,
    to: 'stopped' | 'disabled',
  ): Promise<void> {
    const live = new Set(targets.filter((target) => target.state === 'running').map((target) => target.name));
    await graph.parallelReverseTraversal(
      async (name) => {
        await this.#parts.lifecycle.stop(this.#runtime(name), to);
      },
      { only: live },
    );
  }

  /** Starts `targets` one at a time in dependency order; `reloaded` also gets its `onReload` hook. */
  async #startAll(
    targets: readonly PluginRuntime[],
    graph: DependencyGraph,
    reloaded: PluginRuntime | undefined,
  ): Promise<void> {
    const names = new Set(targets.map((target) => target.name));
    for (const name of graph.topologicalOrder({ only: names })) {
      const target = this.#runtime(name);
      await this.#parts.lifecycle.start(target, target === reloaded ? 'onReload' : undefined);
    }
  }

  #knownOwner(capability: string): PluginRuntime | undefined {
    for (const runtime of this.#parts.runtimes.values())
      if (runtime.knownCapabilities.has(capability)) return runtime;
    return undefined;
  }

  #runtime(name: string): PluginRuntime {
    return this.#parts.runtimes.get(name)!;
  }
}

/** The owner label of a lazy plugin's activation subscriptions, apart from the plugin's own. */
function activationOwner(plugin: string): string {
  return `${plugin}#activation`;
}
