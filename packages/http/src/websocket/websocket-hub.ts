import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { errors, type PluginContext, type Principal, TrellisError } from '@trellis/core';
import type { FastifyInstance } from 'fastify';
import { type WebSocket, WebSocketServer } from 'ws';
import { realtimeErrors } from '../errors/realtime-errors.js';
import { closeSockets } from '../realtime/close-sockets.js';
import { Heartbeat } from '../realtime/heartbeat.js';
import { integerOption } from '../realtime/options.js';
import type { RealtimeDeps } from '../realtime/realtime-deps.js';
import { rejectUpgrade, upgradeRouterOf } from '../realtime/upgrade-router.js';
import { isMasked, limitCloseReason, toWireError } from '../realtime/wire-error.js';
import { Connection } from './connection.js';
import { type EndpointMatch, EndpointRegistry } from './endpoint-registry.js';
import { errorFrame } from './message.js';
import { PluginEndpoints } from './plugin-endpoints.js';
import { type PluginWebSocket, type WebSocketOptions, WS_CLOSE_CODES } from './websocket-types.js';

export type {
  BroadcastOptions,
  PluginWebSocket,
  Room,
  RoomListener,
  WebSocketCloseEvent,
  WebSocketCloseListener,
  WebSocketConnection,
  WebSocketEndpointOptions,
  WebSocketHandler,
  WebSocketMessageListener,
  WebSocketOptions,
} from './websocket-types.js';
export { WS_CLOSE_CODES } from './websocket-types.js';

interface HubSettings {
  readonly heartbeatInterval: number;
  readonly maxPayload: number;
  readonly maxBufferedBytes: number;
  readonly closeGracePeriod: number;
}

/**
 * The WebSocket side of the HTTP surface: plugins serve endpoints through `ctx.ws(path, handler)`, with
 * authentication on upgrade, rooms, presence, heartbeats, a message size limit and backpressure.
 *
 * Upgrades are taken from the server before Fastify routes them (see `upgradeRouterOf`): endpoints come
 * and go with their plugins while the server listens. Every connection is authenticated first; a
 * refused one is still upgraded so that the client can read why (an error frame, then close 4001 or
 * 4003), which a browser cannot do with a refused HTTP handshake.
 */
export class WebSocketHub {
  readonly #deps: RealtimeDeps;
  readonly #settings: HubSettings;
  readonly #endpoints = new EndpointRegistry();
  readonly #server: WebSocketServer;
  readonly #connections = new Map<WebSocket, Connection>();
  readonly #heartbeat: Heartbeat;
  #unroute: (() => void) | undefined;
  #closing: Promise<void> | undefined;

