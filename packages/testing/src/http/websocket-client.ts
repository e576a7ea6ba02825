import { errors } from '@trellis/core';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { realClearTimeout, realSetTimeout } from '../clock/real-time.js';
import { testingErrors } from '../errors/testing-errors.js';
import { matchesPartial } from '../matching/partial-match.js';

/** Options of {@link connectWebSocket}. */
export interface WebSocketClientOptions {
  /** Headers of the upgrade request (`authorization`...). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly protocols?: string | readonly string[];
  /** Real ms to wait for the connection (2 000). */
  readonly timeout?: number;
}

/** A real-time wait of the client. */
export interface WaitOptions {
  /** Real ms before giving up with `E_WAIT_TIMEOUT` (2 000): sockets run on real time, not the fake clock. */
  readonly timeout?: number;
}

/** How a connection closed. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** What a message is waited for by: a predicate, or a value it matches like `toMatchObject`. */
export type MessageMatcher = ((message: unknown) => boolean) | object | string | number | boolean | null;

/** A WebSocket client for tests: JSON in and out, and waits that fail with what arrived instead. */
export interface WebSocketTestClient {
  /** Every message received, in order: parsed JSON, a string when not JSON, a Buffer when binary. */
  readonly messages: readonly unknown[];
  /** True until the connection closes. */
  readonly open: boolean;
  /** Sends `data`: strings and Buffers as they are, anything else as JSON. */
  send(data: unknown): void;
  /**
   * Resolves with the first message not yet taken by an earlier `expectMessage` that matches `match` (any
   * message when omitted), waiting for it if needed; rejects with `E_WAIT_TIMEOUT` listing what arrived.
   */
  expectMessage<Message = unknown>(match?: MessageMatcher, options?: WaitOptions): Promise<Message>;
  /** Resolves once the connection closed, asserting its code when given. */
  expectClose(code?: number, options?: WaitOptions): Promise<CloseInfo>;
  /** Closes the connection and resolves once it is closed. */
  close(code?: number, reason?: string): Promise<CloseInfo>;
  /** Cuts the connection at once. */
  terminate(): void;
}

const DEFAULT_TIMEOUT_MS = 2_000;

function parse(data: WebSocket.RawData, isBinary: boolean): unknown {
  if (isBinary)
    return Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
  const text = data.toString();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describeMatcher(match: MessageMatcher | undefined): string {
  if (match === undefined) return 'a message';
  if (typeof match === 'function') return `a message accepted by ${match.name || 'the predicate'}`;
  return `a message matching ${JSON.stringify(match)}`;
}

function describeMessages(messages: readonly unknown[]): string[] {
  return messages.map((message) =>
    Buffer.isBuffer(message) ? `<${message.length} bytes>` : JSON.stringify(message),
  );
}

/** Opens a WebSocket to `url` and resolves once it is open; rejects with `E_WS_CONNECT_FAILED` otherwise. */
export function connectWebSocket(
  url: string,
  options: WebSocketClientOptions = {},
): Promise<WebSocketTestClient> {
  const socket = new WebSocket(url, options.protocols as string | string[] | undefined, {
    headers: { ...options.headers },
  });
  const messages: unknown[] = [];
  const waiting: unknown[] = [];
  const listeners = new Set<() => void>();
  let closed: CloseInfo | undefined;
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  socket.on('message', (data, isBinary) => {
    const message = parse(data, isBinary);
    messages.push(message);
    waiting.push(message);
    notify();
  });
  socket.on('close', (code, reason) => {
    closed = { code, reason: reason.toString() };
    notify();
  });

  /** Resolves with `take()`'s value once it has one, re-checking after each message or the close. */
  function waitFor<T>(take: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = take();
        if (value === undefined) return false;
        finish();
        resolve(value);
        return true;
      };
      const timer = realSetTimeout(() => {
        finish();
        reject(testingErrors.waitTimeout(what, timeoutMs, 'real', describeMessages(messages)));
      }, timeoutMs);
      const finish = () => {
        realClearTimeout(timer);
        listeners.delete(listener);
      };
      const listener = () => {
        check();
      };
      listeners.add(listener);
      check();
    });
  }

  const client: WebSocketTestClient = {
    messages,
    get open() {
      return closed === undefined && socket.readyState === WebSocket.OPEN;
    },
    send(data) {
      socket.send(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data));
    },
    async expectMessage<Message>(match?: MessageMatcher, waitOptions: WaitOptions = {}) {
      const accepts = (message: unknown) =>
        match === undefined ||
        (typeof match === 'function' ? match(message) : matchesPartial(message, match));
      const taken = await waitFor(
        () => {
          const index = waiting.findIndex(accepts);
          return index === -1 ? undefined : { message: waiting.splice(index, 1)[0] };
        },
        waitOptions.timeout ?? DEFAULT_TIMEOUT_MS,
        describeMatcher(match),
      );
      return taken.message as Message;
    },
    async expectClose(code, waitOptions = {}) {
      const info = await waitFor(
        () => closed,
        waitOptions.timeout ?? DEFAULT_TIMEOUT_MS,
        'the connection to close',
      );
      if (code !== undefined)
        expect(info.code, `the connection closed with ${info.code} (${info.reason || 'no reason'})`).toBe(
          code,
        );
      return info;
    },
    close(code = 1000, reason = '') {
      if (closed === undefined && socket.readyState !== WebSocket.CLOSING) socket.close(code, reason);
      return waitFor(() => closed, DEFAULT_TIMEOUT_MS, 'the connection to close');
    },
    terminate() {
      socket.terminate();
    },
  };

  const timeoutMs = options.timeout ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let connecting = true;
    const fail = (reason: string, status?: number) => {
      if (!connecting) return;
      connecting = false;
      realClearTimeout(timer);
      socket.terminate();
      reject(testingErrors.wsConnectFailed(url, reason, status));
    };
    const timer = realSetTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('open', () => {
      connecting = false;
      realClearTimeout(timer);
      resolve(client);
    });
    socket.once('unexpected-response', (_request, response) => {
      fail(`the server answered the upgrade with HTTP ${response.statusCode}`, response.statusCode);
    });
    // Errors after the connection opened end in a close, which the client reports; this keeps them from
    // being thrown as unhandled 'error' events.
    socket.on('error', (error) => fail(error.message));
  });
}

/** Checks a path given to `testHost.ws()`. */
export function webSocketPath(path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw errors.invalidArgument('A WebSocket path', "a path starting with '/'", path);
  return path;
}
