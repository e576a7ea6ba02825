import { errors, type Logger, type PluginContext } from '@trellis/core';
import { pluginPrefix, routePath } from '../routes/route-paths.js';
import type { Connection } from './connection.js';
import type { EndpointRegistry } from './endpoint-registry.js';
import { deliverToAll, RoomRegistry } from './rooms.js';
import {
  type BroadcastOptions,
  type PluginWebSocket,
  type WebSocketEndpointOptions,
  type WebSocketHandler,
  WS_CLOSE_CODES,
} from './websocket-types.js';

/**
 * What one plugin contributed to the hub: its endpoints (in the hub's registry, owned by this object),
 * its rooms and its open connections. Detaching it closes its connections with 1012 and leaves its
 * endpoints as tombstones that refuse upgrades until the plugin (or another) registers the paths again.
 */
export class PluginEndpoints {
  readonly plugin: string;
  readonly logger: Logger;
  readonly rooms: RoomRegistry;
  readonly connections = new Set<Connection>();
  /** `ctx.ws`. */
  readonly api: PluginWebSocket;
  readonly #registry: EndpointRegistry;
  #detached = false;

  constructor(ctx: PluginContext, registry: EndpointRegistry) {
    this.plugin = ctx.name;
    this.logger = ctx.logger;
    this.rooms = new RoomRegistry(ctx.logger);
    this.#registry = registry;
    const serve = (path: string, handler: WebSocketHandler, options?: WebSocketEndpointOptions) =>
      this.#serve(path, handler, options);
    this.api = Object.assign(serve, {
      room: (name: string) => this.rooms.room(name),
      rooms: () => this.rooms.rooms(),
      connections: () => [...this.connections],
      broadcast: (data: unknown, options?: BroadcastOptions) => deliverToAll(this.connections, data, options),
    }) as PluginWebSocket;
  }

  get detached(): boolean {
    return this.#detached;
  }

  /** Closes the plugin's connections with 1012 (service restart); its endpoints refuse upgrades from now on. */
  detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    for (const connection of [...this.connections]) {
      connection.close(WS_CLOSE_CODES.serviceRestart, `plugin '${this.plugin}' stopped; reconnect later`);
    }
  }

  #serve(path: string, handler: WebSocketHandler, options: WebSocketEndpointOptions = {}): string {
    if (this.#detached) throw errors.pluginStopped(this.plugin);
    if (typeof handler !== 'function') {
      throw errors.invalidArgument(`The handler of WebSocket endpoint '${path}'`, 'a function', handler);
    }
    if (typeof options !== 'object' || options === null) {
      throw errors.invalidArgument(`The options of WebSocket endpoint '${path}'`, 'an object', options);
    }
    const fullPath = routePath(
      this.plugin,
      path,
      options.prefix === false ? undefined : pluginPrefix(this.plugin),
    );
    this.#registry.add({
      path: fullPath,
      owner: this,
      handler,
      auth: options.auth,
      json: options.json !== false,
    });
    return fullPath;
  }
}
