import { type Logger, TrellisError } from '@trellis/core';
import { GRAPHQL_REQUEST_CODES } from '../errors/realtime-errors.js';
import { toWireError } from '../realtime/wire-error.js';
import { GraphQLError, type GraphQLFormattedError } from './graphql-js.js';

/** A GraphQL error carrying `code`, for failures GraphQL itself reports (a syntax error). */
export function codedGraphqlError(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { ...error.extensions, code },
  });
}

/** A GraphQL error for a failure outside any resolver (auth, no schema), formatted like a resolver's. */
export function graphqlErrorOf(error: unknown): GraphQLError {
  const originalError = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(originalError.message, { originalError });
}

/**
 * What a client sees of a GraphQL error, with the Trellis code in `extensions.code`:
 *
 * - thrown by a resolver (or an event source) as a TrellisError: its code, message, details;
 * - anything else a resolver threw: masked as `E_INTERNAL`, and logged here with the request id;
 * - GraphQL's own errors keep their message: a preset code (`E_GRAPHQL_SYNTAX`), else
 *   `E_GRAPHQL_VALIDATION` for request errors (no path: validation, variables) and `E_INTERNAL` for
 *   errors while executing (a null in a non-null field).
 */
export function formatGraphqlError(
  error: GraphQLError,
  logger: Logger,
  requestId: string,
): GraphQLFormattedError {
  const { message, locations, path, extensions } = error.toJSON();
  const located = {
    ...(locations === undefined ? {} : { locations }),
    ...(path === undefined ? {} : { path }),
  };
  const cause = rootCause(error);
  if (cause !== undefined) {
    if (!TrellisError.is(cause)) logger.error({ err: cause, requestId, path }, 'a GraphQL resolver failed');
    const { code, message: exposed, details, retryable } = toWireError(cause);
    return {
      message: exposed,
      ...located,
      extensions: {
        code,
        ...(Object.keys(details).length === 0 ? {} : { details }),
        ...(retryable ? { retryable } : {}),
      },
    };
  }
  const preset = extensions?.code;
  const code =
    typeof preset === 'string'
      ? preset
      : path === undefined
        ? GRAPHQL_REQUEST_CODES.validation
        : 'E_INTERNAL';
  return { message, ...located, extensions: { ...extensions, code } };
}

/** The error behind `error`, through the GraphQL errors that wrap it; undefined for GraphQL's own. */
function rootCause(error: GraphQLError): unknown {
  let cause: unknown = error.originalError;
  while (cause instanceof GraphQLError && cause.originalError !== undefined && cause.originalError !== null) {
    cause = cause.originalError;
  }
  return cause ?? undefined;
}
