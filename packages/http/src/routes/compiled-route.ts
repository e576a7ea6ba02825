import type { Logger, Schema } from '@trellis/core';
import type { AuthRequirement } from '../auth/auth-types.js';
import type { ClientRateLimiter } from '../middleware/rate-limiter.js';
import type { ResolvedCacheOptions } from '../middleware/response-cache.js';
import type { GatewayRequest } from './gateway-request.js';
import type { HttpMethod, HttpReply, RouteInfo, RouteSchemas } from './route-types.js';

/** What the OpenAPI document says about a route beyond its method, path and schemas. */
export interface RouteDocs {
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  /** Set when the route exposes a capability: its params and result document the operation. */
  readonly capability?: {
    readonly name: string;
    readonly params?: Schema;
    readonly result?: Schema;
  };
  /** Left out of the OpenAPI document (the gateway's own health and metrics routes). */
  readonly hidden?: boolean;
}

/** A route as the gateway keeps it: every option checked and resolved. */
export interface RouteDefinition {
  /** The plugin that registered it, or the gateway. */
  readonly owner: string;
  readonly method: HttpMethod;
  /** The absolute path pattern. */
  readonly path: string;
  readonly handler: (request: GatewayRequest, reply: HttpReply) => unknown;
  readonly auth: AuthRequirement | undefined;
  readonly schema: RouteSchemas | undefined;
  readonly cache: ResolvedCacheOptions | undefined;
  /** The route's own limiter, `false` to exempt it, `undefined` for the gateway's default. */
  readonly rateLimit: ClientRateLimiter | false | undefined;
  /** The owner's logger; requests log through a child bound to their id. */
  readonly logger: () => Logger;
  readonly docs: RouteDocs;
}

/** A route with its middleware chain compiled; recompiled when the middleware or auth providers change. */
export interface CompiledRoute {
  readonly definition: RouteDefinition;
  readonly info: RouteInfo;
  /** Runs the chain and the handler; resolves with what the handler produced. */
  readonly run: (request: GatewayRequest) => unknown;
  /** The names of the chain's steps, outermost first (for introspection). */
  readonly chain: readonly string[];
}

/**
 * One step of a route's chain (built-in middleware, a plugin's hook, validation): runs around the rest of
 * the chain, which `next()` runs and whose result it resolves with.
 */
export type ChainStep = (request: GatewayRequest, next: () => Promise<unknown>) => unknown;
