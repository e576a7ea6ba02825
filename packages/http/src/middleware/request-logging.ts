import { type Logger, REDACTED_KEYS } from '@trellis/core';
import type { Level } from 'pino';

/** Request logging (`httpSurface({ logging })`). */
export interface LoggingOptions {
  /** Log request bodies and the values handlers return (secrets redacted like every log line). Default false. */
  readonly bodies?: boolean;
  /** The level of the per-request line (default `info`). */
  readonly level?: Level;
}

/** One answered request, as the access log records it. */
export interface RequestLogEntry {
  readonly requestId: string;
  readonly method: string;
  readonly url: string;
  /** The route pattern that answered (`unmatched` for 404s). */
  readonly route: string;
  /** The plugin owning the route, when a plugin route answered. */
  readonly plugin: string | undefined;
  readonly status: number;
  readonly durationMs: number;
  readonly principal: string | undefined;
  readonly ip: string;
  readonly requestBody?: unknown;
  readonly responseBody?: unknown;
}

const SENSITIVE_NAMES = new Set(REDACTED_KEYS.map(normalizeName));
const SENSITIVE_SUFFIXES = ['token', 'secret', 'password', 'key', 'signature'];

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/** True when a query parameter of this name carries a secret (`token`, `api_key`, `client-secret`...). */
export function isSensitiveName(name: string): boolean {
  const normalized = normalizeName(name);
  return SENSITIVE_NAMES.has(normalized) || SENSITIVE_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
}

/**
 * The URL with the values of sensitive query parameters replaced by `[redacted]`: tokens in query strings
 * (WebSocket handshakes, signed links) must not reach the logs, where pino's path redaction cannot see them.
 */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const parameters = url
    .slice(queryStart + 1)
    .split('&')
    .map((parameter) => {
      const equals = parameter.indexOf('=');
      if (equals === -1) return parameter;
      let name = parameter.slice(0, equals);
      try {
        name = decodeURIComponent(name);
      } catch {
        // A malformed name is checked as written.
      }
      return isSensitiveName(name) ? `${parameter.slice(0, equals)}=[redacted]` : parameter;
    });
  return `${url.slice(0, queryStart)}?${parameters.join('&')}`;
}

/** Writes the access-log line of one request. */
export function logRequest(logger: Logger, level: Level, entry: RequestLogEntry): void {
  logger[level]({ ...entry, url: redactUrl(entry.url) }, 'request completed');
}