  /** @throws TrellisError `E_INVALID_ARGUMENT` for an option that is not a non-negative integer. */
  constructor(deps: RealtimeDeps, options: WebSocketOptions = {}) {
    this.#deps = deps;
    this.#settings = {
      heartbeatInterval: integerOption('heartbeatInterval', options.heartbeatInterval, 30_000, 0),
      maxPayload: integerOption('maxPayload', options.maxPayload, 65_536, 1),
      maxBufferedBytes: integerOption('maxBufferedBytes', options.maxBufferedBytes, 1_048_576, 1),
      closeGracePeriod: integerOption('closeGracePeriod', options.closeGracePeriod, 2_000, 0),
    };
    this.#server = new WebSocketServer({
      noServer: true,
      maxPayload: this.#settings.maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.#heartbeat = new Heartbeat(this.#settings.heartbeatInterval, (socket) =>
      this.#connections.get(socket)?.terminate(WS_CLOSE_CODES.abnormal, 'no answer to ping'),
    );
  }

  /**
   * Starts taking the upgrades of `fastify`'s server that reach plugin endpoints (queueing
   * `@fastify/websocket` when nobody has, see `upgradeRouterOf`), and closes every connection when
   * Fastify closes. Call once, before the server listens. Everything is in place when the call returns;
   * the promise only reports a second call.
   */
  async register(fastify: FastifyInstance): Promise<void> {
    if (this.#unroute !== undefined || this.#closing !== undefined) {
      throw errors.invalidArgument('WebSocketHub.register()', 'called once, on an open hub', 'a second call');
    }
    this.#unroute = upgradeRouterOf(fastify).add((request, socket, head) =>
      this.#route(request, socket, head),
    );
    fastify.addHook('preClose', async () => {
      await this.close();
    });
  }

  /** What a plugin's context gets: `ws`, and the `detach` its surface calls when the plugin stops. */
  forPlugin(ctx: PluginContext): { readonly ws: PluginWebSocket; detach(): void } {
    const endpoints = new PluginEndpoints(ctx, this.#endpoints);
    return { ws: endpoints.api, detach: () => endpoints.detach() };
  }

  /**
   * Stops taking upgrades and closes every connection with 1001 (going away); resolves once they all
   * closed (a peer that does not answer within `closeGracePeriod` is cut). Calling it again returns the
   * same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#unroute?.();
    const sockets = [...this.#connections.keys()];
    for (const connection of [...this.#connections.values()]) {
      connection.close(WS_CLOSE_CODES.goingAway, 'server shutting down');
    }
    this.#heartbeat.stop();
    await closeSockets(
      sockets,
      WS_CLOSE_CODES.goingAway,
      'server shutting down',
      this.#settings.closeGracePeriod,
    );
  }

  #route(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const match = this.#endpoints.match(request.url ?? '/');
    if (match === undefined) return false;
    if (this.#refuseIfUnavailable(match, socket)) return true;
    void this.#accept(match, request, socket, head);
    return true;
  }

  async #accept(match: EndpointMatch, request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // Node removed its own error listener before handing the socket over; a reset while the
    // authenticator works must not become an uncaught exception.
    const destroy = () => socket.destroy();
    socket.on('error', destroy);
    let principal: Principal | undefined;
    let refusal: unknown;
    try {
      principal = await this.#deps.authenticator.authenticate(
        { headers: request.headers, url: request.url ?? '/' },
        match.endpoint.auth,
      );
    } catch (error) {
      refusal = error;
    }
    socket.removeListener('error', destroy);
    if (socket.destroyed || this.#refuseIfUnavailable(match, socket)) return;
    this.#server.handleUpgrade(request, socket, head, (ws) => {
      if (refusal === undefined) this.#open(match, ws, principal, request.url ?? '/');
      else this.#refuse(ws, refusal, match.endpoint.path);
    });
  }

  /** Answers 503 when the endpoint's plugin stopped or the hub is closing; true when it did. */
  #refuseIfUnavailable(match: EndpointMatch, socket: Duplex): boolean {
    const { endpoint } = match;
    if (!endpoint.owner.detached && this.#closing === undefined) return false;
    rejectUpgrade(
      socket,
      503,
      realtimeErrors.endpointUnavailable(endpoint.path, endpoint.owner.plugin).message,
    );
    return true;
  }

  #open(match: EndpointMatch, ws: WebSocket, principal: Principal | undefined, url: string): void {
    const { endpoint, params } = match;
    const owner = endpoint.owner;
    const queryStart = url.indexOf('?');
    const connection = new Connection({
      socket: ws,
      principal,
      params,
      query: new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1)),
      json: endpoint.json,
      maxBufferedBytes: this.#settings.maxBufferedBytes,
      rooms: owner.rooms,
      logger: owner.logger,
      onFinish: (finished) => {
        owner.connections.delete(finished);
        this.#connections.delete(ws);
        this.#heartbeat.forget(ws);
      },
    });
    owner.connections.add(connection);
    this.#connections.set(ws, connection);
    this.#heartbeat.watch(ws);
    // Messages wait until the handler is done (an async one may add its listeners after an await).
    ws.pause();
    const failed = (error: unknown) => {
      connection.reportFailure(error, `the handler of WebSocket endpoint '${endpoint.path}'`);
      connection.close(WS_CLOSE_CODES.internalError, 'the endpoint failed to open the connection');
    };
    try {
      const outcome = endpoint.handler(connection);
      if (typeof (outcome as PromiseLike<unknown> | undefined)?.then === 'function') {
        (outcome as PromiseLike<unknown>).then(undefined, failed).then(() => ws.resume());
        return;
      }
    } catch (error) {
      failed(error);
    }
    ws.resume();
  }

  /**
   * Tells a refused client why (an error frame), then closes: 4001 or 4003 for missing credentials or
   * rights, 1013 when the authenticator failed in a way worth retrying, 1011 for anything else.
   */
  #refuse(ws: WebSocket, error: unknown, path: string): void {
    ws.on('error', (socketError) =>
      this.#deps.logger.debug({ err: socketError }, 'refused WebSocket errored'),
    );
    const code = TrellisError.is(error, 'E_UNAUTHENTICATED')
      ? WS_CLOSE_CODES.unauthenticated
      : TrellisError.is(error, 'E_PERMISSION_DENIED')
        ? WS_CLOSE_CODES.forbidden
        : TrellisError.is(error) && error.retryable
          ? WS_CLOSE_CODES.tryAgainLater
          : WS_CLOSE_CODES.internalError;
    if (isMasked(error)) {
      this.#deps.logger.error({ err: error, path }, 'authenticating a WebSocket upgrade failed');
    }
    const frame = errorFrame(error);
    ws.send(frame.data, { binary: false });
    const wire = toWireError(error);
    ws.close(code, limitCloseReason(`${wire.code}: ${wire.message}`));
  }
}
