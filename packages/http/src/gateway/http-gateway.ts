import type { AddressInfo } from 'node:net';
import {
  errors,
  type Host,
  type Logger,
  type PluginContext,
  REDACTED_KEYS,
  type StateChange,
  type Surface,
  type SurfaceAttachment,
  type TrellisError,
} from '@trellis/core';
import type { FastifyInstance, FastifyReply, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import type { PluginAuth } from '../auth/auth-types.js';
import { GatewayAuthenticator } from '../auth/gateway-authenticator.js';
import { GATEWAY_OWNER, httpErrors } from '../errors/http-errors.js';
import type { PluginGraphql } from '../graphql/graphql-types.js';
import { HealthRegistry, type PluginHealth } from '../health/health-checks.js';
import { HookRegistry } from '../middleware/hook-registry.js';
import { ClientRateLimiter } from '../middleware/rate-limiter.js';
import { ResponseCache } from '../middleware/response-cache.js';
import {
  buildOpenApiDocument,
  exposedByPatterns,
  type OpenApiDocument,
} from '../openapi/openapi-document.js';
import type { RealtimeDeps } from '../realtime/realtime-deps.js';
import type { RouteDefinition } from '../routes/compiled-route.js';
import { DeadlineQueue } from '../routes/deadline-queue.js';
import { Dispatcher } from '../routes/dispatcher.js';
import { type PluginHttp, type PluginHttpServices, ScopedHttp } from '../routes/plugin-http.js';
import { type ChainParts, compileRoute } from '../routes/route-compiler.js';
import { defineRoutes } from '../routes/route-definition.js';
import { type RouteListing, type RouteOwner, type RouteSlot, RouteTable } from '../routes/route-table.js';
import type { PluginWebSocket } from '../websocket/websocket-types.js';
import { gatewayRoutes } from './gateway-routes.js';
import { createGatewayServer } from './gateway-server.js';
import { HttpMetrics } from './http-metrics.js';
import { type HttpOptions, type ResolvedHttpOptions, resolveHttpOptions } from './http-options.js';
import { RealtimeSurfaces } from './realtime.js';
import { CATCH_ALL, RequestReporting } from './request-reporting.js';

/** What the gateway adds to every plugin's context. */
export type HttpContextMembers = {
  readonly http: PluginHttp;
  readonly auth: PluginAuth;
  readonly health: PluginHealth;
  readonly ws: PluginWebSocket;
  readonly graphql: PluginGraphql;
};

const PLUGIN_STATE_TOPIC = 'trellis.plugin.state';
/** The host logger's redaction (`REDACTED_KEYS` at the first three levels), for loggers the host did not make. */
const REDACTION = {
  paths: REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  censor: '[redacted]',
};

/**
 * The HTTP gateway of a Trellis host: a Fastify 5 server that plugins contribute routes, REST exposure of
 * capabilities, auth providers, HTTP middleware and health checks to (`ctx.http`, `ctx.auth`,
 * `ctx.health`, and the realtime `ctx.ws` / `ctx.graphql`). Plugin routes live in a dynamic table behind
 * Fastify catch-all routes, so disabling, enabling and reloading a plugin swaps its routes while the server
 * keeps listening. Create it with {@link httpSurface} and pass it to `createHost({ surfaces })`.
 */
export class HttpGateway implements Surface {
  readonly name = 'http';
  /** The Fastify instance (for hooks and plugins of the host author; plugins use `ctx.http`). */
  readonly fastify: FastifyInstance;
  /** Authentication with the providers plugins registered; shared with the WebSocket and GraphQL surfaces. */
  readonly authenticator: GatewayAuthenticator;
  readonly #options: ResolvedHttpOptions;
  readonly #table: RouteTable;
  readonly #hooks: HookRegistry;
  readonly #cache: ResponseCache | undefined;
  readonly #health: HealthRegistry;
  readonly #metrics = new HttpMetrics();
  /** Requests whose body is being received (`requestTimeout`). */
  readonly #receiving: DeadlineQueue<FastifyReply>;
  /** Requests being answered (`handlerTimeout`). */
  readonly #answering: DeadlineQueue<FastifyReply>;
  readonly #realtime: RealtimeSurfaces;
  readonly #realtimeRegistered: Promise<unknown>;
  readonly #chainParts: ChainParts;
  readonly #pluginServices: PluginHttpServices;
  readonly #reporting: RequestReporting;
  #host: Host | undefined;
  #logger: Logger;
  #state: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' = 'idle';
  #address: AddressInfo | undefined;
  #release: Array<() => void> = [];

  constructor(input: HttpOptions = {}) {
    const options = resolveHttpOptions(input);
    this.#options = options;
    // Until the host starts, the gateway logs on its own; a logger it is given still gets the redaction.
    this.#logger =
      options.logger?.child({ surface: 'http' }, { redact: REDACTION }) ??
      pino({ name: 'trellis-http', redact: REDACTION });
    const recompile = () => this.#recompile();
    this.authenticator = new GatewayAuthenticator(() => this.#logger, recompile);
    this.#hooks = new HookRegistry(recompile);
    this.#cache = options.cache === false ? undefined : new ResponseCache(options.cache, options.clock);
    this.#health = new HealthRegistry(
      options.clock,
      options.health === false ? 5_000 : options.health.checkTimeout,
    );
    this.#chainParts = {
      authenticator: this.authenticator,
      hooks: this.#hooks,
      cache: this.#cache,
      defaultRateLimit:
        options.rateLimit === false ? undefined : new ClientRateLimiter(options.rateLimit, options.clock),
    };
    this.#reporting = new RequestReporting({
      limits: options,
      logging: options.logging,
      metrics: this.#metrics,
      logger: () => this.#logger,
    });
    this.#receiving = new DeadlineQueue<FastifyReply>(options.requestTimeout, options.clock, (reply) =>
      this.#expireReceiving(reply),
    );
    this.#table = new RouteTable(
      (method, path) => path !== CATCH_ALL && this.fastify.hasRoute({ method, url: path }),
    );
    let dispatcher: Dispatcher | undefined;
    this.#answering = new DeadlineQueue<FastifyReply>(options.handlerTimeout, options.clock, (reply) =>
      dispatcher?.expire(reply),
    );
    dispatcher = new Dispatcher({
      table: this.#table,
      receiving: this.#receiving,
      answering: this.#answering,
      handlerTimeout: options.handlerTimeout,
      unavailable: (slot) => this.#unavailable(slot),
      closing: () => this.#state === 'stopping' || this.#state === 'stopped',
      sendError: this.#reporting.sendError,
      keepResults: options.logging !== false && options.logging.bodies,
    });
    this.fastify = createGatewayServer(options, {
      reporting: this.#reporting,
      receiving: this.#receiving,
      answering: this.#answering,
      handle: dispatcher.handle,
    });
    this.#pluginServices = {
      definitions: { clock: options.clock, cacheDefaults: options.cache === false ? {} : options.cache },
      hooks: this.#hooks,
      cache: this.#cache,
      rest: options.rest,
      add: (owner, definitions) => this.#add(owner, definitions),
    };
    const currentLogger = () => this.#logger;
    const deps: RealtimeDeps = {
      authenticator: this.authenticator,
      get logger() {
        return currentLogger();
      },
      host: () => this.#host,
    };
    this.#realtime = new RealtimeSurfaces(deps, options.websocket, options.graphql);
    // Registered now, so their paths are known when plugins declare routes (a clash is then reported at once).
    this.#realtimeRegistered = this.#realtime.register(this.fastify).then(
      () => undefined,
      (error: unknown) => error,
    );
    this.#addGatewayRoutes();
  }

  /**
   * Resolves once the server's own routes (the WebSocket and GraphQL endpoints) are registered, which
   * happens shortly after construction. Awaiting it before `host.start()` makes a plugin route on one of
   * their paths fail that plugin's setup with `E_ROUTE_CLASH`, rather than being withdrawn at start.
   */
  async ready(): Promise<void> {
    const registrationError = await this.#realtimeRegistered;
    if (registrationError !== undefined) throw registrationError;
  }

  /** The address the server listens on, once started (with the actual port when `port: 0` was asked). */
  get address(): AddressInfo | undefined {
    return this.#address;
  }

  /** `http://host:port` of the server, once it listens. */
  get url(): string | undefined {
    const address = this.#address;
    if (address === undefined) return undefined;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /**
   * Gives a plugin its `http`, `auth`, `health`, `ws` and `graphql` members; what it registers through
   * them is withdrawn by `detach` when it stops (its routes then say why they do not answer).
   */
  attach(ctx: PluginContext): SurfaceAttachment {
    const name = ctx.name;
    const owner = this.#table.owner(name);
    this.#table.beginRun(owner);
    const http = new ScopedHttp(ctx, owner, this.#pluginServices);
    const realtime = this.#realtime.forPlugin(ctx);
    let attached = true;
    const assertAttached = () => {
      if (!attached) throw errors.pluginStopped(name);
    };
    const members: HttpContextMembers = {
      http,
      auth: {
        provide: (scheme, verify, options) => {
          assertAttached();
          this.authenticator.provide(name, scheme, verify, options);
        },
      },
      health: {
        check: (checkName, check, options) => {
          assertAttached();
          this.#health.add(name, checkName, check, options);
        },
      },
      ws: realtime.ws,
      graphql: realtime.graphql,
    };
    return {
      context: members,
      detach: () => {
        attached = false;
        http.close();
        this.#table.detach(owner);
        this.authenticator.removeProvidersOf(name);
        this.#hooks.removeHooksOf(name);
        this.#health.removeChecksOf(name);
        this.#cache?.drop(name);
        realtime.detach();
      },
    };
  }

  /**
   * Serves `host`: follows its plugins' states, registers the HTTP metrics on its registry, then listens.
   * Rejects with the server's error (a port in use), which the host reports as `E_SURFACE_START_FAILED`.
   */
  async start(host: Host): Promise<void> {
    if (this.#state !== 'idle')
      throw errors.hostState(
        this.#state,
        'start the HTTP gateway',
        'a gateway serves one host once; create a new one',
      );
    this.#state = 'starting';
    this.#host = host;
    if (this.#options.logger === undefined) this.#logger = host.logger.child({ surface: 'http' });
    await this.ready();
    this.#withdrawShadowedRoutes();
    this.#release.push(this.#metrics.register(host.metrics.registry));
    this.#release.push(
      host.on<StateChange>(PLUGIN_STATE_TOPIC, (change) =>
        this.#table.pluginStateChanged(change.plugin, change.to),
      ),
    );
    for (const plugin of host.plugins()) this.#table.pluginStateChanged(plugin.name, plugin.state);
    await this.fastify.ready();
    if (this.#options.listen) {
      await this.fastify.listen({ host: this.#options.host, port: this.#options.port });
      this.#address = this.fastify.server.address() as AddressInfo;
      this.#logger.info({ url: this.url }, 'HTTP gateway listening');
    }
    this.#state = 'running';
  }

  /**
   * Stops taking requests, lets the ones in flight finish (each within its timeout), closes the WebSocket
   * and GraphQL connections and the server, and withdraws the metrics.
   */
  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return;
    this.#state = 'stopping';
    for (const owner of this.#table.owners()) owner.wake();
    for (const release of this.#release.splice(0)) release();
    const failures: unknown[] = [];
    await this.#realtime.close().catch((error: unknown) => failures.push(error));
    await this.fastify.close().catch((error: unknown) => failures.push(error));
    this.#receiving.close();
    this.#answering.close();
    this.#address = undefined;
    this.#state = 'stopped';
    if (failures.length > 0) throw failures[0];
  }

  /**
   * Sends a request through the server without a socket (light-my-request), for in-process tests. Works
   * once the host started, whether or not the gateway listens (`listen: false`).
   */
  inject(options: InjectOptions | string): Promise<LightMyRequestResponse> {
    if (this.#state !== 'running')
      throw errors.hostState(
        this.#state,
        'inject a request',
        'start the host first (with listen: false the gateway serves inject() without a port)',
      );
    return this.fastify.inject(options);
  }

  /** Every route of the table with its owner, state and compiled middleware chain, sorted by path. */
  routes(): RouteListing[] {
    return this.#table.describe();
  }

  /** The OpenAPI 3.1 document of what the gateway serves now (also at `/openapi.json`). */
  openapi(): OpenApiDocument {
    const settings =
      this.#options.openapi === false
        ? { title: 'Trellis API', version: '1.0.0', description: undefined }
        : this.#options.openapi;
    const routes: RouteDefinition[] = [];
    for (const slot of this.#table.slots())
      if (slot.owner.phase === 'serving' && slot.current !== undefined) routes.push(slot.current.definition);
    const rest = this.#options.rest;
    return buildOpenApiDocument({
      title: settings.title,
      version: settings.version,
      description: settings.description,
      routes,
      patternCapabilities: exposedByPatterns(this.#host?.capabilities() ?? [], rest),
      restPrefix: rest.prefix,
      restAuth: rest.auth,
      providers: this.authenticator.describe(),
    });
  }

  #add(owner: RouteOwner, definitions: readonly RouteDefinition[]): void {
    for (const definition of definitions) this.#table.add(owner, compileRoute(definition, this.#chainParts));
  }

  #addGatewayRoutes(): void {
    const owner = this.#table.owner(GATEWAY_OWNER);
    this.#table.promote(owner);
    const definitions = {
      owner: GATEWAY_OWNER,
      logger: () => this.#logger,
      clock: this.#options.clock,
      cacheDefaults: {},
    };
    const routes = gatewayRoutes(this.#options, {
      host: () => this.#host,
      health: this.#health,
      openapi: () => this.openapi(),
    });
    for (const route of routes) this.#add(owner, defineRoutes(definitions, route.options, route.docs));
  }

  /** Middleware or auth providers changed: every route's chain is compiled again. */
  #recompile(): void {
    for (const slot of this.#table.slots()) {
      if (slot.current !== undefined) slot.current = compileRoute(slot.current.definition, this.#chainParts);
      if (slot.staged !== undefined) slot.staged = compileRoute(slot.staged.definition, this.#chainParts);
    }
  }

  /** Why a route whose owner does not serve cannot answer, or `undefined` while it is on its way back. */
  #unavailable(slot: RouteSlot): TrellisError | undefined {
    const owner = slot.owner;
    if (owner.phase !== 'detached') return undefined;
    if (owner.pluginState !== 'disabled' && owner.pluginState !== 'failed') return undefined;
    const info = this.#host?.plugins().find((plugin) => plugin.name === owner.name);
    return owner.pluginState === 'disabled'
      ? errors.pluginDisabled(owner.name, undefined, info?.disabledBy)
      : httpErrors.routeUnavailable(slot.method, slot.path, owner.name, info?.error);
  }

  /** A request body that did not arrive within `requestTimeout`: 408, and the connection closes. */
  #expireReceiving(reply: FastifyReply): void {
    if (reply.sent) return;
    reply.header('connection', 'close');
    this.#reporting.sendError(reply.request, reply, httpErrors.requestTimeout(this.#options.requestTimeout));
  }

  /**
   * Withdraws plugin routes Fastify would never reach, because a Fastify route (the GraphQL endpoint) took
   * their path after they were declared: the clash is logged naming both owners. Awaiting
   * {@link HttpGateway.ready} before `host.start()` has the plugin's setup refuse them instead.
   */
  #withdrawShadowedRoutes(): void {
    for (const slot of [...this.#table.slots()]) {
      if (!this.fastify.hasRoute({ method: slot.method, url: slot.path })) continue;
      const error = httpErrors.routeClash(slot.method, slot.path, slot.owner.name, slot.path, GATEWAY_OWNER);
      this.#logger.error(
        { err: error, plugin: slot.owner.name },
        'a plugin route is unreachable and was withdrawn',
      );
      this.#table.remove(slot);
    }
  }
}

/** Creates the HTTP gateway; pass it to `createHost({ surfaces: [httpSurface(options)] })`. */
export function httpSurface(options?: HttpOptions): HttpGateway {
  return new HttpGateway(options);
}
