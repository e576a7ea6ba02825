import type { Logger } from '@trellis/core';
import { httpErrors } from '../errors/http-errors.js';
import { formatGraphqlError } from './graphql-errors.js';
import type { ExecutionResult, FormattedExecutionResult } from './graphql-js.js';

/** A GraphQL request as sent over HTTP (POST body, or GET query string). */
export interface OperationRequest {
  readonly query: string;
  readonly variables: Record<string, unknown> | undefined;
  readonly operationName: string | undefined;
}

/**
 * Reads the GraphQL request of a POST body or a GET query string (where `variables` is JSON text).
 *
 * @throws TrellisError `E_BAD_REQUEST` saying what is wrong with it.
 */
export function readOperationRequest(method: string, body: unknown, querystring: unknown): OperationRequest {
  const source = method === 'POST' ? body : querystring;
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    throw httpErrors.badRequest(
      method === 'POST'
        ? 'the body must be a JSON object { "query", "variables", "operationName" }'
        : 'the query string must carry query (and optionally variables and operationName)',
    );
  }
  const { query, variables, operationName } = source as Record<string, unknown>;
  if (typeof query !== 'string' || query.trim() === '') {
    throw httpErrors.badRequest('query must be a non-empty string holding a GraphQL document');
  }
  const parsedVariables =
    typeof variables === 'string' && method !== 'POST' ? parseJson('variables', variables) : variables;
  if (
    parsedVariables !== undefined &&
    parsedVariables !== null &&
    (typeof parsedVariables !== 'object' || Array.isArray(parsedVariables))
  ) {
    throw httpErrors.badRequest('variables must be an object of variable values');
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    throw httpErrors.badRequest('operationName must be a string');
  }
  return {
    query,
    variables: (parsedVariables ?? undefined) as Record<string, unknown> | undefined,
    operationName: operationName ?? undefined,
  };
}

function parseJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw httpErrors.badRequest(`${name} must be JSON`);
  }
}

/** Formats an execution result for the client (see {@link formatGraphqlError}). */
export function formatResult(
  result: ExecutionResult,
  logger: Logger,
  requestId: string,
): FormattedExecutionResult {
  return {
    ...(result.errors === undefined
      ? {}
      : { errors: result.errors.map((error) => formatGraphqlError(error, logger, requestId)) }),
    ...('data' in result ? { data: result.data } : {}),
    ...(result.extensions === undefined ? {} : { extensions: result.extensions }),
  };
}
