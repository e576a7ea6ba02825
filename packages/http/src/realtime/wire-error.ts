import { type ErrorDetails, TrellisError } from '@trellis/core';
import { httpErrors } from '../errors/http-errors.js';

/** An error as a WebSocket or GraphQL client receives it: no stack, no internals. */
export interface WireError {
  /** The stable `E_*` code. */
  readonly code: string;
  /** What happened and what to do. */
  readonly message: string;
  /** Structured, JSON-safe facts (a TrellisError's `details`). */
  readonly details: ErrorDetails;
  /** Present when trying again later may succeed. */
  readonly retryable?: true;
}

/**
 * What a client may see of `error`: a TrellisError as it is, anything else masked as `E_INTERNAL`, since
 * a plain error's message can carry internals (SQL, paths, hostnames). Callers log the original.
 */
export function toWireError(error: unknown): WireError {
  const exposed = TrellisError.is(error) ? error : httpErrors.internal();
  return {
    code: exposed.code,
    message: exposed.message,
    details: exposed.details,
    ...(exposed.retryable ? { retryable: true as const } : {}),
  };
}

/** True when `error` is masked by {@link toWireError}, so that the full error belongs in the log. */
export function isMasked(error: unknown): boolean {
  return !TrellisError.is(error);
}

/** The WebSocket protocol limits a close reason to 123 bytes of UTF-8. */
const MAX_CLOSE_REASON_BYTES = 123;

/** `reason` cut to fit a close frame, on a character boundary, marked with an ellipsis when cut. */
export function limitCloseReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES) return reason;
  const characters = [...reason].slice(0, MAX_CLOSE_REASON_BYTES);
  while (Buffer.byteLength(`${characters.join('')}…`) > MAX_CLOSE_REASON_BYTES) characters.pop();
  return `${characters.join('')}…`;
}
