import { errors } from '@trellis/core';
import { toWireError } from '../realtime/wire-error.js';

/** A message encoded once, ready to be written to any number of sockets as is. */
export interface EncodedMessage {
  readonly data: Buffer;
  readonly binary: boolean;
}

/**
 * Encodes what a plugin sends: strings as text, binary data as binary, anything else as JSON text.
 *
 * @throws TrellisError `E_VALUE_NOT_JSON` when the value cannot be serialised.
 */
export function encodeMessage(data: unknown): EncodedMessage {
  if (typeof data === 'string') return { data: Buffer.from(data), binary: false };
  if (Buffer.isBuffer(data)) return { data, binary: true };
  if (ArrayBuffer.isView(data)) {
    return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), binary: true };
  }
  if (data instanceof ArrayBuffer) return { data: Buffer.from(data), binary: true };
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (cause) {
    throw errors.valueNotJson(
      'A WebSocket message',
      '',
      cause instanceof Error ? cause.message : String(cause),
    );
  }
  if (text === undefined) throw errors.valueNotJson('A WebSocket message', '', typeof data);
  return { data: Buffer.from(text), binary: false };
}

/** The error frame for `error`: `{ "error": { "code", "message", "details" } }`. */
export function errorFrame(error: unknown): EncodedMessage {
  return { data: Buffer.from(JSON.stringify({ error: toWireError(error) })), binary: false };
}

/** Runs a listener so that neither a throw nor a rejection escapes: both go to `onError`. */
export function guard(run: () => unknown, onError: (error: unknown) => void): void {
  try {
    const outcome = run();
    if (typeof (outcome as PromiseLike<unknown> | undefined)?.then === 'function') {
      (outcome as PromiseLike<unknown>).then(undefined, onError);
    }
  } catch (error) {
    onError(error);
  }
}
