import { type CallOptions, errors, type Host, PatternSet, type Schema } from '@trellis/core';
import type { AuthRequirement } from '../auth/auth-types.js';
import { httpErrors } from '../errors/http-errors.js';
import { connectionSignal } from '../routes/connection-signal.js';
import type {
  HttpMethod,
  HttpRequest,
  RouteCacheOptions,
  RouteOptions,
  RouteRateLimitOptions,
} from '../routes/route-types.js';

/** REST exposure of capabilities (`httpSurface({ rest })`). */
export interface RestOptions {
  /** The path under which capabilities are exposed (default `/api`): `POST /api/users.get`. */
  readonly prefix?: string;
  /**
   * Capability patterns the host exposes without the providing plugins asking (`users.*`, `billing.**`;
   * `*` is one dot-separated segment, `**` any number). Default: none; plugins expose their own with
   * `ctx.http.expose()`.
   */
  readonly expose?: readonly string[];
  /** Who may call the capabilities exposed by `expose` patterns (default: anyone). */
  readonly auth?: AuthRequirement;
}

/** The REST options with defaults applied. */
export interface ResolvedRestOptions {
  readonly prefix: string;
  readonly patterns: PatternSet;
  readonly patternSources: readonly string[];
  readonly auth: AuthRequirement | undefined;
}

/** Options of `ctx.http.expose(capability, options)`. */
export interface ExposeOptions {
  /** Default `POST`. With `GET`, `HEAD` or `DELETE`, the query string and path parameters are the params. */
  readonly method?: HttpMethod;
  /**
   * Default: `<rest prefix>/<capability>` (`/api/users.get`). A path given here lives under the plugin's
   * prefix unless `prefix: false`; its path parameters are merged into the params.
   */
  readonly path?: string;
  readonly prefix?: boolean;
  readonly auth?: AuthRequirement;
  /** Response caching; only with `method: 'GET'`. */
  readonly cache?: boolean | RouteCacheOptions;
  readonly rateLimit?: false | RouteRateLimitOptions;
  readonly summary?: string;
  /** Default: the capability's own description. */
  readonly description?: string;
  readonly tags?: readonly string[];
  /**
   * Schemas that document the operation in the OpenAPI document when the gateway cannot read the
   * capability's own (a capability served by another node). They do not validate: the capability does.
   */
  readonly params?: Schema;
  readonly result?: Schema;
}

/** Resolves `httpSurface({ rest })`. @throws TrellisError for a malformed prefix or pattern. */
export function resolveRestOptions(options: RestOptions = {}): ResolvedRestOptions {
  const prefix = options.prefix ?? '/api';
  if (typeof prefix !== 'string' || !/^\/[^?#]*[^/?#]$/.test(prefix))
    throw errors.invalidArgument('rest.prefix', "a path starting with '/' and not ending with '/'", prefix);
  const sources = options.expose ?? [];
  if (!Array.isArray(sources))
    throw errors.invalidArgument('rest.expose', 'a list of capability patterns', sources);
  return { prefix, patterns: new PatternSet(sources), patternSources: sources, auth: options.auth };
}

/**
 * The call options of a capability call made for `request`: its principal and id, and the signal of its
 * connection, so the call is abandoned (`E_ABORTED`) when the client goes away. A call outliving the
 * gateway's handler timeout is not cut short by it (the client already got its 504): bound slow
 * capabilities with their own `timeout`.
 */
export function callOptionsFor(request: HttpRequest): CallOptions {
  return {
    principal: request.principal,
    requestId: request.id,
    signal: connectionSignal(request.raw.socket),
  };
}

/**
 * The params of a capability call from a request: the body (with path parameters merged in when it is an
 * object), or for GET, HEAD and DELETE the query string and path parameters.
 */
export function capabilityParams(request: HttpRequest): unknown {
  const pathParams = request.params as Readonly<Record<string, unknown>>;
  const hasPathParams = Object.keys(pathParams).length > 0;
  if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'DELETE')
    return { ...(request.query as Readonly<Record<string, unknown>>), ...pathParams };
  const body = request.body;
  if (!hasPathParams) return body;
  if (body === undefined || body === null) return { ...pathParams };
  if (typeof body === 'object' && !Array.isArray(body)) return { ...body, ...pathParams };
  return body;
}

/**
 * The route a plugin's `ctx.http.expose()` declares: a call of the capability through the plugin's own
 * context, so the kernel's permission rules apply (a plugin may expose its own capabilities, and those its
 * manifest lets it call).
 */
export function exposureRoute(
  call: (capability: string, params: unknown, options: CallOptions) => Promise<unknown>,
  capability: string,
  options: ExposeOptions,
  rest: ResolvedRestOptions,
): RouteOptions {
  const { method = 'POST', path, prefix, params: _params, result: _result, ...settings } = options;
  return {
    ...settings,
    method,
    url: path ?? `${rest.prefix}/${capability}`,
    prefix: path === undefined ? false : prefix,
    handler: (request) => call(capability, capabilityParams(request), callOptionsFor(request)),
  };
}

/**
 * The gateway's `POST <prefix>/:capability` route serving the capabilities `rest.expose` patterns name.
 * Routes plugins declare at `<prefix>/<capability>` take precedence (a static path beats a parameter).
 */
export function patternRoute(rest: ResolvedRestOptions, host: () => Host | undefined): RouteOptions {
  return {
    method: 'POST',
    url: `${rest.prefix}/:capability`,
    prefix: false,
    auth: rest.auth,
    handler: (request) => {
      const capability = (request.params as { readonly capability: string }).capability;
      const current = host();
      if (current === undefined || !rest.patterns.matches(capability))
        throw httpErrors.capabilityNotExposed(capability, `${rest.prefix}/${capability}`);
      return current.call(capability, request.body, callOptionsFor(request));
    },
  };
}
