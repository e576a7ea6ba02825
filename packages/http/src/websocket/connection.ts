import { randomUUID } from 'node:crypto';
import { errors, type Logger, type Principal } from '@trellis/core';
import type { RawData, WebSocket } from 'ws';
import { realtimeErrors } from '../errors/realtime-errors.js';
import { isMasked, limitCloseReason } from '../realtime/wire-error.js';
import { type EncodedMessage, encodeMessage, errorFrame, guard } from './message.js';
import { assertRoomName, type RoomRegistry } from './rooms.js';
import {
  type WebSocketCloseListener,
  type WebSocketConnection,
  type WebSocketMessageListener,
  WS_CLOSE_CODES,
} from './websocket-types.js';

/** True for the codes an application may close with (ws refuses the others). */
function isSendableCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
      (code >= 3000 && code <= 4999))
  );
}

/** Everything a connection is made with; the endpoint and the hub fill it in on upgrade. */
export interface ConnectionSetup {
  readonly socket: WebSocket;
  readonly principal: Principal | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Whether text messages are parsed as JSON. */
  readonly json: boolean;
  readonly maxBufferedBytes: number;
  /** The rooms of the plugin serving the connection. */
  readonly rooms: RoomRegistry;
  /** The plugin's logger: failures of its listeners are its own. */
  readonly logger: Logger;
  /** Called once, when the connection closed for any reason. */
  readonly onFinish: (connection: Connection) => void;
}

/**
 * A connection as the hub keeps it. Whatever ends it (the client, the plugin, a missed heartbeat, a
 * slow read, the plugin stopping) goes through one `#finish`, so rooms, listeners and the hub's books
 * are updated exactly once and at once, without waiting for the closing handshake.
 */
export class Connection implements WebSocketConnection {
  readonly id = randomUUID();
  readonly principal: Principal | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly #socket: WebSocket;
  readonly #setup: ConnectionSetup;
  readonly #abort = new AbortController();
  readonly #rooms = new Set<string>();
  readonly #messageListeners = new Set<WebSocketMessageListener>();
  readonly #closeListeners = new Set<WebSocketCloseListener>();
  #open = true;

  constructor(setup: ConnectionSetup) {
    this.#setup = setup;
    this.#socket = setup.socket;
    this.principal = setup.principal;
    this.params = setup.params;
    this.query = setup.query;
    this.#socket.on('message', (data, isBinary) => this.#receive(data, isBinary));
    this.#socket.on('close', (code, reason) => this.#finish(code, reason.toString()));
    // Without a listener, a socket error (a reset, an oversize frame) would be an uncaught exception.
    this.#socket.on('error', (error) =>
      setup.logger.debug({ err: error, connection: this.id }, 'WebSocket connection error'),
    );
  }

  get open(): boolean {
    return this.#open;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  send(data: unknown): boolean {
    if (!this.#open) return false;
    return this.deliver(encodeMessage(data));
  }

  /**
   * Writes an encoded message, then drops the connection if too much is now waiting for it: a client
   * that does not read must not make the server buffer without bound.
   */
  deliver(message: EncodedMessage): boolean {
    if (!this.#open) return false;
    this.#socket.send(message.data, { binary: message.binary });
    const buffered = this.#socket.bufferedAmount;
    if (buffered <= this.#setup.maxBufferedBytes) return true;
    const error = realtimeErrors.slowConsumer(buffered, this.#setup.maxBufferedBytes);
    this.#setup.logger.warn({ connection: this.id, bufferedBytes: buffered }, error.message);
    this.terminate(WS_CLOSE_CODES.slowConsumer, error.code);
    return false;
  }

  join(room: string): void {
    assertRoomName(room);
    if (!this.#open || this.#rooms.has(room)) return;
    this.#rooms.add(room);
    this.#setup.rooms.add(room, this);
  }

  leave(room: string): void {
    if (!this.#rooms.delete(room)) return;
    this.#setup.rooms.remove(room, this);
  }

  rooms(): string[] {
    return [...this.#rooms];
  }

  close(code: number = WS_CLOSE_CODES.normal, reason = ''): void {
    if (!isSendableCloseCode(code)) {
      throw errors.invalidArgument(
        'A WebSocket close code',
        '1000, 1001–1014 (not 1004–1006) or 3000–4999',
        code,
      );
    }
    if (!this.#open) return;
    const limited = limitCloseReason(reason);
    this.#finish(code, limited);
    this.#socket.close(code, limited);
    // The socket may be paused (its handler has not finished); the client's answer must still be read.
    this.#socket.resume();
  }

  /** Cuts the socket without a closing handshake, reporting `code` to the close listeners. */
  terminate(code: number, reason: string): void {
    this.#finish(code, reason);
    this.#socket.terminate();
  }

  /**
   * Answers a failure with an error frame. Failures that are not TrellisErrors are masked for the
   * client, so they are logged in full here.
   */
  reportFailure(error: unknown, what: string): void {
    if (isMasked(error)) this.#setup.logger.error({ err: error, connection: this.id }, `${what} failed`);
    if (this.#open) this.deliver(errorFrame(error));
  }

  on(event: 'message', listener: WebSocketMessageListener): () => void;
  on(event: 'close', listener: WebSocketCloseListener): () => void;
  on(event: 'message' | 'close', listener: WebSocketMessageListener | WebSocketCloseListener): () => void {
    if (typeof listener !== 'function')
      throw errors.invalidArgument(`A '${event}' listener`, 'a function', listener);
    const listeners: Set<unknown> =
      event === 'message'
        ? this.#messageListeners
        : event === 'close'
          ? this.#closeListeners
          : invalidEvent(event);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (!this.#open) return;
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    let message: unknown;
    if (isBinary) message = bytes;
    else if (!this.#setup.json) message = bytes.toString();
    else {
      try {
        message = JSON.parse(bytes.toString());
      } catch (cause) {
        this.reportFailure(realtimeErrors.badMessage((cause as Error).message), 'parsing a message');
        return;
      }
    }
    for (const listener of [...this.#messageListeners]) {
      guard(
        () => listener(message, this),
        (error) => this.reportFailure(error, 'a WebSocket message listener'),
      );
    }
  }

  #finish(code: number, reason: string): void {
    if (!this.#open) return;
    this.#open = false;
    for (const room of [...this.#rooms]) this.leave(room);
    this.#abort.abort();
    const event = { code, reason };
    for (const listener of this.#closeListeners) {
      guard(
        () => listener(event, this),
        (error) =>
          this.#setup.logger.error({ err: error, connection: this.id }, 'a WebSocket close listener failed'),
      );
    }
    this.#closeListeners.clear();
    this.#messageListeners.clear();
    this.#setup.onFinish(this);
  }
}

function invalidEvent(event: string): never {
  throw errors.invalidArgument('A WebSocket connection event', "'message' or 'close'", event);
}
