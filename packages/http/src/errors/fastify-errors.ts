import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { TrellisError } from '@trellis/core';
import { errorBody, statusForError } from './error-status.js';
import { httpErrors } from './http-errors.js';

/** The gateway limits that error messages quote. */
export interface GatewayLimits {
  readonly bodyLimit: number;
  readonly maxHeaderSize: number;
  readonly requestTimeout: number;
}

interface FastifyLikeError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly message?: unknown;
}

/**
 * Turns the client errors Fastify raises before a handler runs (unreadable or oversized body, bad media
 * type, bad URL) into TrellisErrors with the gateway's codes. Anything else is returned unchanged: a
 * TrellisError keeps its code, and an unexpected error becomes `E_INTERNAL` when it is answered.
 */
export function fromFastifyError(
  error: unknown,
  limits: GatewayLimits,
  contentType: string | undefined,
): unknown {
  if (error instanceof TrellisError || typeof error !== 'object' || error === null) return error;
  const { code, statusCode, message } = error as FastifyLikeError;
  if (typeof code !== 'string' || !code.startsWith('FST_')) return error;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return httpErrors.payloadTooLarge(limits.bodyLimit);
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return httpErrors.unsupportedMediaType(contentType);
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500)
    return httpErrors.badRequest(typeof message === 'string' ? message : code);
  return error;
}

/**
 * Answers requests Node's HTTP parser rejected before Fastify saw them (headers over `maxHeaderSize`: 431,
 * a request not received within `requestTimeout`: 408, anything unparsable: 400) with the same JSON
 * error body as every other error, then closes the connection, as Node itself would.
 */
export function clientErrorHandler(
  limits: GatewayLimits,
): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const trellisError =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? httpErrors.headersTooLarge(limits.maxHeaderSize)
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? httpErrors.requestTimeout(limits.requestTimeout)
          : httpErrors.badRequest('the HTTP message could not be parsed');
    const status = statusForError(trellisError);
    const body = JSON.stringify(errorBody(trellisError, 'none'));
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  };
}
