import { errors, type PluginContext, type Principal, type TrellisError } from '@trellis/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { statusForError } from '../errors/error-status.js';
import { httpErrors } from '../errors/http-errors.js';
import { integerOption } from '../realtime/options.js';
import type { RealtimeDeps } from '../realtime/realtime-deps.js';
import { upgradeRouterOf } from '../realtime/upgrade-router.js';
import { ResolverContext } from './graphql-context.js';
import { formatGraphqlError, graphqlErrorOf } from './graphql-errors.js';
import { formatResult, type OperationRequest, readOperationRequest } from './graphql-http.js';
import { execute, type GraphQLSchema, getOperationAST } from './graphql-js.js';
import type { GraphqlOptions, PluginGraphql } from './graphql-types.js';
import { PluginSchema } from './plugin-schema.js';
import { SchemaRegistry } from './schema-registry.js';
import { SchemaState } from './schema-state.js';
import { SubscriptionServer, type SubscriptionSettings } from './subscription-server.js';

export { GRAPHQL_REQUEST_CODES } from '../errors/realtime-errors.js';
export type {
  GraphqlCallOptions,
  GraphqlContext,
  GraphqlContribution,
  GraphqlEventFilter,
  GraphqlFieldConfig,
  GraphqlFieldResolver,
  GraphqlOptions,
  GraphqlResolvers,
  GraphqlSubscribeFunction,
  PluginGraphql,
} from './graphql-types.js';

/** A plugin's contribution that is not part of the served schema, and why. */
export interface GraphqlSchemaProblem {
  readonly plugin: string;
  readonly error: TrellisError;
}

/**
 * HTTP statuses of the codes only GraphQL answers with; every other code maps as the HTTP gateway
 * maps it (`statusForError`).
 */

/**
 * The GraphQL side of the HTTP surface: plugins add type definitions and resolvers with
 * `ctx.graphql.extend()`, merged into one schema that is served at one path, queries and mutations
 * over HTTP (POST JSON, or GET for queries) and subscriptions over WebSocket (`graphql-transport-ws`).
 *
 * The schema is rebuilt lazily, on the first request after a plugin attached or detached. Resolvers
 * get `context.principal` and `context.call(capability, params)`, which calls as that principal with
 * the request's id; their TrellisErrors reach the client with the code in `extensions.code`, anything
 * else is masked as `E_INTERNAL` and logged.
 */
export class GraphqlGateway {
  readonly #deps: RealtimeDeps;
  readonly #settings: SubscriptionSettings & { readonly subscriptionBufferSize: number };
  readonly #registry = new SchemaRegistry<PluginSchema>();
  readonly #state: SchemaState<PluginSchema>;
  readonly #subscriptions: SubscriptionServer<PluginSchema>;
  #unroute: (() => void) | undefined;
  #registered = false;

  /** @throws TrellisError `E_INVALID_ARGUMENT` for a malformed option. */
  constructor(deps: RealtimeDeps, options: GraphqlOptions = {}) {
    this.#deps = deps;
    const path = options.path ?? '/graphql';
    if (typeof path !== 'string' || !path.startsWith('/') || /[?#\s:*]/.test(path)) {
      throw errors.invalidArgument('The GraphQL path option', "a plain path starting with '/'", path);
    }
    this.#settings = {
      path,
      auth: options.auth,
      heartbeatInterval: integerOption('heartbeatInterval', options.heartbeatInterval, 30_000, 0),
      maxPayload: integerOption('maxPayload', options.maxPayload, 65_536, 1),
      connectionInitTimeout: integerOption('connectionInitTimeout', options.connectionInitTimeout, 3_000, 1),
      closeGracePeriod: integerOption('closeGracePeriod', options.closeGracePeriod, 2_000, 0),
      subscriptionBufferSize: integerOption(
        'subscriptionBufferSize',
        options.subscriptionBufferSize,
        1_000,
        1,
      ),
    };
    this.#state = new SchemaState(this.#registry, () => deps.logger);
    this.#subscriptions = new SubscriptionServer(deps, this.#state, this.#settings);
  }

