import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Logger, Principal, RateLimitOptions, Schema, SchemaOutput } from '@trellis/core';
import type { AuthRequirement } from '../auth/auth-types.js';

/** The methods a plugin route may answer. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** An HTTP method a plugin route may answer. */
export type HttpMethod = (typeof HTTP_METHODS)[number];

/**
 * Standard Schemas (zod, valibot, arktype...) for the parts of a request and for the response. Each given
 * schema validates (and may transform) its part before the handler runs; a failure answers 400
 * `E_VALIDATION` naming the part. A `response` schema checks what the handler returns (500 when it
 * rejects it: the server broke its contract). With a JSON Schema converter (zod 4 has one) they also
 * document the route in the OpenAPI document.
 */
export interface RouteSchemas {
  readonly params?: Schema;
  readonly querystring?: Schema;
  readonly body?: Schema;
  readonly response?: Schema;
}

type Output<Schemas, Key extends keyof RouteSchemas, Fallback> = Schemas extends {
  readonly [K in Key]: infer S extends Schema;
}
  ? SchemaOutput<S>
  : Fallback;

/** The path parameters a handler receives: the `params` schema's output, else strings by name. */
export type ParamsOf<Schemas> = Output<Schemas, 'params', Readonly<Record<string, string>>>;
/** The query a handler receives: the `querystring` schema's output, else the parsed query string. */
export type QueryOf<Schemas> = Output<Schemas, 'querystring', Readonly<Record<string, string | string[]>>>;
/** The body a handler receives: the `body` schema's output, else the parsed body (JSON or text). */
export type BodyOf<Schemas> = Output<Schemas, 'body', unknown>;

/** Where a route lives and who owns it. */
export interface RouteInfo {
  readonly method: HttpMethod;
  /** The path pattern as registered, prefix included (`/users/:id`). */
  readonly path: string;
  /** The plugin that registered it (or `http gateway` for the gateway's own routes). */
  readonly plugin: string;
}

/** The request a route handler (and HTTP middleware) receives. */
export interface HttpRequest<Params = Readonly<Record<string, string>>, Query = unknown, Body = unknown> {
  /** The request id (the client's `x-request-id` when it sent a sane one, else generated); echoed in the response. */
  readonly id: string;
  readonly method: HttpMethod;
  /** Path and query string as received. */
  readonly url: string;
  readonly params: Params;
  readonly query: Query;
  readonly body: Body;
  readonly headers: IncomingHttpHeaders;
  /** Who the request acts for, once authentication ran (undefined for anonymous requests). */
  readonly principal: Principal | undefined;
  /** The client's address (the proxy's client when `trustProxy` says so). */
  readonly ip: string;
  /** The plugin's logger bound to this request's id. */
  readonly log: Logger;
  /** Aborted when the client goes away or the gateway's handler timeout expires; pass it on. */
  readonly signal: AbortSignal;
  readonly route: RouteInfo;
  /** Node's request, for streaming bodies and other low-level needs. */
  readonly raw: IncomingMessage;
}

/**
 * The reply a route handler (and HTTP middleware) receives: Fastify's reply, narrowed to what routes need.
 * A handler either returns a value (sent as JSON, or as is for strings and buffers; `undefined` answers
 * 204) or answers itself with `reply.code(...).header(...).send(...)`.
 */
export interface HttpReply {
  code(statusCode: number): HttpReply;
  status(statusCode: number): HttpReply;
  header(name: string, value: unknown): HttpReply;
  headers(values: Readonly<Record<string, unknown>>): HttpReply;
  getHeader(name: string): ReturnType<ServerResponse['getHeader']>;
  getHeaders(): OutgoingHttpHeaders;
  removeHeader(name: string): HttpReply;
  hasHeader(name: string): boolean;
  type(contentType: string): HttpReply;
  redirect(url: string, statusCode?: number): HttpReply;
  send(payload?: unknown): HttpReply;
  /** True once the response was sent (by the handler or a middleware). */
  readonly sent: boolean;
  readonly statusCode: number;
  /** Node's response, for streaming and other low-level needs. */
  readonly raw: ServerResponse;
}

