import { TrellisError } from '@trellis/core';

function describeThrown(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}

/**
 * The error codes the WebSocket hub and the GraphQL gateway add to those of the kernel and the HTTP
 * gateway. Each is made by one factory of {@link realtimeErrors}, except the two of
 * {@link GRAPHQL_REQUEST_CODES}, which label GraphQL's own syntax and validation errors.
 */
export const REALTIME_ERROR_CODES = [
  'E_BAD_MESSAGE',
  'E_WS_ENDPOINT_CLASH',
  'E_WS_ENDPOINT_UNAVAILABLE',
  'E_WS_SLOW_CONSUMER',
  'E_GRAPHQL_SDL_INVALID',
  'E_GRAPHQL_CLASH',
  'E_GRAPHQL_RESOLVER_INVALID',
  'E_GRAPHQL_SCHEMA_INVALID',
  'E_GRAPHQL_NO_SCHEMA',
  'E_GRAPHQL_SYNTAX',
  'E_GRAPHQL_VALIDATION',
  'E_SUBSCRIPTION_OVERFLOW',
] as const;

/** The codes of the GraphQL language's own failures: the operation does not parse, or does not fit the schema. */
export const GRAPHQL_REQUEST_CODES = {
  syntax: 'E_GRAPHQL_SYNTAX',
  validation: 'E_GRAPHQL_VALIDATION',
} as const;

/**
 * Every error the WebSocket hub and the GraphQL gateway raise is made here, so that each code has one
 * message that names what was involved and says what to do. Codes reach clients in WebSocket error
 * frames (`{ "error": { "code": ... } }`) and in GraphQL `extensions.code`. Codes the HTTP gateway
 * already defines (`E_INTERNAL`, `E_BAD_REQUEST`, `E_UNAUTHENTICATED`) come from `httpErrors`.
 */
export const realtimeErrors = {
  /** A WebSocket message the endpoint could not read (its text is not JSON). */
  badMessage(reason: string): TrellisError {
    return new TrellisError(
      'E_BAD_MESSAGE',
      `The message could not be read: ${reason}. Send one JSON value per text message.`,
      { details: { reason } },
    );
  },

  /** Two plugins (or one, twice) registered the same WebSocket path. */
  endpointClash(path: string, owner: string, claimant: string): TrellisError {
    const subject =
      owner === claimant
        ? `Plugin '${claimant}' registered the WebSocket endpoint '${path}' twice.`
        : `Plugin '${claimant}' cannot register the WebSocket endpoint '${path}': plugin '${owner}' already serves it.`;
    return new TrellisError(
      'E_WS_ENDPOINT_CLASH',
      `${subject} Choose another path (endpoints live under the plugin's prefix unless registered with { prefix: false }).`,
      { details: { path, owner, claimant } },
    );
  },

  /** An upgrade reached an endpoint whose plugin is stopped, disabled or being reloaded. */
  endpointUnavailable(path: string, plugin: string): TrellisError {
    return new TrellisError(
      'E_WS_ENDPOINT_UNAVAILABLE',
      `The WebSocket endpoint '${path}' is not available: plugin '${plugin}' is not running (stopped, disabled or reloading). Try again later.`,
      { details: { path, plugin }, retryable: true },
    );
  },

  /** A client read too slowly, so what was queued for it passed the limit. */
  slowConsumer(bufferedBytes: number, limitBytes: number): TrellisError {
    return new TrellisError(
      'E_WS_SLOW_CONSUMER',
      `The connection was dropped: ${bufferedBytes} bytes were waiting to be sent to it, over the limit of ${limitBytes}. Read messages as they arrive, or reconnect and catch up.`,
      { details: { bufferedBytes, limitBytes }, retryable: true },
    );
  },

  /** A plugin's GraphQL type definitions that do not parse or contain something other than types. */
  graphqlSdlInvalid(plugin: string, reason: string): TrellisError {
    return new TrellisError(
      'E_GRAPHQL_SDL_INVALID',
      `The GraphQL type definitions of plugin '${plugin}' are invalid: ${reason}. Fix the SDL passed to ctx.graphql.extend().`,
      { details: { plugin, reason } },
    );
  },

  /** A type, field or directive contributed by two plugins. */
  graphqlClash(
    kind: 'type' | 'field' | 'directive',
    name: string,
    owner: string,
    claimant: string,
  ): TrellisError {
    const ownedBy =
      owner === GRAPHQL_GATEWAY_OWNER
        ? 'it is reserved by the GraphQL gateway'
        : `plugin '${owner}' already defines it`;
    return new TrellisError(
      'E_GRAPHQL_CLASH',
      `Plugin '${claimant}' cannot contribute the GraphQL ${kind} '${name}': ${ownedBy}. Rename one of them, or extend the existing type with new fields instead of redefining it.`,
      { details: { kind, name, owner, claimant } },
    );
  },

  /** A resolver for a field or type the plugin does not contribute itself. */
  graphqlResolverInvalid(plugin: string, target: string, reason: string): TrellisError {
    return new TrellisError(
      'E_GRAPHQL_RESOLVER_INVALID',
      `Plugin '${plugin}' gave a resolver for '${target}', but ${reason}. A plugin resolves only the types and fields its own type definitions contribute.`,
      { details: { plugin, target, reason } },
    );
  },

  /** A contribution that parses but cannot be part of the merged schema (unknown types, bad implementations). */
  graphqlSchemaInvalid(plugin: string, cause: unknown): TrellisError {
    return new TrellisError(
      'E_GRAPHQL_SCHEMA_INVALID',
      `The GraphQL contribution of plugin '${plugin}' was left out of the schema: ${describeThrown(cause)}. Fix its type definitions (or start the plugin that defines the types it uses) and reload it.`,
      { details: { plugin, reason: describeThrown(cause) } },
    );
  },

  /** No running plugin contributes a Query field, so there is no schema to serve. */
  graphqlNoSchema(): TrellisError {
    return new TrellisError(
      'E_GRAPHQL_NO_SCHEMA',
      'No running plugin contributes a Query field, so the GraphQL schema is empty. Start a plugin that calls ctx.graphql.extend() with `extend type Query { ... }`.',
      { retryable: true },
    );
  },

  /** A subscription whose client did not keep up with its events. */
  subscriptionOverflow(pattern: string, limit: number): TrellisError {
    return new TrellisError(
      'E_SUBSCRIPTION_OVERFLOW',
      `The subscription to '${pattern}' was ended: more than ${limit} events were waiting for the client. Read events as they arrive, or subscribe again.`,
      { details: { pattern, limit }, retryable: true },
    );
  },
};

/** The owner recorded for the names the GraphQL gateway itself defines (root types, `@auth`). */
export const GRAPHQL_GATEWAY_OWNER = '(graphql gateway)';
