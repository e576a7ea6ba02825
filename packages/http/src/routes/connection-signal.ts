import type { Socket } from 'node:net';
import { httpErrors } from '../errors/http-errors.js';

const signals = new WeakMap<Socket, AbortSignal>();

/**
 * A signal aborted when the client's connection closes, made once per connection and shared by the
 * requests it carries (one at a time over HTTP/1.1 keep-alive). An AbortController per request costs
 * microseconds in allocation and collection, a large share of a request's budget, while a client going
 * away is exactly its connection closing.
 */
export function connectionSignal(socket: Socket): AbortSignal {
  let signal = signals.get(socket);
  if (signal === undefined) {
    const controller = new AbortController();
    socket.once('close', () => controller.abort(httpErrors.clientGone()));
    signal = controller.signal;
    signals.set(socket, signal);
  }
  return signal;
}
