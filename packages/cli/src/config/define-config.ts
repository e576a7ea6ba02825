import type { HostOptions, LoggerInput, Plugin } from '@trellis/core';
import type { HttpOptions } from '@trellis/http';

/** The HTTP gateway's settings: every `httpSurface()` option except those the CLI owns. */
export type HttpConfig = Omit<HttpOptions, 'logger' | 'clock' | 'listen'>;

/** Where plugin state and tasks persist: a SQLite file (default `.trellis/state.db`), or memory only. */
export type StoreConfig = 'memory' | { readonly path?: string };

/** Host options a project may tune. */
export type HostConfig = Pick<
  HostOptions,
  | 'setupTimeout'
  | 'teardownTimeout'
  | 'drainTimeout'
  | 'slowSetupThreshold'
  | 'boot'
  | 'maxCallDepth'
  | 'budgets'
>;

/**
 * A project's `trellis.config.{ts,mts,mjs,js,json}`. Every field is optional; an empty project runs the
 * plugins it finds in `plugins/` and in `node_modules`.
 */
export interface TrellisConfig {
  /** Plugins defined in code (`definePlugin(...)`), run beside the discovered ones. */
  readonly plugins?: readonly Plugin[];
  /** Directories, relative to the project, whose subdirectories are plugin packages. Default `['plugins']`. */
  readonly pluginDirs?: readonly string[];
  /** Also run installed packages in `node_modules` whose package.json has a `"trellis"` manifest. Default true. */
  readonly discoverPackages?: boolean;
  /** The HTTP gateway: `port` (default 3000; 0 picks a free one) and `host` (default 127.0.0.1), and the rest of `httpSurface()`'s options. */
  readonly http?: HttpConfig;
  /** Plugin state: `{ path }` of a SQLite file relative to the project (default `.trellis/state.db`), or `'memory'`. */
  readonly store?: StoreConfig;
  /** Config per plugin name. Environment variables `TRELLIS_<PLUGIN>_<KEY>` override it. */
  readonly config?: Readonly<Record<string, unknown>>;
  /**
   * The token the admin API (`trellis enable|disable|reload`) requires. Default: `TRELLIS_ADMIN_TOKEN`,
   * else one generated into `.trellis/admin-token` (mode 0600).
   */
  readonly adminToken?: string;
  /** Pino options (`{ level: 'debug' }`) or a ready pino logger. */
  readonly logger?: LoggerInput;
  /** Host lifecycle options: setup, teardown and drain timeouts, boot mode, budgets. */
  readonly host?: HostConfig;
}

/**
 * Types a `trellis.config.ts` and returns it unchanged; the CLI validates it when it loads the file,
 * reporting every problem at once.
 *
 * @example
 * ```ts
 * import { defineConfig } from '@trellis/cli';
 *
 * export default defineConfig({
 *   http: { port: 3000 },
 *   config: { hello: { greeting: 'Hi' } },
 * });
 * ```
 */
export function defineConfig<const Config extends TrellisConfig>(config: Config): Config {
  return config;
}
