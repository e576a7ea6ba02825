import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type Principal, TrellisError } from '@trellis/core';
import { CloseCode, handleProtocols, makeServer, type Server } from 'graphql-ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { AuthRequest, AuthRequirement } from '../auth/auth-types.js';
import { closeSockets } from '../realtime/close-sockets.js';
import { Heartbeat } from '../realtime/heartbeat.js';
import type { RealtimeDeps } from '../realtime/realtime-deps.js';
import { pathOf, rejectUpgrade } from '../realtime/upgrade-router.js';
import { isMasked, limitCloseReason, toWireError } from '../realtime/wire-error.js';
import { WS_CLOSE_CODES } from '../websocket/websocket-types.js';
import { ResolverContext } from './graphql-context.js';
import { formatGraphqlError, graphqlErrorOf } from './graphql-errors.js';
import { formatResult } from './graphql-http.js';
import type { SchemaState, ServedOwner } from './schema-state.js';

/** How the subscription endpoint behaves; see `GraphqlOptions`. */
export interface SubscriptionSettings {
  readonly path: string;
  readonly auth: AuthRequirement | undefined;
  readonly heartbeatInterval: number;
  readonly maxPayload: number;
  readonly connectionInitTimeout: number;
  readonly closeGracePeriod: number;
}

/** What the gateway knows of one subscription socket. */
interface ConnectionExtra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
  readonly connectionId: string;
  /** Set once `connection_init` was authenticated. */
  auth?: { readonly request: AuthRequest; readonly principal: Principal | undefined };
}

/**
 * GraphQL subscriptions over WebSocket with the `graphql-transport-ws` protocol (the `graphql-ws`
 * library's server), on the gateway's path. Credentials are checked on `connection_init`: those of the
 * upgrade request (headers, `?token=`), overridden by string entries of the init payload taken as
 * headers (`{ "authorization": "Bearer ..." }`), since browsers cannot set headers on a WebSocket.
 * A refused client is closed with 4401 or 4403, the protocol's codes.
 */
export class SubscriptionServer<Owner extends ServedOwner> {
  readonly #deps: RealtimeDeps;
  readonly #settings: SubscriptionSettings;
  readonly #protocol: Server<ConnectionExtra>;
  readonly #sockets = new Set<WebSocket>();
  readonly #upgrades: WebSocketServer;
  readonly #heartbeat: Heartbeat;
  #closing: Promise<void> | undefined;

  constructor(deps: RealtimeDeps, state: SchemaState<Owner>, settings: SubscriptionSettings) {
    this.#deps = deps;
    this.#settings = settings;
    this.#upgrades = new WebSocketServer({
      noServer: true,
      maxPayload: settings.maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: (protocols) => handleProtocols(protocols),
    });
    this.#heartbeat = new Heartbeat(settings.heartbeatInterval, (socket) => socket.terminate());
    this.#protocol = makeServer<Record<string, unknown> | undefined, ConnectionExtra>({
      connectionInitWaitTimeout: settings.connectionInitTimeout,
      onConnect: (ctx) => this.#authenticate(ctx.extra, ctx.connectionParams),
      onSubscribe: (ctx, id, payload) => {
        const current = state.current();
        if ('error' in current) return [graphqlErrorOf(current.error)];
        const prepared = state.prepare(current.schema, payload.query);
        if (prepared.errors !== undefined) return prepared.errors;
        const auth = ctx.extra.auth!;
        return {
          schema: current.schema,
          document: prepared.document,
          operationName: payload.operationName,
          variableValues: payload.variables ?? undefined,
          contextValue: new ResolverContext(
            deps,
            auth.request,
            auth.principal,
            `${ctx.extra.connectionId}:${id}`,
          ),
        };
      },
      onNext: (_ctx, _id, _payload, args, result) =>
        result.errors === undefined
          ? undefined
          : formatResult(result, deps.logger, (args.contextValue as ResolverContext).requestId),
      onError: (ctx, id, _payload, errors) =>
        errors.map((error) => formatGraphqlError(error, deps.logger, `${ctx.extra.connectionId}:${id}`)),
    });
  }

  /** Takes the upgrades of the subscription path (the router's handler); false for other paths. */
  claim(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (pathOf(request.url) !== this.#settings.path) return false;
    if (this.#closing !== undefined) {
      rejectUpgrade(socket, 503);
      return true;
    }
    this.#upgrades.handleUpgrade(request, socket, head, (ws) => this.#open(ws, request));
    return true;
  }

  /** Closes every subscription socket with 1001 (their subscriptions complete); resolves once closed. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#heartbeat.stop();
      await closeSockets(
        this.#sockets,
        WS_CLOSE_CODES.goingAway,
        'server shutting down',
        this.#settings.closeGracePeriod,
      );
    })();
    return this.#closing;
  }

  #open(ws: WebSocket, request: IncomingMessage): void {
    this.#sockets.add(ws);
    this.#heartbeat.watch(ws);
    const logger = this.#deps.logger;
    ws.on('error', (error) => logger.debug({ err: error }, 'GraphQL subscription socket error'));
    const closed = this.#protocol.opened(
      {
        protocol: ws.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (ws.readyState !== WebSocket.OPEN) return resolve();
            ws.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => ws.close(code, reason),
        onMessage: (handle) =>
          ws.on('message', (data) => {
            handle(String(data)).catch((error: unknown) => {
              logger.error({ err: error }, 'a GraphQL subscription message could not be handled');
              ws.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      { socket: ws, request, connectionId: randomUUID() },
    );
    ws.once('close', (code, reason) => {
      this.#sockets.delete(ws);
      this.#heartbeat.forget(ws);
      closed(code, reason.toString()).catch((error: unknown) =>
        logger.error({ err: error }, 'ending the subscriptions of a closed socket failed'),
      );
    });
  }

  /** `onConnect`: true lets the socket in; a refused one is closed here with the precise code. */
  async #authenticate(
    extra: ConnectionExtra,
    params: Readonly<Record<string, unknown>> | undefined,
  ): Promise<boolean> {
    const headers = { ...extra.request.headers };
    for (const [name, value] of Object.entries(params ?? {})) {
      if (typeof value === 'string') headers[name.toLowerCase()] = value;
    }
    const request: AuthRequest = { headers, url: extra.request.url ?? '/' };
    try {
      const principal = await this.#deps.authenticator.authenticate(request, this.#settings.auth);
      extra.auth = { request, principal };
      return true;
    } catch (error) {
      const code = TrellisError.is(error, 'E_UNAUTHENTICATED')
        ? CloseCode.Unauthorized
        : TrellisError.is(error, 'E_PERMISSION_DENIED')
          ? CloseCode.Forbidden
          : CloseCode.InternalServerError;
      if (isMasked(error)) {
        this.#deps.logger.error({ err: error }, 'authenticating a GraphQL subscription failed');
      }
      const wire = toWireError(error);
      extra.socket.close(code, limitCloseReason(`${wire.code}: ${wire.message}`));
      return false;
    }
  }
}
