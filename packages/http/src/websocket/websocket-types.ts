import type { Principal } from '@trellis/core';
import type { AuthRequirement } from '../auth/auth-types.js';

/**
 * The close codes the hub uses, beyond those of the WebSocket protocol that clients already know
 * (1000 normal, 1006 abnormal, 1009 message too big). 4000–4999 are free for applications; the hub's
 * mirror HTTP statuses so that they are easy to remember.
 */
export const WS_CLOSE_CODES = {
  /** The connection ended normally. */
  normal: 1000,
  /** The hub is shutting down (the server stops). */
  goingAway: 1001,
  /** The peer stopped answering pings; the socket was cut, so no close frame was exchanged. */
  abnormal: 1006,
  /** A message was larger than `maxPayload`. */
  messageTooBig: 1009,
  /** The endpoint's handler failed while the connection opened. */
  internalError: 1011,
  /** The plugin serving the endpoint stopped, was disabled or is being reloaded: reconnect later. */
  serviceRestart: 1012,
  /** Credentials could not be checked for now (the identity service is down, a rate limit): retry later. */
  tryAgainLater: 1013,
  /** No or invalid credentials where the endpoint requires them (`E_UNAUTHENTICATED`). */
  unauthenticated: 4001,
  /** Authenticated, but missing a role, scope or scheme the endpoint requires (`E_PERMISSION_DENIED`). */
  forbidden: 4003,
  /**
   * The client read too slowly: more than `maxBufferedBytes` waited to be sent to it. The socket is cut
   * at once (a close frame would only queue behind the backlog), so the server reports 4008 while the
   * client itself observes 1006.
   */
  slowConsumer: 4008,
} as const;

/** Options of a {@link WebSocketHub}, for every endpoint it serves. */
export interface WebSocketOptions {
  /** Ms between pings; a peer that has not answered the previous ping is dropped. 0 turns pings off. Default 30 000. */
  readonly heartbeatInterval?: number;
  /** Largest message accepted, in bytes; a larger one closes the connection with 1009. Default 65 536. */
  readonly maxPayload?: number;
  /**
   * Bytes that may wait to be sent to one client; past it the client is dropped (close code 4008)
   * rather than buffered without bound. Default 1 048 576.
   */
  readonly maxBufferedBytes?: number;
  /** Ms a client gets to answer the closing handshake when the hub closes, before it is cut. Default 2 000. */
  readonly closeGracePeriod?: number;
}

/** Options of one endpoint (`ctx.ws(path, handler, options)`). */
export interface WebSocketEndpointOptions {
  /**
   * Who may connect, checked on the upgrade before the handler sees the connection; credentials come
   * from headers or the `?token=` query. Absent or false: anyone (the principal is still resolved when
   * credentials are sent).
   */
  readonly auth?: AuthRequirement;
  /** `false`: `path` is absolute instead of under the plugin's prefix (`/<plugin-name>`). Default true. */
  readonly prefix?: boolean;
  /**
   * `true` (default): text messages are parsed as JSON (an invalid one is answered with an
   * `E_BAD_MESSAGE` error frame, and the connection stays open). `false`: text messages arrive as strings.
   */
  readonly json?: boolean;
}

/** Called with each new connection of an endpoint, once the upgrade is authenticated. */
export type WebSocketHandler = (connection: WebSocketConnection) => unknown;

/**
 * Receives each message of a connection: the parsed JSON value of a text message (its string when the
 * endpoint has `json: false`), or a Buffer for a binary one. A throw or rejection is answered with an
 * error frame; the connection stays open.
 */
export type WebSocketMessageListener = (message: unknown, connection: WebSocketConnection) => unknown;

/** How and why a connection closed. */
export interface WebSocketCloseEvent {
  /** The close code: one of {@link WS_CLOSE_CODES}, or the client's. */
  readonly code: number;
  /** The close reason, possibly empty. */
  readonly reason: string;
}

/** Receives the close of a connection, exactly once. */
export type WebSocketCloseListener = (event: WebSocketCloseEvent, connection: WebSocketConnection) => unknown;

