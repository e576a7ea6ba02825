import { type Clock, errors, type Logger, systemClock } from '@trellis/core';
import type { AuthRequirement } from '../auth/auth-types.js';
import type { GraphqlOptions } from '../graphql/graphql-types.js';
import type { LoggingOptions } from '../middleware/request-logging.js';
import type { CacheDefaults } from '../middleware/response-cache.js';
import { type ResolvedRestOptions, type RestOptions, resolveRestOptions } from '../rest/rest-exposure.js';
import type { RouteRateLimitOptions } from '../routes/route-types.js';
import type { WebSocketOptions } from '../websocket/websocket-types.js';

/** The OpenAPI document and docs page (`httpSurface({ openapi })`). */
export interface OpenApiOptions {
  readonly title?: string;
  readonly version?: string;
  readonly description?: string;
  /** Where the document is served (default `/openapi.json`). */
  readonly path?: string;
  /** Where the HTML docs page is served (default `/docs`). */
  readonly docsPath?: string;
}

/** Health endpoints (`httpSurface({ health })`). */
export interface HealthOptions {
  /** The base path of `<path>/live` and `<path>/ready` (default `/health`). */
  readonly path?: string;
  /** Time in ms a custom check may take before it counts as failed (default 5000). */
  readonly checkTimeout?: number;
  /** Who may read the readiness report (default: anyone; liveness is always open). */
  readonly auth?: AuthRequirement;
}

/** Prometheus metrics (`httpSurface({ metrics })`). */
export interface MetricsOptions {
  /** Where the metrics are served (default `/metrics`). */
  readonly path?: string;
  /** Who may read them (default: anyone). */
  readonly auth?: AuthRequirement;
}

/** Everything `httpSurface()` accepts; every field is optional. */
export interface HttpOptions {
  /** Interface to listen on (default `127.0.0.1`; `0.0.0.0` for every interface). */
  readonly host?: string;
  /** Port to listen on (default 3000; 0 picks a free one, see `gateway.address`). */
  readonly port?: number;
  /** `false`: `start()` readies the server without listening, for in-process tests with `inject()`. */
  readonly listen?: boolean;
  /** Largest request body in bytes (default 1 MiB); larger ones answer 413. */
  readonly bodyLimit?: number;
  /** Largest request head in bytes (default 16 KiB); larger ones answer 431. */
  readonly maxHeaderSize?: number;
  /** Time in ms to receive a whole request (default 30 s); slower clients get 408. */
  readonly requestTimeout?: number;
  /** Time in ms a route may take to answer (default: `requestTimeout`); slower ones answer 504. */
  readonly handlerTimeout?: number;
  /** Trust `X-Forwarded-*` headers from proxies (Fastify's `trustProxy`: true, a hop count, or addresses). */
  readonly trustProxy?: boolean | number | string | readonly string[];
  /** REST exposure of capabilities. */
  readonly rest?: RestOptions;
  /** The OpenAPI document and docs page, or `false` for neither. */
  readonly openapi?: OpenApiOptions | false;
  /** Request logging, or `false` for none. */
  readonly logging?: LoggingOptions | false;
  /** Response cache defaults, or `false` to turn caching off everywhere. */
  readonly cache?: CacheDefaults | false;
  /** A per-client rate limit for every route (routes may set their own or opt out); default none. */
  readonly rateLimit?: RouteRateLimitOptions | false;
  /** Health endpoints, or `false` for none. */
  readonly health?: HealthOptions | false;
  /** Prometheus metrics endpoint, or `false` for none. */
  readonly metrics?: MetricsOptions | false;
  /** WebSocket endpoints (`ctx.ws`), or `false` to leave them out. */
  readonly websocket?: WebSocketOptions | false;
  /** The GraphQL endpoint (`ctx.graphql`), or `false` to leave it out. */
  readonly graphql?: GraphqlOptions | false;
  /** Logger of the gateway (default: the host's, from `start()` on); secrets are redacted either way. */
  readonly logger?: Logger;
  /** Time source of caching, rate limits and timeouts (default: the system clock). */
  readonly clock?: Clock;
}