  /**
   * Serves GET and POST on the path, takes the WebSocket upgrades of the path for subscriptions, and
   * closes the subscription sockets when Fastify closes. Call once, before the server listens. The
   * route exists when the call returns (so the HTTP gateway sees it when plugins declare theirs); the
   * promise only reports a second call.
   */
  async register(fastify: FastifyInstance): Promise<void> {
    if (this.#registered) {
      throw errors.invalidArgument('GraphqlGateway.register()', 'called once', 'a second call');
    }
    this.#registered = true;
    fastify.route({
      method: ['GET', 'POST'],
      url: this.#settings.path,
      exposeHeadRoute: false,
      handler: (request, reply) => this.#serve(request, reply),
    });
    this.#unroute = upgradeRouterOf(fastify).add((request, socket, head) =>
      this.#subscriptions.claim(request, socket, head),
    );
    fastify.addHook('preClose', async () => {
      await this.close();
    });
  }

  /** What a plugin's context gets: `graphql`, and the `detach` its surface calls when the plugin stops. */
  forPlugin(ctx: PluginContext): { readonly graphql: PluginGraphql; detach(): void } {
    const owner = new PluginSchema(ctx, this.#registry, this.#settings.subscriptionBufferSize);
    return { graphql: owner.api, detach: () => owner.detach() };
  }

  /** The schema being served (built now if a plugin changed it); undefined while no plugin adds a Query field. */
  schema(): GraphQLSchema | undefined {
    const current = this.#state.current();
    return 'schema' in current ? current.schema : undefined;
  }

  /** The contributions left out of the schema because they do not fit in it, each with its plugin. */
  problems(): GraphqlSchemaProblem[] {
    return this.#state.problems().map(({ owner, error }) => ({ plugin: owner.plugin, error }));
  }

  /** Stops taking subscription upgrades and closes the subscription sockets with 1001. */
  async close(): Promise<void> {
    this.#unroute?.();
    await this.#subscriptions.close();
  }

  async #serve(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const authRequest = { headers: request.headers, url: request.url };
    let principal: Principal | undefined;
    let operation: OperationRequest;
    try {
      principal = await this.#deps.authenticator.authenticate(authRequest, this.#settings.auth);
      operation = readOperationRequest(request.method, request.body, request.query);
    } catch (error) {
      return this.#fail(reply, error, request.id);
    }
    const current = this.#state.current();
    if ('error' in current) return this.#fail(reply, current.error, request.id);
    const prepared = this.#state.prepare(current.schema, operation.query);
    if (prepared.errors !== undefined) {
      return reply.code(400).send({
        errors: prepared.errors.map((error) => formatGraphqlError(error, this.#deps.logger, request.id)),
      });
    }
    const definition = getOperationAST(prepared.document, operation.operationName);
    if (!definition) {
      const reason =
        operation.operationName === undefined
          ? 'the document holds several operations; name the one to run in operationName'
          : `the document has no operation named '${operation.operationName}'`;
      return this.#fail(reply, httpErrors.badRequest(reason), request.id);
    }
    if (definition.operation === 'subscription') {
      const reason = `subscriptions are served over WebSocket at ${this.#settings.path} (protocol graphql-transport-ws)`;
      return this.#fail(reply, httpErrors.badRequest(reason), request.id);
    }
    if (definition.operation === 'mutation' && request.method !== 'POST') {
      reply.header('allow', 'POST');
      return this.#fail(
        reply,
        httpErrors.methodNotAllowed(request.method, this.#settings.path, ['POST']),
        request.id,
      );
    }
    const result = await execute({
      schema: current.schema,
      document: prepared.document,
      operationName: operation.operationName,
      variableValues: operation.variables,
      contextValue: new ResolverContext(this.#deps, authRequest, principal, request.id),
    });
    return reply.code(200).send(formatResult(result, this.#deps.logger, request.id));
  }

  /** Answers a request-level failure as GraphQL does: `{ errors: [...] }`, with the code's status. */
  #fail(reply: FastifyReply, error: unknown, requestId: string): FastifyReply {
    const status = statusForError(error);
    return reply
      .code(status)
      .send({ errors: [formatGraphqlError(graphqlErrorOf(error), this.#deps.logger, requestId)] });
  }
}
