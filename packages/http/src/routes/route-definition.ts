import type { Clock, Logger } from '@trellis/core';
import { isSchema } from '@trellis/core';
import type { AuthRequirement } from '../auth/auth-types.js';
import { httpErrors } from '../errors/http-errors.js';
import { ClientRateLimiter } from '../middleware/rate-limiter.js';
import { type CacheDefaults, resolveCacheOptions } from '../middleware/response-cache.js';
import type { RouteDefinition, RouteDocs } from './compiled-route.js';
import type { GatewayRequest } from './gateway-request.js';
import { pluginPrefix, routePath } from './route-paths.js';
import {
  HTTP_METHODS,
  type HttpMethod,
  type HttpReply,
  type RouteOptions,
  type RouteSchemas,
} from './route-types.js';

/** What turning route options into definitions needs from the gateway. */
export interface DefinitionContext {
  /** The owner (a plugin's name, or the gateway). */
  readonly owner: string;
  /** The owner's logger (read when a request first logs). */
  readonly logger: () => Logger;
  readonly clock: Clock;
  readonly cacheDefaults: CacheDefaults;
}

/**
 * Checks a route declaration and resolves it into one definition per method: the absolute path (under
 * the owner's prefix unless `prefix: false`), the rate limiter, the cache options and the docs.
 * @throws TrellisError `E_ROUTE_INVALID` naming the owner and the bad option.
 */
export function defineRoutes(
  context: DefinitionContext,
  options: RouteOptions<RouteSchemas>,
  extraDocs: Pick<RouteDocs, 'capability' | 'hidden'> = {},
): RouteDefinition[] {
  const { owner } = context;
  if (typeof options !== 'object' || options === null)
    throw httpErrors.routeInvalid(owner, 'The route options', 'an object', options);
  const methods: readonly unknown[] = Array.isArray(options.method) ? options.method : [options.method];
  if (methods.length === 0 || methods.some((method) => !HTTP_METHODS.includes(method as HttpMethod)))
    throw httpErrors.routeInvalid(
      owner,
      'The route method',
      `one of ${HTTP_METHODS.join(', ')} (or a list of them)`,
      options.method,
    );
  const path = routePath(owner, options.url, options.prefix === false ? undefined : pluginPrefix(owner));
  if (typeof options.handler !== 'function')
    throw httpErrors.routeInvalid(
      owner,
      `The handler of ${path}`,
      'a function (request, reply) => result',
      options.handler,
    );
  checkAuth(owner, path, options.auth);
  checkSchemas(owner, path, options.schema);
  const cacheable = methods.every((method) => method === 'GET' || method === 'HEAD');
  if (options.cache !== undefined && options.cache !== false && !cacheable)
    throw httpErrors.routeInvalid(
      owner,
      `The cache option of ${path}`,
      'set only on GET or HEAD routes',
      options.cache,
    );
  const cache = resolveCacheOptions(options.cache, context.cacheDefaults);
  const rateLimit =
    options.rateLimit === undefined || options.rateLimit === false
      ? options.rateLimit
      : new ClientRateLimiter(options.rateLimit, context.clock);
  const handler = options.handler as unknown as (request: GatewayRequest, reply: HttpReply) => unknown;
  const docs: RouteDocs = {
    summary: options.summary,
    description: options.description,
    tags: options.tags,
    ...extraDocs,
  };
  return (methods as HttpMethod[]).map((method) => ({
    owner,
    method,
    path,
    handler,
    auth: options.auth,
    schema: options.schema,
    cache,
    rateLimit,
    logger: context.logger,
    docs,
  }));
}

function checkAuth(owner: string, path: string, auth: AuthRequirement | undefined): void {
  if (auth === undefined || typeof auth === 'boolean') return;
  const isList = (value: unknown) =>
    value === undefined || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
  if (
    typeof auth !== 'object' ||
    auth === null ||
    !isList(auth.roles) ||
    !isList(auth.scopes) ||
    !isList(auth.schemes)
  )
    throw httpErrors.routeInvalid(
      owner,
      `The auth option of ${path}`,
      'a boolean or { roles?, scopes?, schemes? } with lists of strings',
      auth,
    );
}

function checkSchemas(owner: string, path: string, schema: RouteSchemas | undefined): void {
  if (schema === undefined) return;
  for (const [part, value] of Object.entries(schema)) {
    if (!isSchema(value))
      throw httpErrors.routeInvalid(
        owner,
        `schema.${part} of ${path}`,
        'a Standard Schema (zod, valibot, arktype...)',
        value,
      );
  }
}
