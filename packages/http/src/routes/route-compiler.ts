import type { Schema } from '@trellis/core';
import { validateWithSchema } from '@trellis/core';
import type { GatewayAuthenticator } from '../auth/gateway-authenticator.js';
import { httpErrors } from '../errors/http-errors.js';
import { HookRegistry } from '../middleware/hook-registry.js';
import type { ClientRateLimiter } from '../middleware/rate-limiter.js';
import type { ResponseCache } from '../middleware/response-cache.js';
import type { ChainStep, CompiledRoute, RouteDefinition } from './compiled-route.js';
import type { GatewayRequest } from './gateway-request.js';
import type { HttpRequest, RouteSchemas } from './route-types.js';

/** What a route's chain is compiled from, besides the route itself. */
export interface ChainParts {
  readonly authenticator: GatewayAuthenticator;
  readonly hooks: HookRegistry;
  /** The response cache, unless the gateway has it turned off. */
  readonly cache: ResponseCache | undefined;
  /** The gateway's default per-client limit, if it has one. */
  readonly defaultRateLimit: ClientRateLimiter | undefined;
}

type Terminal = (request: GatewayRequest) => unknown;

/**
 * Compiles a route's middleware chain once (and again when hooks or auth providers change), never per
 * request. The order is fixed and documented in the README: `request` hooks, authentication, rate
 * limiting, `authenticated` hooks, response cache, input validation, `handler` hooks, the handler (and
 * its response validation). Steps a route does not need are left out, so a plain route runs its handler
 * directly.
 */
export function compileRoute(definition: RouteDefinition, parts: ChainParts): CompiledRoute {
  const { owner, method, path } = definition;
  const label = `${method} ${path}`;
  const steps: Array<readonly [string, ChainStep]> = [];
  const addHooks = (stage: 'request' | 'authenticated' | 'handler') => {
    for (const entry of parts.hooks.hooksFor(owner, stage))
      steps.push([entry.name, HookRegistry.step(entry)]);
  };

  addHooks('request');
  const requirement = definition.auth;
  if ((requirement !== undefined && requirement !== false) || parts.authenticator.active) {
    const authenticator = parts.authenticator;
    steps.push([
      'authentication',
      async (request, next) => {
        request.principal = await authenticator.authenticate(request, requirement);
        return next();
      },
    ]);
  }
  const limiter =
    definition.rateLimit === undefined ? parts.defaultRateLimit : definition.rateLimit || undefined;
  if (limiter !== undefined) steps.push(['rate limit', rateLimitStep(limiter, label)]);
  addHooks('authenticated');
  if (definition.cache !== undefined && parts.cache !== undefined)
    steps.push(['response cache', parts.cache.step(owner, path, definition.cache)]);
  const schema = definition.schema;
  if (schema?.params !== undefined || schema?.querystring !== undefined || schema?.body !== undefined)
    steps.push(['validation', validationStep(schema, label)]);
  addHooks('handler');

  const run = steps.reduceRight<Terminal>(
    (inner, [, step]) => {
      const next = (request: GatewayRequest) => async () => inner(request);
      return (request) => step(request, next(request));
    },
    terminal(definition, label),
  );
  return {
    definition,
    info: { method, path, plugin: owner },
    run,
    chain: [...steps.map(([name]) => name), 'handler'],
  };
}

function terminal(definition: RouteDefinition, label: string): Terminal {
  const handler = definition.handler;
  const responseSchema = definition.schema?.response;
  if (responseSchema === undefined) return (request) => handler(request, request.reply);
  return async (request) => {
    const value = await handler(request, request.reply);
    if (value === undefined || value === request.reply || request.reply.sent) return value;
    const checked = await validateWithSchema(responseSchema, value);
    if (checked.issues !== undefined) throw httpErrors.responseInvalid(label, checked.issues);
    return checked.value;
  };
}

function rateLimitStep(limiter: ClientRateLimiter, label: string): ChainStep {
  const key = limiter.options.key ?? 'principal';
  return (request, next) => {
    const client =
      typeof key === 'function'
        ? key(request as unknown as HttpRequest)
        : key === 'principal' && request.principal !== undefined
          ? `${request.principal.scheme}:${request.principal.id}`
          : `ip:${request.ip}`;
    const retryAfterMs = limiter.take(client);
    if (retryAfterMs > 0) throw httpErrors.rateLimited(label, client, retryAfterMs);
    return next();
  };
}

function validationStep(schema: RouteSchemas, label: string): ChainStep {
  const check = async (part: 'params' | 'querystring' | 'body', partSchema: Schema, value: unknown) => {
    const checked = await validateWithSchema(partSchema, value);
    if (checked.issues !== undefined) throw httpErrors.requestInvalid(label, part, checked.issues);
    return checked.value;
  };
  return async (request, next) => {
    if (schema.params !== undefined) request.params = await check('params', schema.params, request.params);
    if (schema.querystring !== undefined)
      request.query = await check('querystring', schema.querystring, request.query);
    if (schema.body !== undefined) request.body = await check('body', schema.body, request.body);
    return next();
  };
}
