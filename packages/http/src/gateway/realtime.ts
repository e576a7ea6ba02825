import type { PluginContext } from '@trellis/core';
import type { FastifyInstance } from 'fastify';
import { httpErrors } from '../errors/http-errors.js';
import { GraphqlGateway, type GraphqlOptions, type PluginGraphql } from '../graphql/graphql-gateway.js';
import type { RealtimeDeps } from '../realtime/realtime-deps.js';
import { type PluginWebSocket, WebSocketHub, type WebSocketOptions } from '../websocket/websocket-hub.js';

/** What the realtime surfaces add to one plugin's context. */
export interface RealtimeAttachment {
  readonly ws: PluginWebSocket;
  readonly graphql: PluginGraphql;
  detach(): void;
}

/**
 * The WebSocket hub and GraphQL gateway, wired into the HTTP gateway's Fastify instance and lifecycle.
 * A surface turned off (`websocket: false`) still gives plugins a `ctx.ws`, one that says it is off as
 * soon as it is used, so a plugin written for both setups fails with a clear message.
 */
export class RealtimeSurfaces {
  readonly #hub: WebSocketHub | undefined;
  readonly #graphql: GraphqlGateway | undefined;

  constructor(deps: RealtimeDeps, websocket: WebSocketOptions | false, graphql: GraphqlOptions | false) {
    this.#hub = websocket === false ? undefined : new WebSocketHub(deps, websocket);
    this.#graphql = graphql === false ? undefined : new GraphqlGateway(deps, graphql);
  }

  /** Adds their routes to the server; called once, before it listens. */
  async register(fastify: FastifyInstance): Promise<void> {
    await this.#hub?.register(fastify);
    await this.#graphql?.register(fastify);
  }

  /** Their members of one plugin's context, and how to withdraw them. */
  forPlugin(ctx: PluginContext): RealtimeAttachment {
    const ws = this.#hub?.forPlugin(ctx);
    const graphql = this.#graphql?.forPlugin(ctx);
    return {
      ws: ws?.ws ?? disabledMember<PluginWebSocket>('ws', 'websocket'),
      graphql: graphql?.graphql ?? disabledMember<PluginGraphql>('graphql', 'graphql'),
      detach() {
        ws?.detach();
        graphql?.detach();
      },
    };
  }

  /** Closes their connections and subscriptions; called before the server closes. */
  async close(): Promise<void> {
    await Promise.all([this.#hub?.close(), this.#graphql?.close()]);
  }
}

/**
 * A context member for a surface that is turned off: using it in any way (calling it, reading a member)
 * throws `E_SURFACE_DISABLED`. The target is a function so that callable members (`ctx.ws(path, ...)`)
 * fail the same way.
 */
function disabledMember<Member>(member: string, option: string): Member {
  const refuse = (): never => {
    throw httpErrors.surfaceDisabled(member, option);
  };
  return new Proxy(() => undefined, {
    apply: refuse,
    get(_target, property) {
      // Promise resolution and inspection probe these; answering them keeps the member inert until used.
      if (property === 'then' || typeof property === 'symbol') return undefined;
      return refuse();
    },
  }) as Member;
}
