import type { Budgets } from '../budgets/budgets.js';

/** How a plugin is brought up: at boot (`eager`), or on first use of what it declares (`lazy`). */
export type Activation = 'eager' | 'lazy';

/** Where a plugin's code runs: in the host's thread, a worker thread, or a child process. */
export type Isolation = 'none' | 'worker' | 'process';

/** Dependencies as written by plugin authors: name → semver range, or a list of names (any version). */
export type DependencySpec = Readonly<Record<string, string>> | readonly string[];

/** What a plugin may do beyond its own capabilities. Entries are patterns (`store.*`, `user.**`). */
export interface PermissionsManifest {
  /** Capabilities the plugin may call. Its own capabilities are always allowed. */
  readonly calls?: readonly string[];
  /** Event topics the plugin may emit. */
  readonly emits?: readonly string[];
  /** Event topics the plugin may subscribe to; every topic when omitted. */
  readonly observes?: readonly string[];
}

/** Resource limits applied when a plugin runs isolated. */
export interface LimitsManifest {
  /** Heap limit in megabytes. */
  readonly memoryMb?: number;
  /** Default timeout in milliseconds for calls into the plugin. */
  readonly callTimeout?: number;
}

/**
 * The declarative part of a plugin, as written in code or in `package.json` under `"trellis"`.
 * Everything here is plain data, so it can be validated and inspected without running the plugin.
 */
export interface PluginManifest {
  /** Unique plugin name, npm style (`users`, `@acme/users`). */
  readonly name: string;
  /** The plugin's semver version. */
  readonly version: string;
  /** One line for people. */
  readonly description?: string;
  /** Semver range of the host API this plugin was built for. */
  readonly hostApi?: string;
  /** Plugins that must be running before this one starts. */
  readonly dependencies?: DependencySpec;
  /** Plugins used when present (started first if registered), ignored when absent. */
  readonly optionalDependencies?: DependencySpec;
  /** Capabilities the plugin provides; required for lazy plugins so the host knows what activates them. */
  readonly provides?: readonly string[];
  /** Event patterns the plugin subscribes to; a lazy plugin is activated by the first matching event. */
  readonly subscribes?: readonly string[];
  /** What the plugin may call, emit and observe. */
  readonly permissions?: PermissionsManifest;
  /** `eager` (default) or `lazy`. */
  readonly activation?: Activation;
  /** `none` (default), `worker` or `process`. */
  readonly isolation?: Isolation;
  /** Limits for isolated plugins. */
  readonly limits?: LimitsManifest;
  /** Performance budgets (setup, call p99, task duration) that `host.report()` checks; default to the host's. */
  readonly budgets?: Budgets;
  /** Milliseconds the plugin's setup may take; overrides the host's default. */
  readonly setupTimeout?: number;
  /** Milliseconds the plugin's teardown may take; overrides the host's default. */
  readonly teardownTimeout?: number;
}

/** A validated manifest with every optional field filled in and dependencies as name → range maps. */
export interface NormalizedManifest {
  readonly name: string;
  readonly version: string;
  readonly description: string | undefined;
  readonly hostApi: string | undefined;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly optionalDependencies: Readonly<Record<string, string>>;
  readonly provides: readonly string[];
  readonly subscribes: readonly string[];
  readonly permissions: {
    readonly calls: readonly string[];
    readonly emits: readonly string[];
    readonly observes: readonly string[];
  };
  readonly activation: Activation;
  readonly isolation: Isolation;
  readonly limits: LimitsManifest;
  readonly budgets: Budgets;
  readonly setupTimeout: number | undefined;
  readonly teardownTimeout: number | undefined;
}
