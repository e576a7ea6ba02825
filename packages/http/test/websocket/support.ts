import {
  createHost,
  type Host,
  type Plugin,
  type PluginContext,
  type Principal,
  type Surface,
  TrellisError,
} from '@trellis/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { type ClientOptions, WebSocket } from 'ws';
import type { AuthRequest } from '../../src/auth/auth-types.js';
import { GatewayAuthenticator } from '../../src/auth/gateway-authenticator.js';
import {
  GraphqlGateway,
  type GraphqlOptions,
  type PluginGraphql,
} from '../../src/graphql/graphql-gateway.js';
import {
  type PluginWebSocket,
  WebSocketHub,
  type WebSocketOptions,
} from '../../src/websocket/websocket-hub.js';

/** Bearer tokens the test authenticator accepts, and who they stand for. */
export const TOKENS: Readonly<Record<string, Principal>> = {
  alice: { id: 'alice', scheme: 'bearer', roles: ['member'] },
  bob: { id: 'bob', scheme: 'bearer', roles: ['member'] },
  root: { id: 'root', scheme: 'bearer', roles: ['member', 'admin'] },
};

/** A bearer provider over {@link TOKENS}: the `Authorization` header, else the `?token=` query. */
export function verifyBearer(request: AuthRequest): Principal | undefined {
  const header = request.headers.authorization;
  const token =
    typeof header === 'string' && header.startsWith('Bearer ')
      ? header.slice('Bearer '.length)
      : (new URL(request.url, 'http://localhost').searchParams.get('token') ?? undefined);
  if (token === undefined) return undefined;
  const principal = TOKENS[token];
  if (principal === undefined) throw new TrellisError('E_UNAUTHENTICATED', 'Unknown token.');
  return principal;
}

/** The members the fixture's surface adds to every plugin context. */
export function realtime(ctx: PluginContext): {
  readonly ws: PluginWebSocket;
  readonly graphql: PluginGraphql;
} {
  return ctx as unknown as { readonly ws: PluginWebSocket; readonly graphql: PluginGraphql };
}

/** A started host whose plugins get `ws` and `graphql`, served by a Fastify listening on 127.0.0.1. */
export interface RealtimeFixture {
  readonly host: Host;
  readonly app: FastifyInstance;
  readonly hub: WebSocketHub;
  readonly gateway: GraphqlGateway;
  /** `ws://127.0.0.1:<port><path>`. */
  wsUrl(path: string): string;
  /** `http://127.0.0.1:<port><path>`. */
  httpUrl(path: string): string;
}

const cleanups: Array<() => Promise<void>> = [];
const clients = new Set<WebSocket>();

afterEach(async () => {
  for (const client of clients) client.terminate();
  clients.clear();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Starts `plugins` in a host with a test surface that attaches the hub and the gateway to each plugin
 * (what the HTTP surface does), the real gateway authenticator with a bearer provider over
 * {@link TOKENS}, and Fastify on a free port. Everything is closed after the test.
 */
export async function startRealtime(
  plugins: readonly Plugin[],
  options: {
    readonly websocket?: WebSocketOptions;
    readonly graphql?: GraphqlOptions;
    /** Adds the host author's own routes before the server listens. */
    readonly configure?: (app: FastifyInstance) => void | Promise<void>;
  } = {},
): Promise<RealtimeFixture> {
  let running: Host | undefined;
  let hub: WebSocketHub | undefined;
  let gateway: GraphqlGateway | undefined;
  const surface: Surface = {
    name: 'realtime-test',
    attach(ctx) {
      const sockets = hub!.forPlugin(ctx);
      const schema = gateway!.forPlugin(ctx);
      return {
        context: { ws: sockets.ws, graphql: schema.graphql },
        detach() {
          sockets.detach();
          schema.detach();
        },
      };
    },
    async start(host) {
      running = host;
    },
    async stop() {
      await hub!.close();
      await gateway!.close();
    },
  };
  const host = createHost({ plugins: [...plugins], surfaces: [surface], logger: { level: 'silent' } });
  const authenticator = new GatewayAuthenticator(() => host.logger);
  authenticator.provide('test', 'bearer', verifyBearer);
  const deps = { authenticator, logger: host.logger, host: () => running };
  hub = new WebSocketHub(deps, options.websocket);
  gateway = new GraphqlGateway(deps, options.graphql);
  const app = Fastify();
  await hub.register(app);
  await gateway.register(app);
  await options.configure?.(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => app.close().then(() => undefined));
  await host.start();
  cleanups.push(() => host.stop().then(() => undefined));
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    host,
    app,
    hub,
    gateway,
    wsUrl: (path) => `ws://127.0.0.1:${port}${path}`,
    httpUrl: (path) => `http://127.0.0.1:${port}${path}`,
  };
}

/** A WebSocket client that keeps every message (JSON-parsed when possible) and its close. */
export interface TestClient {
  readonly socket: WebSocket;
  readonly messages: unknown[];
  /** Resolves with the first message after those already consumed by earlier calls. */
  next(): Promise<unknown>;
  /** Resolves with the first not yet consumed message `accept` returns true for (skipping the others). */
  nextMatching(accept: (message: unknown) => boolean): Promise<unknown>;
  send(message: unknown): void;
  /** Resolves when the socket closed, with the code and reason the client saw. */
  readonly closed: Promise<{ readonly code: number; readonly reason: string }>;
}

/** Opens a client and waits for the handshake; rejects with the HTTP status of a refused upgrade. */
export function connect(url: string, options: ClientOptions = {}): Promise<TestClient> {
  const socket = new WebSocket(url, options);
  clients.add(socket);
  const messages: unknown[] = [];
  let consumed = 0;
  let wake: (() => void) | undefined;
  socket.on('message', (data, isBinary) => {
    const text = data.toString();
    let message: unknown = isBinary ? data : text;
    if (!isBinary) {
      try {
        message = JSON.parse(text);
      } catch {
        // Kept as text.
      }
    }
    messages.push(message);
    wake?.();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      wake?.();
    });
  });
  const nextMatching = async (accept: (message: unknown) => boolean): Promise<unknown> => {
    for (;;) {
      while (consumed < messages.length) {
        const message = messages[consumed++];
        if (accept(message)) return message;
      }
      if (socket.readyState === WebSocket.CLOSED)
        throw new Error('the socket closed before the expected message');
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  };
  const client: TestClient = {
    socket,
    messages,
    next: () => nextMatching(() => true),
    nextMatching,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    closed,
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('unexpected-response', (_request, response) => {
      reject(new Error(`upgrade refused with ${response.statusCode}`));
      socket.terminate();
    });
    socket.once('error', reject);
  });
}
