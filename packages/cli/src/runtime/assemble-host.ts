import { createHost, type Host, type Logger, MemoryStore, type Plugin, type Store } from '@trellis/core';
import { type HttpGateway, httpSurface } from '@trellis/http';
import { SqliteStore } from '@trellis/store-sqlite';
import { adminPlugin } from '../admin/admin-plugin.js';
import type { ResolvedPluginConfig } from '../config/plugin-config.js';
import type { Settings } from '../config/settings.js';
import type { LoadedPlugin } from '../loading/load-plugin.js';
import { cliVersion } from './cli-version.js';
import { PluginReloader } from './plugin-reloader.js';

/** A host wired the way the CLI runs it, not yet started. */
export interface HostAssembly {
  readonly host: Host;
  readonly gateway: HttpGateway;
  readonly reloader: PluginReloader;
}

/** What to assemble. */
export interface AssembleOptions {
  readonly settings: Settings;
  readonly loaded: readonly LoadedPlugin[];
  readonly configs: ReadonlyMap<string, ResolvedPluginConfig>;
  readonly logger: Logger;
  /** Whether the gateway listens on its port (`trellis start`) or only serves in-process requests (plugin commands). */
  readonly listen: boolean;
  /** The admin API's token; without one, no admin API is mounted. */
  readonly adminToken?: string;
}

function createStore(settings: Settings): Store {
  return settings.store === 'memory' ? new MemoryStore() : new SqliteStore({ path: settings.store.path });
}

/**
 * Wires a host on the embedded defaults: the project's plugins with their resolved configs, the SQLite
 * store (or memory), the HTTP gateway and, when a token is given, the admin plugin.
 */
export function assembleHost(options: AssembleOptions): HostAssembly {
  const { settings } = options;
  const gateway = httpSurface({ ...settings.http, listen: options.listen });
  const config: Record<string, unknown> = {};
  for (const [name, resolved] of options.configs) config[name] = resolved.value;
  const plugins: Plugin[] = options.loaded.map((entry) => entry.plugin);
  let reloader: PluginReloader | undefined;
  if (options.adminToken !== undefined) {
    plugins.push(
      adminPlugin({
        token: options.adminToken,
        host: () => host,
        gateway,
        reload: (name) => reloader!.reload(name),
        origin: (name) => {
          const source = reloader?.source(name);
          if (source === undefined) return undefined;
          return source.directory === undefined
            ? { origin: source.origin }
            : { origin: source.origin, directory: source.directory };
        },
        version: cliVersion(),
      }),
    );
  }
  const host = createHost({
    ...settings.host,
    plugins,
    config,
    store: createStore(settings),
    surfaces: [gateway],
    logger: options.logger,
  });
  reloader = new PluginReloader(
    host,
    options.loaded.map((entry) => entry.source),
  );
  return { host, gateway, reloader };
}
