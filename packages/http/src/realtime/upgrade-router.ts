import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';

/**
 * Takes an HTTP upgrade it serves and returns true (it then owns the socket), or returns false without
 * touching the socket so that the next handler may take it.
 */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * The single `upgrade` listener of an HTTP server, shared by the WebSocket hub and the GraphQL gateway.
 *
 * Their endpoints come and go while the server listens (plugins are reloaded and disabled), which
 * Fastify routes cannot do, so their upgrades are dispatched here, before Fastify sees them: each
 * handler in turn may take the upgrade. An upgrade nobody takes goes to the server's other `upgrade`
 * listeners (that of `@fastify/websocket`, which routes it through Fastify to any `websocket: true`
 * route), or is answered 404 when there are none. Node runs every listener of an event, so leaving
 * those listeners beside this one would let two of them write to one socket: they are moved behind it,
 * those already there at once and those added later (`@fastify/websocket` adds its own when Fastify
 * loads it) as soon as they are added.
 */
class UpgradeRouter {
  readonly #handlers: UpgradeHandler[] = [];
  readonly #fallback: UpgradeListener[] = [];

  constructor(server: Server) {
    const dispatch = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      for (const handler of this.#handlers) if (handler(request, socket, head)) return;
      if (this.#fallback.length === 0) {
        rejectUpgrade(socket, 404);
        return;
      }
      for (const listener of this.#fallback) listener.call(server, request, socket, head);
    };
    for (const listener of server.listeners('upgrade') as UpgradeListener[])
      this.#moveBehind(server, listener);
    server.on('upgrade', dispatch);
    server.on('newListener', (event: string | symbol, listener: UpgradeListener) => {
      if (event !== 'upgrade' || listener === dispatch) return;
      // Node adds the listener right after this event. Upgrades come from I/O callbacks, which only run
      // once the microtask queue is empty, so none can reach the listener before it is moved.
      queueMicrotask(() => this.#moveBehind(server, listener));
    });
  }

  /** Adds a handler, asked after those added before it; returns the function that removes it. */
  add(handler: UpgradeHandler): () => void {
    this.#handlers.push(handler);
    return () => {
      const index = this.#handlers.indexOf(handler);
      if (index !== -1) this.#handlers.splice(index, 1);
    };
  }

  #moveBehind(server: Server, listener: UpgradeListener): void {
    if (!server.listeners('upgrade').includes(listener)) return;
    server.removeListener('upgrade', listener);
    this.#fallback.push(listener);
  }
}

const routers = new WeakMap<Server, UpgradeRouter>();

/**
 * The upgrade router of `fastify`'s server, made on first use. Then `@fastify/websocket` is registered
 * too, unless it already was, so that Fastify's own WebSocket routes keep working: queued, not awaited,
 * as Fastify loads it with the other plugins (declare `websocket: true` routes inside a plugin, or
 * register `@fastify/websocket` yourself, awaited, before the hub; registering it twice fails).
 */
export function upgradeRouterOf(fastify: FastifyInstance): UpgradeRouter {
  const server = fastify.server;
  let router = routers.get(server);
  if (router === undefined) {
    router = new UpgradeRouter(server);
    routers.set(server, router);
    if (!fastify.hasDecorator('websocketServer')) fastify.register(fastifyWebsocket);
  }
  return router;
}

export type { UpgradeRouter };

/**
 * Answers an upgrade with a plain HTTP error and closes the socket: before the handshake, a status code
 * is the only way to say no. `message` becomes the body.
 */
export function rejectUpgrade(socket: Duplex, status: number, message = STATUS_CODES[status] ?? ''): void {
  if (socket.destroyed) return;
  const body = `${message}\n`;
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** The path of a request URL, without its query string. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