/** Options of a broadcast. */
export interface BroadcastOptions {
  /** A connection that must not receive it, typically the sender. */
  readonly except?: WebSocketConnection;
}

/** One client connected to an endpoint, as its handler sees it. */
export interface WebSocketConnection {
  /** A unique id for logs and presence. */
  readonly id: string;
  /** Who connected, when credentials were sent (always, when the endpoint requires auth). */
  readonly principal: Principal | undefined;
  /** The path parameters (`/rooms/:room` gives `{ room }`), URL-decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The query string of the upgrade request. */
  readonly query: URLSearchParams;
  /** False once the connection closed (or is closing); sends are then dropped. */
  readonly open: boolean;
  /** Aborted when the connection closes: hand it to work that should end with it. */
  readonly signal: AbortSignal;
  /**
   * Sends a message: strings as text, Buffers and typed arrays as binary, anything else as JSON text.
   * Returns false when the connection is closed, or was just dropped because it read too slowly (more
   * than `maxBufferedBytes` waiting).
   *
   * @throws TrellisError `E_VALUE_NOT_JSON` when the value cannot be serialised.
   */
  send(data: unknown): boolean;
  /** Joins a room of this endpoint's plugin (nothing when already a member); members are announced to `join` listeners. */
  join(room: string): void;
  /** Leaves a room (nothing when not a member). */
  leave(room: string): void;
  /** The rooms this connection is in. */
  rooms(): string[];
  /** Closes the connection (default code 1000); close listeners run at once. */
  close(code?: number, reason?: string): void;
  /** Listens to messages; returns the function that stops listening. */
  on(event: 'message', listener: WebSocketMessageListener): () => void;
  /** Listens to the close; returns the function that stops listening. */
  on(event: 'close', listener: WebSocketCloseListener): () => void;
}

/** Receives presence changes of a room. */
export type RoomListener = (connection: WebSocketConnection, room: Room) => unknown;

/**
 * A named group of connections of one plugin, for broadcasting and presence. A room exists while it
 * has members; the handle stays valid when it empties and fills again.
 */
export interface Room {
  /** The room's name. */
  readonly name: string;
  /** How many connections are in it. */
  readonly size: number;
  /** The connections in it, in the order they joined. */
  members(): WebSocketConnection[];
  /** True when `connection` is in the room. */
  has(connection: WebSocketConnection): boolean;
  /**
   * Sends `data` to every member (serialised once), optionally except one; returns how many members it
   * was sent to. A member that reads too slowly is dropped, and the others still receive it.
   */
  broadcast(data: unknown, options?: BroadcastOptions): number;
  /** Listens to members joining (after they joined) or leaving (after they left, closing included). */
  on(event: 'join' | 'leave', listener: RoomListener): () => void;
}

/**
 * What `ctx.ws` is: call it to serve an endpoint, use its members to reach the plugin's connections
 * from outside them (an event subscription broadcasting to a room, for instance).
 */
export interface PluginWebSocket {
  /**
   * Serves WebSocket connections on `path` (under `/<plugin-name>` unless `prefix: false`), with path
   * parameters such as `/rooms/:room`. Returns the full path.
   *
   * @throws TrellisError `E_WS_ENDPOINT_CLASH` when the path is already served (the error names both
   *   plugins), `E_ROUTE_INVALID` for a path not starting with `/`, `E_INVALID_ARGUMENT` for a path the
   *   router refuses or a handler that is not a function, `E_PLUGIN_STATE` after the plugin stopped.
   */
  (path: string, handler: WebSocketHandler, options?: WebSocketEndpointOptions): string;
  /** The plugin's room named `name`. */
  room(name: string): Room;
  /** The plugin's rooms that have members. */
  rooms(): Room[];
  /** Every open connection of the plugin's endpoints. */
  connections(): WebSocketConnection[];
  /** Sends `data` to every open connection of the plugin; returns how many it was sent to. */
  broadcast(data: unknown, options?: BroadcastOptions): number;
}