/** {@link HttpOptions} with every default applied and every value checked. */
export interface ResolvedHttpOptions {
  readonly host: string;
  readonly port: number;
  readonly listen: boolean;
  readonly bodyLimit: number;
  readonly maxHeaderSize: number;
  readonly requestTimeout: number;
  readonly handlerTimeout: number;
  readonly trustProxy: boolean | number | string | readonly string[];
  readonly rest: ResolvedRestOptions;
  readonly openapi:
    | (Required<Pick<OpenApiOptions, 'title' | 'version' | 'path' | 'docsPath'>> &
        Pick<OpenApiOptions, 'description'>)
    | false;
  readonly logging: Required<LoggingOptions> | false;
  readonly cache: CacheDefaults | false;
  readonly rateLimit: RouteRateLimitOptions | false;
  readonly health:
    | { readonly path: string; readonly checkTimeout: number; readonly auth: AuthRequirement | undefined }
    | false;
  readonly metrics: { readonly path: string; readonly auth: AuthRequirement | undefined } | false;
  readonly websocket: WebSocketOptions | false;
  readonly graphql: GraphqlOptions | false;
  readonly logger: Logger | undefined;
  readonly clock: Clock;
}

/** Applies the defaults and checks each value. @throws TrellisError `E_INVALID_ARGUMENT` naming the option. */
export function resolveHttpOptions(options: HttpOptions = {}): ResolvedHttpOptions {
  if (typeof options !== 'object' || options === null)
    throw errors.invalidArgument('The options of httpSurface()', 'an object', options);
  const requestTimeout = positiveInteger('requestTimeout', options.requestTimeout, 30_000);
  const openapi = options.openapi;
  const health = options.health;
  const metrics = options.metrics;
  const logging = options.logging;
  return {
    host: nonEmptyString('host', options.host, '127.0.0.1'),
    port: port(options.port),
    listen: options.listen !== false,
    bodyLimit: positiveInteger('bodyLimit', options.bodyLimit, 1_048_576),
    maxHeaderSize: positiveInteger('maxHeaderSize', options.maxHeaderSize, 16_384),
    requestTimeout,
    handlerTimeout: positiveInteger('handlerTimeout', options.handlerTimeout, requestTimeout),
    trustProxy: options.trustProxy ?? false,
    rest: resolveRestOptions(options.rest),
    openapi:
      openapi === false
        ? false
        : {
            title: openapi?.title ?? 'Trellis API',
            version: openapi?.version ?? '1.0.0',
            description: openapi?.description,
            path: pathOption('openapi.path', openapi?.path, '/openapi.json'),
            docsPath: pathOption('openapi.docsPath', openapi?.docsPath, '/docs'),
          },
    logging:
      logging === false ? false : { bodies: logging?.bodies === true, level: logging?.level ?? 'info' },
    cache: options.cache ?? {},
    rateLimit: options.rateLimit ?? false,
    health:
      health === false
        ? false
        : {
            path: pathOption('health.path', health?.path, '/health'),
            checkTimeout: positiveInteger('health.checkTimeout', health?.checkTimeout, 5_000),
            auth: health?.auth,
          },
    metrics:
      metrics === false
        ? false
        : { path: pathOption('metrics.path', metrics?.path, '/metrics'), auth: metrics?.auth },
    websocket: options.websocket ?? {},
    graphql: options.graphql ?? {},
    logger: options.logger,
    clock: options.clock ?? systemClock,
  };
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
    throw errors.invalidArgument(`The ${name} option`, 'a whole number greater than 0', value);
  return value;
}

function nonEmptyString(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value === '')
    throw errors.invalidArgument(`The ${name} option`, 'a non-empty string', value);
  return value;
}

function pathOption(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !value.startsWith('/'))
    throw errors.invalidArgument(`The ${name} option`, "a path starting with '/'", value);
  return value;
}

function port(value: unknown): number {
  if (value === undefined) return 3000;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65_535)
    throw errors.invalidArgument('The port option', 'a whole number from 0 to 65535', value);
  return value;
}