/** A route's handler. */
export type RouteHandler<Schemas = RouteSchemas> = (
  request: HttpRequest<ParamsOf<Schemas>, QueryOf<Schemas>, BodyOf<Schemas>>,
  reply: HttpReply,
) => unknown;

/** Response caching of a GET (or HEAD) route; see the README for the rules. */
export interface RouteCacheOptions {
  /** How long a response is served from the cache, in ms (default: the gateway's `cache.ttl`). */
  readonly ttl?: number;
  /** Request headers whose values select different cached responses (sent back as `Vary`). */
  readonly vary?: readonly string[];
  /**
   * Cache responses to authenticated requests too, one entry per principal (`Cache-Control: private`).
   * Off by default: an authenticated response is never cached unless the route says so.
   */
  readonly authenticated?: boolean;
}

/** A route's rate limit: a token bucket per client (principal when authenticated, else IP). */
export interface RouteRateLimitOptions extends Omit<RateLimitOptions, 'perCaller'> {
  /**
   * What identifies a client: `principal` (default; falls back to the IP for anonymous requests), `ip`,
   * or a function of the request.
   */
  readonly key?: 'principal' | 'ip' | ((request: HttpRequest) => string);
}

/** Everything about a route except its method, path and handler. */
export interface RouteSettings<Schemas extends RouteSchemas = RouteSchemas> {
  /**
   * `true` (default): the path is under the plugin's prefix (`/users` for plugin `users`, `/acme/users` for
   * `@acme/users`). `false`: the path is absolute; it must still not clash with another route.
   */
  readonly prefix?: boolean;
  /** Who may call it (default: anyone; credentials, when sent, are still verified). */
  readonly auth?: AuthRequirement;
  readonly schema?: Schemas;
  /** Response caching (GET/HEAD only); `true` uses the gateway's defaults. */
  readonly cache?: boolean | RouteCacheOptions;
  /** This route's own rate limit, or `false` to exempt it from the gateway's default one. */
  readonly rateLimit?: false | RouteRateLimitOptions;
  /** A one-line summary for the OpenAPI document. */
  readonly summary?: string;
  /** A longer description for the OpenAPI document. */
  readonly description?: string;
  /** OpenAPI tags (default: the plugin's name). */
  readonly tags?: readonly string[];
}

/** A full route declaration, as `ctx.http.route()` takes it. */
export interface RouteOptions<Schemas extends RouteSchemas = RouteSchemas> extends RouteSettings<Schemas> {
  readonly method: HttpMethod | readonly HttpMethod[];
  /** The path pattern (find-my-way syntax: `/users/:id`, `/files/*`, `/items/:id(^\\d+$)`). */
  readonly url: string;
  readonly handler: RouteHandler<Schemas>;
}

/** Where a plugin's HTTP middleware runs in the chain; see the README for the whole order. */
export type HookStage = 'request' | 'authenticated' | 'handler';

/**
 * HTTP middleware: runs around the rest of the chain. `next()` runs it and resolves with what the
 * handler produced (its return value; the reply when it answered itself). A hook may answer on its own
 * by returning a value (or sending) without calling `next()`, or fail the request by throwing.
 */
export type HttpHook = (request: HttpRequest, reply: HttpReply, next: () => Promise<unknown>) => unknown;

/** Options of `ctx.http.use`. */
export interface HttpHookOptions {
  /** Where the hook runs (default `request`): before authentication, after it, or around the handler. */
  readonly stage?: HookStage;
  /** `plugin` (default): this plugin's routes. `host`: every route of the gateway, REST exposure included. */
  readonly scope?: 'plugin' | 'host';
  /** A name for logs and introspection (default: the function's name). */
  readonly name?: string;
}
