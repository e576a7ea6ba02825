import { join, resolve } from 'node:path';
import type { LoggerInput, Plugin } from '@trellis/core';
import { cliErrors } from '../errors/cli-errors.js';
import type { HostConfig, HttpConfig } from './define-config.js';
import type { LoadedConfig } from './load-config.js';

/** Port of the HTTP gateway when nothing sets one. */
export const DEFAULT_PORT = 3000;
/** Interface the HTTP gateway listens on when nothing sets one. */
export const DEFAULT_HOST = '127.0.0.1';
/** The project's directory for what the CLI keeps (`.trellis/`: state, admin token; git-ignored by `trellis init`). */
export const STATE_DIRECTORY = '.trellis';
/** The SQLite file of plugin state when the config does not say, relative to the project. */
export const DEFAULT_STORE_PATH = join(STATE_DIRECTORY, 'state.db');
/** Where plugin packages are looked for when the config does not say. */
export const DEFAULT_PLUGIN_DIRS: readonly string[] = ['plugins'];

/**
 * Environment variables the CLI reads for itself. They are never read as plugin config, even when a
 * plugin's name and key would spell them (plugin `admin`, key `token`).
 */
export const HOST_ENV = {
  port: 'TRELLIS_PORT',
  host: 'TRELLIS_HOST',
  adminToken: 'TRELLIS_ADMIN_TOKEN',
  logLevel: 'TRELLIS_LOG_LEVEL',
  url: 'TRELLIS_URL',
} as const;

/** Settings given on the command line, which win over the environment and the config file. */
export interface SettingFlags {
  readonly port?: number | undefined;
  readonly host?: string | undefined;
  readonly logLevel?: string | undefined;
}

/** Everything a command needs to know about a project, with defaults, environment and flags applied. */
export interface Settings {
  readonly root: string;
  readonly configFile: string | undefined;
  /** Plugins defined in the config file. */
  readonly plugins: readonly Plugin[];
  /** Absolute plugin directories. */
  readonly pluginDirs: readonly string[];
  readonly discoverPackages: boolean;
  /** Gateway options with the port and host settled. */
  readonly http: HttpConfig & { readonly port: number; readonly host: string };
  /** `'memory'`, or the absolute path of the SQLite file. */
  readonly store: 'memory' | { readonly path: string };
  /** The admin token from `TRELLIS_ADMIN_TOKEN` or the config file, if either sets one. */
  readonly adminToken: string | undefined;
  readonly logger: LoggerInput | undefined;
  /** Log level from `--log-level` or `TRELLIS_LOG_LEVEL`, overriding the config file's. */
  readonly logLevel: string | undefined;
  readonly host: HostConfig;
  /** Config per plugin name, as the config file has it (environment overrides are applied per plugin later). */
  readonly pluginConfig: Readonly<Record<string, unknown>>;
}

function envPort(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = env[HOST_ENV.port];
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw cliErrors.envInvalid(
      HOST_ENV.port,
      `expected a whole number from 0 to 65535, got ${JSON.stringify(raw)}`,
    );
  return port;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Applies the precedence every setting follows: command-line flag, then environment variable, then config
 * file, then default. Paths become absolute, relative to the project directory.
 *
 * @throws TrellisError `E_ENV_INVALID` when `TRELLIS_PORT` is not a port number.
 */
export function resolveSettings(
  loaded: LoadedConfig,
  env: Readonly<Record<string, string | undefined>>,
  flags: SettingFlags = {},
): Settings {
  const { config, root } = loaded;
  const http = config.http ?? {};
  const store = config.store ?? {};
  return {
    root,
    configFile: loaded.file,
    plugins: config.plugins ?? [],
    pluginDirs: (config.pluginDirs ?? DEFAULT_PLUGIN_DIRS).map((directory) => resolve(root, directory)),
    discoverPackages: config.discoverPackages ?? true,
    http: {
      ...http,
      port: flags.port ?? envPort(env) ?? http.port ?? DEFAULT_PORT,
      host: flags.host ?? nonEmpty(env[HOST_ENV.host]) ?? http.host ?? DEFAULT_HOST,
    },
    store: store === 'memory' ? 'memory' : { path: resolve(root, store.path ?? DEFAULT_STORE_PATH) },
    adminToken: nonEmpty(env[HOST_ENV.adminToken]) ?? config.adminToken,
    logger: config.logger,
    logLevel: flags.logLevel ?? nonEmpty(env[HOST_ENV.logLevel]),
    host: config.host ?? {},
    pluginConfig: config.config ?? {},
  };
}
