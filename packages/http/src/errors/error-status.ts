import { ERROR_CODES, type ErrorDetails, TrellisError } from '@trellis/core';
import { HTTP_ERROR_CODES, httpErrors } from './http-errors.js';
import { REALTIME_ERROR_CODES } from './realtime-errors.js';

/**
 * The HTTP status of each error code. One table for every surface (REST, routes, WebSocket close
 * reasons, GraphQL extensions), so a code means the same thing wherever a client meets it. Codes not
 * listed answer 500.
 */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  E_BAD_REQUEST: 400,
  E_BAD_MESSAGE: 400,
  E_GRAPHQL_SYNTAX: 400,
  E_GRAPHQL_VALIDATION: 400,
  E_INVALID_ARGUMENT: 400,
  E_SCHEDULE_INVALID: 400,
  E_VALIDATION: 400,
  E_VALUE_NOT_JSON: 400,
  E_TOPIC_INVALID: 400,
  E_UNAUTHENTICATED: 401,
  E_PERMISSION_DENIED: 403,
  E_ROUTE_NOT_FOUND: 404,
  E_CAPABILITY_NOT_FOUND: 404,
  E_PLUGIN_NOT_FOUND: 404,
  E_TASK_NOT_FOUND: 404,
  E_TASK_UNKNOWN: 404,
  E_METHOD_NOT_ALLOWED: 405,
  E_REQUEST_TIMEOUT: 408,
  E_PLUGIN_STATE: 409,
  E_TASK_DUPLICATE: 409,
  E_TASK_CANCELLED: 409,
  E_PAYLOAD_TOO_LARGE: 413,
  E_VALUE_TOO_LARGE: 413,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_RATE_LIMITED: 429,
  E_HEADERS_TOO_LARGE: 431,
  // nginx's "client closed request": nobody reads it, but logs and metrics tell it apart from a failure.
  E_ABORTED: 499,
  E_INTERNAL: 500,
  E_PLUGIN_DISABLED: 503,
  E_PLUGIN_FAILED: 503,
  E_DEPENDENCY_FAILED: 503,
  E_CIRCUIT_OPEN: 503,
  E_BULKHEAD_FULL: 503,
  E_POOL_TIMEOUT: 503,
  E_HOST_STATE: 503,
  E_GATEWAY_CLOSING: 503,
  E_STORE_FAILED: 503,
  E_GRAPHQL_NO_SCHEMA: 503,
  E_WS_ENDPOINT_UNAVAILABLE: 503,
  E_TIMEOUT: 504,
};

/** The JSON body of every error response: `{ "error": { "code", "message", "details" } }`. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: ErrorDetails;
  };
}

/**
 * The HTTP status for `error`: from {@link STATUS_BY_CODE} for a TrellisError (an `E_VALIDATION` of a
 * handler's *result* is the server's fault: 500), else by the ending of its code (below), 500 for
 * anything that is not a TrellisError.
 */
export function statusForError(error: unknown): number {
  if (!(error instanceof TrellisError)) return 500;
  if (error.code === 'E_VALIDATION' && error.details.direction === 'result') return 500;
  return STATUS_BY_CODE[error.code] ?? statusBySuffix(error);
}

/**
 * Plugins' own codes follow the kernel's naming, so their endings say what happened: `E_USER_NOT_FOUND`
 * is a 404 and `E_USER_EXISTS` a 409 without any registration. A code that says nothing (or a platform
 * code the table leaves out, such as a misbehaving auth provider's `E_AUTH_PROVIDER_INVALID`) is a 503
 * when retryable (try again later), else a 500.
 */
const STATUS_BY_SUFFIX: ReadonlyArray<readonly [suffix: string, status: number]> = [
  ['_NOT_FOUND', 404],
  ['_INVALID', 400],
  ['_FORBIDDEN', 403],
  ['_UNAUTHENTICATED', 401],
  ['_EXISTS', 409],
  ['_CONFLICT', 409],
  ['_DUPLICATE', 409],
  ['_TOO_LARGE', 413],
  ['_TIMEOUT', 504],
  ['_UNAVAILABLE', 503],
];

/** The platform's own codes: those the table leaves out are server faults (500), whatever their ending. */
const PLATFORM_CODES: ReadonlySet<string> = new Set([
  ...ERROR_CODES,
  ...HTTP_ERROR_CODES,
  ...REALTIME_ERROR_CODES,
]);

function statusBySuffix(error: TrellisError): number {
  if (!PLATFORM_CODES.has(error.code))
    for (const [suffix, status] of STATUS_BY_SUFFIX) if (error.code.endsWith(suffix)) return status;
  return error.retryable ? 503 : 500;
}

/**
 * The error a client may see. TrellisErrors are written for their callers and pass as they are, except
 * `E_CAPABILITY_FAILED`, whose message quotes an unexpected exception from a handler; anything that is
 * not a TrellisError becomes `E_INTERNAL`. The originals belong in the server log, never in a response.
 */
export function publicError(error: unknown): TrellisError {
  if (!(error instanceof TrellisError)) return httpErrors.internal();
  if (error.code === 'E_CAPABILITY_FAILED') {
    const { capability, plugin } = error.details;
    return httpErrors.capabilityFailed(String(capability), String(plugin));
  }
  return error;
}

/** The response body for `error` (made public with {@link publicError}), with the request id in its details. */
export function errorBody(error: unknown, requestId: string): ErrorBody {
  const visible = publicError(error);
  return {
    error: { code: visible.code, message: visible.message, details: { ...visible.details, requestId } },
  };
}

/**
 * Headers an error response needs: `Retry-After` (seconds) for a retryable 429 or 503, from
 * `details.retryAfterMs` when the error knows it; `WWW-Authenticate` with a challenge per scheme for 401;
 * `Allow` for 405.
 */
export function errorHeaders(error: unknown): Record<string, string> {
  if (!(error instanceof TrellisError)) return {};
  const status = statusForError(error);
  if ((status === 429 || status === 503) && error.retryable) {
    const retryAfterMs = error.details.retryAfterMs;
    const seconds = typeof retryAfterMs === 'number' && retryAfterMs > 0 ? Math.ceil(retryAfterMs / 1000) : 1;
    return { 'retry-after': String(seconds) };
  }
  if (status === 405 && Array.isArray(error.details.allowed))
    return { allow: error.details.allowed.join(', ') };
  if (status === 401) {
    const schemes = error.details.schemes;
    if (Array.isArray(schemes) && schemes.length > 0)
      return {
        'www-authenticate': schemes
          .map((scheme) => `${challengeName(String(scheme))} realm="trellis"`)
          .join(', '),
      };
  }
  return {};
}

/** `bearer` → `Bearer`, `api-key` → `Api-Key`: the capitalisation RFC 9110 examples use for schemes. */
function challengeName(scheme: string): string {
  return scheme.replace(
    /(^|-)([a-z])/g,
    (_match, separator: string, letter: string) => separator + letter.toUpperCase(),
  );
}
