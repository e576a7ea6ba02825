import { errors, type PluginContext } from '@trellis/core';
import type { HookRegistry } from '../middleware/hook-registry.js';
import type { ResponseCache } from '../middleware/response-cache.js';
import { type ExposeOptions, exposureRoute, type ResolvedRestOptions } from '../rest/rest-exposure.js';
import type { RouteDocs } from './compiled-route.js';
import { type DefinitionContext, defineRoutes } from './route-definition.js';
import { pluginPrefix, routePath } from './route-paths.js';
import type { RouteOwner } from './route-table.js';
import type {
  HttpHook,
  HttpHookOptions,
  HttpMethod,
  RouteHandler,
  RouteOptions,
  RouteSchemas,
  RouteSettings,
} from './route-types.js';

/** `ctx.http.get(path, handler)` or `ctx.http.get(path, options, handler)`, for every method. */
export interface RouteShorthand {
  <Schemas extends RouteSchemas = RouteSchemas>(path: string, handler: RouteHandler<Schemas>): void;
  <Schemas extends RouteSchemas = RouteSchemas>(
    path: string,
    options: RouteSettings<Schemas>,
    handler: RouteHandler<Schemas>,
  ): void;
}

/**
 * `ctx.http`: a plugin's routes, HTTP middleware and REST exposure, in the style of Fastify. Everything a
 * plugin adds is withdrawn when it stops: its routes then answer 503 `E_PLUGIN_DISABLED` (or wait, during
 * a reload) until it runs again.
 */
export interface PluginHttp {
  /** Where this plugin's routes live: `/users` for plugin `users`, `/acme/users` for `@acme/users`. */
  readonly prefix: string;
  /**
   * Adds a route.
   * @throws TrellisError `E_ROUTE_CLASH` naming both plugins when another route has the same method and
   *   path shape; `E_ROUTE_INVALID` for a malformed declaration.
   */
  route<Schemas extends RouteSchemas = RouteSchemas>(options: RouteOptions<Schemas>): void;
  readonly get: RouteShorthand;
  readonly head: RouteShorthand;
  readonly post: RouteShorthand;
  readonly put: RouteShorthand;
  readonly patch: RouteShorthand;
  readonly delete: RouteShorthand;
  readonly options: RouteShorthand;
  /** Adds HTTP middleware at a stage of the chain, for this plugin's routes or (`scope: 'host'`) all of them. */
  use(hook: HttpHook, options?: HttpHookOptions): void;
  /**
   * Exposes a capability over HTTP, by default at `POST /api/<capability>` with the JSON body as params.
   * The call goes through this plugin's context, with the request's principal and id.
   */
  expose(capability: string, options?: ExposeOptions): void;
  /**
   * Drops cached responses of this plugin's routes: all of them, or those of the routes whose pattern
   * starts with `path` (relative to the prefix: `/items` covers `/items/:id`). Returns how many.
   */
  invalidate(path?: string): number;
}

/** What a plugin's `ctx.http` needs from the gateway. */
export interface PluginHttpServices {
  readonly definitions: Omit<DefinitionContext, 'owner' | 'logger'>;
  readonly hooks: HookRegistry;
  readonly cache: ResponseCache | undefined;
  readonly rest: ResolvedRestOptions;
  /** Compiles a route and adds it to the table. */
  add(owner: RouteOwner, definitions: ReturnType<typeof defineRoutes>): void;
}

/** The `ctx.http` of one plugin run; refuses use after the plugin stopped. */
export class ScopedHttp implements PluginHttp {
  readonly prefix: string;
  readonly get = this.#shorthand('GET');
  readonly head = this.#shorthand('HEAD');
  readonly post = this.#shorthand('POST');
  readonly put = this.#shorthand('PUT');
  readonly patch = this.#shorthand('PATCH');
  readonly delete = this.#shorthand('DELETE');
  readonly options = this.#shorthand('OPTIONS');
  readonly #ctx: PluginContext;
  readonly #owner: RouteOwner;
  readonly #services: PluginHttpServices;
  #closed = false;

  constructor(ctx: PluginContext, owner: RouteOwner, services: PluginHttpServices) {
    this.#ctx = ctx;
    this.#owner = owner;
    this.#services = services;
    this.prefix = pluginPrefix(ctx.name);
  }

  route<Schemas extends RouteSchemas = RouteSchemas>(options: RouteOptions<Schemas>): void {
    this.#add(options as unknown as RouteOptions, {});
  }

  use(hook: HttpHook, options?: HttpHookOptions): void {
    this.#assertOpen();
    this.#services.hooks.add(this.#ctx.name, hook, options);
  }

  expose(capability: string, options: ExposeOptions = {}): void {
    if (typeof capability !== 'string' || capability === '')
      throw errors.invalidArgument('The capability to expose', 'a capability name', capability);
    const ctx = this.#ctx;
    const route = exposureRoute(
      (name, params, callOptions) => ctx.call(name, params, callOptions),
      capability,
      options,
      this.#services.rest,
    );
    this.#add(route, { capability: { name: capability, params: options.params, result: options.result } });
  }

  invalidate(path?: string): number {
    const cache = this.#services.cache;
    if (cache === undefined) return 0;
    return cache.drop(
      this.#ctx.name,
      path === undefined ? undefined : routePath(this.#ctx.name, path, this.prefix),
    );
  }

  /** The plugin stopped: later calls throw. */
  close(): void {
    this.#closed = true;
  }

  #add(options: RouteOptions, docs: Pick<RouteDocs, 'capability'>): void {
    this.#assertOpen();
    const ctx = this.#ctx;
    const definitions = defineRoutes(
      { ...this.#services.definitions, owner: ctx.name, logger: () => ctx.logger },
      options,
      docs,
    );
    this.#services.add(this.#owner, definitions);
  }

  #shorthand(method: HttpMethod): RouteShorthand {
    return ((path: string, optionsOrHandler: RouteSettings | RouteHandler, handler?: RouteHandler) => {
      const settings = typeof optionsOrHandler === 'function' ? {} : optionsOrHandler;
      const routeHandler = typeof optionsOrHandler === 'function' ? optionsOrHandler : handler;
      this.route({ ...settings, method, url: path, handler: routeHandler as RouteHandler });
    }) as RouteShorthand;
  }

  #assertOpen(): void {
    if (this.#closed) throw errors.pluginStopped(this.#ctx.name);
  }
}
