import type { CapabilityOwner } from '../capabilities/capability-registry.js';
import { InFlightCounter } from '../capabilities/in-flight.js';
import type { TrellisError } from '../errors/trellis-error.js';
import type { NormalizedManifest } from '../manifest/manifest.js';
import { PluginPermissions } from '../permissions/permissions.js';
import type { Plugin } from '../plugin/define-plugin.js';
import type { PluginScope } from './plugin-scope.js';

/** Every state a plugin can be in; metrics export one series per state. */
export const PLUGIN_STATES = [
  'registered',
  'starting',
  'running',
  'failed',
  'disabled',
  'stopping',
  'stopped',
] as const;

/** Where a plugin is in its life. */
export type PluginState = (typeof PLUGIN_STATES)[number];

/**
 * The transitions a plugin may make. `stopped → starting` is a reload (or a retry); `failed → starting`
 * is an enable or a reload that retries; anything else is a bug in the host, so it throws.
 */
const TRANSITIONS: Readonly<Record<PluginState, readonly PluginState[]>> = {
  registered: ['starting', 'failed', 'disabled', 'stopped'],
  starting: ['running', 'failed'],
  running: ['stopping', 'failed'],
  stopping: ['stopped', 'disabled', 'failed'],
  failed: ['starting', 'disabled', 'stopped'],
  disabled: ['starting', 'stopped', 'failed'],
  stopped: ['starting', 'failed', 'disabled'],
};

/** A state change, as announced on `trellis.plugin.state`. */
export interface StateChange {
  readonly plugin: string;
  readonly from: PluginState;
  readonly to: PluginState;
  readonly error: TrellisError | undefined;
}

/**
 * Hears every transition. Positional rather than a change object: a thousand plugins make thousands of
 * transitions at boot, and the object is only worth building when someone subscribed to them.
 */
export type StateListener = (
  runtime: PluginRuntime,
  from: PluginState,
  to: PluginState,
  error: TrellisError | undefined,
) => void;

/** What the host tells about a plugin in `host.plugins()`. */
export interface PluginInfo {
  readonly name: string;
  readonly version: string;
  readonly state: PluginState;
  /** Why the plugin failed (or what went wrong stopping it). */
  readonly error?: TrellisError;
  readonly activation: 'eager' | 'lazy';
  /** Milliseconds its last setup took. */
  readonly setupMs?: number;
  /** Capabilities it provides now (or declared, while it is not running). */
  readonly capabilities: readonly string[];
  readonly dependencies: readonly string[];
  /** The plugin whose disabling disabled this one too, if any. */
  readonly disabledBy?: string;
}

/**
 * The host's record of one plugin: its definition, state machine, live scope and the counters the call
 * path reads. One object per plugin for the host's life; a reload swaps the definition inside it.
 */
export class PluginRuntime implements CapabilityOwner {
  #plugin: Plugin;
  #permissions: PluginPermissions | undefined;
  #state: PluginState = 'registered';
  /** Read on every call: kept as a field rather than derived from the state. */
  accepting = false;
  error: TrellisError | undefined;
  service: unknown;
  scope: PluginScope | undefined;
  /** Validated config for the next setup. */
  config: unknown;
  readonly inFlight = new InFlightCounter();
  setupMs: number | undefined;
  /** When the last setup started (`performance.now()`); for the boot tree. */
  startedAt: number | undefined;
  /** The plugin whose disabling cascaded to this one. */
  disabledBy: string | undefined;
  /** Settles when the start, activation or reload under way ends; callers wait on it instead of failing. */
  settling: Promise<void> | undefined;
  /** True while a reload swaps this plugin: calls wait rather than fail. */
  reloading = false;
  /** Capabilities the plugin declared or provided at some point, to tell "disabled" from "unknown". */
  readonly knownCapabilities = new Set<string>();
  readonly #onChange: StateListener;

  constructor(plugin: Plugin, onChange: StateListener) {
    this.#plugin = plugin;
    this.#onChange = onChange;
    for (const capability of plugin.manifest.provides) this.knownCapabilities.add(capability);
  }

  get name(): string {
    return this.#plugin.manifest.name;
  }

  get manifest(): NormalizedManifest {
    return this.#plugin.manifest;
  }

  get plugin(): Plugin {
    return this.#plugin;
  }

  /** Compiled on first use: many plugins never call or emit anything. */
  get permissions(): PluginPermissions {
    this.#permissions ??= new PluginPermissions(this.#plugin.manifest);
    return this.#permissions;
  }

  /** True when the plugin may call `capability`: one of its own, or one its `permissions.calls` allow. */
  mayCall(capability: string): boolean {
    return this.knownCapabilities.has(capability) || this.permissions.allowsCall(capability);
  }

  get state(): PluginState {
    return this.#state;
  }

  /** Replaces the definition (reload, rollback); the name never changes. */
  replacePlugin(plugin: Plugin): void {
    this.#plugin = plugin;
    this.#permissions = undefined;
    for (const capability of plugin.manifest.provides) this.knownCapabilities.add(capability);
  }

  /** Moves to `to`, recording `error` when given; announces the change. */
  transition(to: PluginState, error?: TrellisError): void {
    const from = this.#state;
    if (!TRANSITIONS[from].includes(to)) {
      throw new Error(`Trellis host bug: plugin '${this.name}' cannot go from ${from} to ${to}`);
    }
    this.#state = to;
    if (error !== undefined) this.error = error;
    else if (to === 'starting') this.error = undefined;
    this.accepting = (to === 'running' || to === 'starting') && !this.reloading;
    this.#onChange(this, from, to, error);
  }

  /** A snapshot for `host.plugins()`. */
  info(): PluginInfo {
    return {
      name: this.name,
      version: this.manifest.version,
      state: this.#state,
      activation: this.manifest.activation,
      capabilities: [...this.knownCapabilities].sort(),
      dependencies: Object.keys(this.manifest.dependencies),
      ...(this.error === undefined ? {} : { error: this.error }),
      ...(this.setupMs === undefined ? {} : { setupMs: this.setupMs }),
      ...(this.disabledBy === undefined ? {} : { disabledBy: this.disabledBy }),
    };
  }
}
