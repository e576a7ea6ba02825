import type { CallOptions, Principal, TrellisEvent } from '@trellis/core';
import type { AuthRequirement } from '../auth/auth-types.js';
import type { DocumentNode, GraphQLResolveInfo, GraphQLScalarType } from './graphql-js.js';

/** Per-call options a resolver may give `context.call`; the principal and request id are the request's. */
export type GraphqlCallOptions = Omit<CallOptions, 'principal' | 'requestId'>;

/** What every resolver receives as its third argument. */
export interface GraphqlContext {
  /** Who sent the request, when credentials came with it (always, when the operation requires auth). */
  readonly principal: Principal | undefined;
  /** The request's id (HTTP), or the connection's and operation's (WebSocket), for logs and calls. */
  readonly requestId: string;
  /** Calls a capability on behalf of the request: the call carries its principal and request id. */
  call<Result = unknown>(capability: string, params?: unknown, options?: GraphqlCallOptions): Promise<Result>;
  /**
   * Checks the request's credentials against `requirement` (as `@auth` does) and resolves the
   * principal; rejects with `E_UNAUTHENTICATED` or `E_PERMISSION_DENIED`. Checked once per requirement
   * and request.
   */
  authorize(requirement: AuthRequirement): Promise<Principal | undefined>;
}

/**
 * A field resolver. Declared through a method so that parameters are compared bivariantly: resolvers
 * may annotate `source` and `args` with their own types.
 */
export type GraphqlFieldResolver = {
  bivarianceHack(
    source: unknown,
    args: Record<string, unknown>,
    context: GraphqlContext,
    info: GraphQLResolveInfo,
  ): unknown;
}['bivarianceHack'];

/** Where a subscription's events come from: an async iterable, such as `ctx.graphql.fromEvents(...)` returns. */
export type GraphqlSubscribeFunction = {
  bivarianceHack(
    source: unknown,
    args: Record<string, unknown>,
    context: GraphqlContext,
    info: GraphQLResolveInfo,
  ): AsyncIterable<unknown> | Promise<AsyncIterable<unknown>>;
}['bivarianceHack'];

/**
 * A field given as an object. For a `Subscription` field, `subscribe` produces the events; without
 * `resolve`, each event is the field's value as it is.
 */
export interface GraphqlFieldConfig {
  readonly resolve?: GraphqlFieldResolver;
  readonly subscribe?: GraphqlSubscribeFunction;
}

/**
 * Resolvers by type, then by field (`{ Query: { messages: ... } }`), in the usual GraphQL shape:
 * functions or `{ subscribe, resolve }` objects for fields, `__resolveType`/`__isTypeOf` for abstract
 * types, internal values for enum values, or a `GraphQLScalarType` for a custom scalar.
 */
export type GraphqlResolvers = Readonly<
  Record<
    string,
    GraphQLScalarType | Readonly<Record<string, GraphqlFieldResolver | GraphqlFieldConfig | string | number>>
  >
>;

/**
 * What a plugin adds to the schema. `typeDefs` is SDL: new types (`type Message { ... }`), extensions
 * of any type (`extend type Query { messages: [Message!]! }`), enums, inputs, interfaces, unions,
 * scalars and directives. The root types `Query`, `Mutation` and `Subscription` belong to the gateway:
 * plugins add fields to them, and `type Query { ... }` is read as `extend type Query { ... }`. A field
 * or type may carry `@auth` (`@auth`, `@auth(roles: ["admin"], scopes: [...], schemes: [...])`) to
 * require credentials for it.
 */
export interface GraphqlContribution {
  readonly typeDefs: string | DocumentNode;
  readonly resolvers?: GraphqlResolvers;
}

/** Decides, per subscriber, whether an event goes to its subscription. */
export type GraphqlEventFilter<Payload = unknown> = (
  payload: Payload,
  args: Record<string, unknown>,
  context: GraphqlContext,
  event: TrellisEvent,
) => boolean;

/** What `ctx.graphql` is. */
export interface PluginGraphql {
  /**
   * Adds type definitions and resolvers to the merged schema, which is rebuilt on the next request.
   * The schema loses them when the plugin stops.
   *
   * @throws TrellisError `E_GRAPHQL_CLASH` naming both plugins when a type, field or directive is
   *   already contributed by another plugin; `E_GRAPHQL_SDL_INVALID` when the SDL does not parse or holds
   *   operations or a schema definition; `E_GRAPHQL_RESOLVER_INVALID` for a resolver of a type or field
   *   the plugin does not contribute; `E_PLUGIN_STATE` after the plugin stopped.
   */
  extend(contribution: GraphqlContribution): void;
  /**
   * A `subscribe` function whose events are the host events matching `pattern` (each subscriber
   * subscribes through the plugin's context, so `permissions.observes` applies), optionally filtered
   * per subscriber; the payload is the value. The event subscription ends with the GraphQL one.
   */
  fromEvents<Payload = unknown>(
    pattern: string,
    filter?: GraphqlEventFilter<Payload>,
  ): GraphqlSubscribeFunction;
}

/** Options of a {@link GraphqlGateway}. */
export interface GraphqlOptions {
  /** Where queries (GET, POST) and subscriptions (WebSocket, `graphql-transport-ws`) are served. Default `/graphql`. */
  readonly path?: string;
  /** Who may use the endpoint at all; absent: anyone (fields may still require `@auth`). */
  readonly auth?: AuthRequirement;
  /**
   * Ms between pings on subscription sockets (as for the WebSocket hub); a peer that has not answered
   * the previous ping is dropped. 0 turns pings off. Default 30 000.
   */
  readonly heartbeatInterval?: number;
  /** Largest WebSocket message accepted, in bytes; larger ones close the socket with 1009. Default 65 536. */
  readonly maxPayload?: number;
  /** Ms a subscription socket may wait before sending `connection_init`. Default 3 000. */
  readonly connectionInitTimeout?: number;
  /**
   * Events that may wait for one slow subscriber of `fromEvents`; past it the subscription ends with
   * `E_SUBSCRIPTION_OVERFLOW` instead of buffering without bound. Default 1 000.
   */
  readonly subscriptionBufferSize?: number;
  /** Ms a subscription socket gets to answer the closing handshake when the gateway closes. Default 2 000. */
  readonly closeGracePeriod?: number;
}
