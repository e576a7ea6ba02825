import { errors } from '@trellis/core';
import FindMyWay from 'find-my-way';
import type { AuthRequirement } from '../auth/auth-types.js';
import { realtimeErrors } from '../errors/realtime-errors.js';
import type { PluginEndpoints } from './plugin-endpoints.js';
import type { WebSocketHandler } from './websocket-types.js';

/** One endpoint a plugin serves. */
export interface Endpoint {
  /** The full path pattern (`/chat/rooms/:room`). */
  readonly path: string;
  /** The plugin serving it (and whether it is still attached). */
  readonly owner: PluginEndpoints;
  readonly handler: WebSocketHandler;
  readonly auth: AuthRequirement | undefined;
  readonly json: boolean;
}

/** An endpoint matching a request path, with the path's parameters. */
export interface EndpointMatch {
  readonly endpoint: Endpoint;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * The paths of every plugin's endpoints, matched with find-my-way (the router under Fastify, so paths
 * read the same as routes: `/rooms/:room`, `/files/*`).
 *
 * An endpoint of a detached plugin stays in place as a tombstone until a plugin registers the path
 * again (the same plugin, reloaded or enabled, or another one): an upgrade that reaches it is refused
 * with 503 rather than sent on as if the path never existed.
 */
export class EndpointRegistry {
  // Trailing slashes are ignored as the HTTP gateway's routes ignore them: `/feed/` is `/feed`.
  readonly #router = FindMyWay({ ignoreTrailingSlash: true });

  /**
   * @throws TrellisError `E_WS_ENDPOINT_CLASH` when an attached plugin already serves the path (same
   *   pattern, whatever the parameter names), `E_INVALID_ARGUMENT` when find-my-way refuses the path.
   */
  add(endpoint: Endpoint): void {
    const existing = this.#router.findRoute('GET', endpoint.path)?.store as Endpoint | undefined;
    if (existing !== undefined) {
      if (!existing.owner.detached) {
        throw realtimeErrors.endpointClash(endpoint.path, existing.owner.plugin, endpoint.owner.plugin);
      }
      this.#router.off('GET', existing.path);
    }
    try {
      this.#router.on('GET', endpoint.path, noop, endpoint);
    } catch (cause) {
      throw errors.invalidArgument(
        `The WebSocket endpoint path '${endpoint.path}' of plugin '${endpoint.owner.plugin}'`,
        `a path the router accepts (${(cause as Error).message})`,
        endpoint.path,
      );
    }
  }

  /** The endpoint serving `url` (path and query), or undefined. */
  match(url: string): EndpointMatch | undefined {
    const found = this.#router.find('GET', url);
    if (found === null) return undefined;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(found.params)) if (value !== undefined) params[name] = value;
    return { endpoint: found.store as Endpoint, params };
  }
}

/** find-my-way wants a handler per route; the hub dispatches on the route's store instead. */
function noop(): void {}
