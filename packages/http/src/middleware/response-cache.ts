import { type Clock, errors } from '@trellis/core';
import type { ChainStep } from '../routes/compiled-route.js';
import type { GatewayRequest } from '../routes/gateway-request.js';
import type { RouteCacheOptions } from '../routes/route-types.js';

/** The gateway-wide cache settings (`httpSurface({ cache })`). */
export interface CacheDefaults {
  /** TTL in ms of routes that say `cache: true` or give no `ttl` (default 60 000). */
  readonly ttl?: number;
  /** Responses kept at most, across routes; the least recently used makes room (default 1000). */
  readonly maxEntries?: number;
}

/** A route's cache options with the defaults applied and header names lower-cased. */
export interface ResolvedCacheOptions {
  readonly ttl: number;
  readonly vary: readonly string[];
  readonly authenticated: boolean;
}

interface Entry {
  readonly owner: string;
  readonly path: string;
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | number | readonly string[]>>;
  readonly payload: string | Buffer;
  readonly storedAt: number;
  readonly expiresAt: number;
}

/** Response headers never replayed from the cache: they belong to one response or the cache sets them. */
const UNCACHED_HEADERS = new Set([
  'set-cookie',
  'x-request-id',
  'date',
  'connection',
  'content-length',
  'x-cache',
  'age',
  'cache-control',
  'vary',
]);

/** Resolves a route's `cache` option; `undefined` when the route is not cached. */
export function resolveCacheOptions(
  input: boolean | RouteCacheOptions | undefined,
  defaults: CacheDefaults,
): ResolvedCacheOptions | undefined {
  if (input === undefined || input === false) return undefined;
  const options = input === true ? {} : input;
  const ttl = options.ttl ?? defaults.ttl ?? 60_000;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0)
    throw errors.invalidArgument('cache.ttl', 'a number of ms greater than 0', ttl);
  const vary = options.vary ?? [];
  if (!Array.isArray(vary) || vary.some((header) => typeof header !== 'string'))
    throw errors.invalidArgument('cache.vary', 'an array of header names', vary);
  return {
    ttl,
    vary: vary.map((header) => header.toLowerCase()),
    authenticated: options.authenticated === true,
  };
}

/**
 * The gateway's response cache: what GET routes with `cache` returned, replayed until their TTL runs out,
 * one entry per URL, `Vary` header values and (for routes that cache authenticated responses) principal.
 * Only values a handler returns with status 200 are stored; responses it sends itself, streams and
 * responses setting cookies are not. A client's `Cache-Control: no-cache` skips the lookup (and refreshes
 * the entry).
 */
export class ResponseCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #clock: Clock;

  constructor(defaults: CacheDefaults, clock: Clock) {
    const maxEntries = defaults.maxEntries ?? 1000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw errors.invalidArgument('cache.maxEntries', 'a whole number of at least 1', maxEntries);
    this.#maxEntries = maxEntries;
    this.#clock = clock;
  }

  /** How many responses are stored. */
  get size(): number {
    return this.#entries.size;
  }

  /** The chain step caching one route's responses. */
  step(owner: string, path: string, options: ResolvedCacheOptions): ChainStep {
    return async (request, next) => {
      const reply = request.reply;
      if (request.principal !== undefined && !options.authenticated) {
        reply.header('x-cache', 'BYPASS');
        return next();
      }
      const key = cacheKey(request, options);
      const now = this.#clock.now();
      const freshness = request.principal === undefined ? 'public' : 'private';
      if (!/no-cache/i.test(request.headers['cache-control'] ?? '')) {
        const entry = this.#entries.get(key);
        if (entry !== undefined && entry.expiresAt > now) {
          this.#entries.delete(key);
          this.#entries.set(key, entry);
          reply.headers(entry.headers);
          announce(
            request,
            options,
            'HIT',
            `${freshness}, max-age=${Math.ceil((entry.expiresAt - now) / 1000)}`,
          );
          reply.header('age', String(Math.floor((now - entry.storedAt) / 1000)));
          return reply.code(entry.statusCode).send(entry.payload);
        }
      }
      announce(request, options, 'MISS', `${freshness}, max-age=${Math.ceil(options.ttl / 1000)}`);
      const value = await next();
      this.#store(key, owner, path, request, value, options.ttl);
      return value;
    };
  }

  /** Drops the responses of `owner`'s routes (whose path starts with `pathPrefix`, when given). */
  drop(owner: string, pathPrefix?: string): number {
    let dropped = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.owner !== owner || (pathPrefix !== undefined && !entry.path.startsWith(pathPrefix))) continue;
      this.#entries.delete(key);
      dropped += 1;
    }
    return dropped;
  }

  #store(
    key: string,
    owner: string,
    path: string,
    request: GatewayRequest,
    value: unknown,
    ttl: number,
  ): void {
    const reply = request.reply;
    if (value === undefined || value === reply || reply.sent || reply.statusCode !== 200) return;
    if (reply.hasHeader('set-cookie') || isStream(value)) return;
    const headers: Record<string, string | number | readonly string[]> = {};
    for (const [name, headerValue] of Object.entries(reply.getHeaders())) {
      if (headerValue !== undefined && !UNCACHED_HEADERS.has(name)) headers[name] = headerValue;
    }
    let payload: string | Buffer;
    if (typeof value === 'string' || Buffer.isBuffer(value)) payload = value;
    else {
      payload = JSON.stringify(value);
      headers['content-type'] ??= 'application/json; charset=utf-8';
    }
    const now = this.#clock.now();
    this.#entries.delete(key);
    this.#entries.set(key, {
      owner,
      path,
      statusCode: 200,
      headers,
      payload,
      storedAt: now,
      expiresAt: now + ttl,
    });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }
}

function cacheKey(request: GatewayRequest, options: ResolvedCacheOptions): string {
  let key = request.url;
  for (const header of options.vary) {
    const value = request.headers[header];
    key += `\u0000${Array.isArray(value) ? value.join(',') : (value ?? '')}`;
  }
  const principal = request.principal;
  if (principal !== undefined) key += `\u0000${principal.scheme}:${principal.id}`;
  return key;
}

function announce(
  request: GatewayRequest,
  options: ResolvedCacheOptions,
  outcome: string,
  cacheControl: string,
): void {
  const reply = request.reply;
  reply.header('x-cache', outcome);
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', cacheControl);
  if (options.vary.length > 0) reply.header('vary', options.vary.join(', '));
}

function isStream(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function'
  );
}
