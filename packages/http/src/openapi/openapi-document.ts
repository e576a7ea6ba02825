import type { CapabilityDescription, Schema } from '@trellis/core';
import { isSchema } from '@trellis/core';
import type { AuthRequirement } from '../auth/auth-types.js';
import type { AuthProviderDescription } from '../auth/gateway-authenticator.js';
import type { ResolvedRestOptions } from '../rest/rest-exposure.js';
import type { RouteDefinition } from '../routes/compiled-route.js';
import { openApiPath } from '../routes/route-paths.js';
import { type JsonSchema, schemaParameters, toJsonSchema } from './json-schema.js';

/** A capability the document describes as a REST operation (exposed by a `rest.expose` pattern). */
export interface ExposedCapability {
  readonly name: string;
  readonly plugin: string;
  readonly description: string | undefined;
  readonly params?: Schema | undefined;
  readonly result?: Schema | undefined;
}

/**
 * The capabilities `rest.expose` patterns expose, with their params and result schemas when the kernel's
 * description carries them (named `params` and `result`, like the capability's options).
 */
export function exposedByPatterns(
  capabilities: readonly CapabilityDescription[],
  rest: Pick<ResolvedRestOptions, 'patterns' | 'patternSources'>,
): ExposedCapability[] {
  if (rest.patternSources.length === 0) return [];
  return capabilities
    .filter((capability) => rest.patterns.matches(capability.name))
    .map((capability) => {
      const { params, result } = capability as CapabilityDescription & { params?: unknown; result?: unknown };
      return {
        name: capability.name,
        plugin: capability.plugin,
        description: capability.description,
        ...(isSchema(params) ? { params } : {}),
        ...(isSchema(result) ? { result } : {}),
      };
    });
}

/** Everything the document is built from. */
export interface OpenApiSources {
  readonly title: string;
  readonly version: string;
  readonly description: string | undefined;
  /** The routes that answer now (plugin routes, capabilities plugins expose, the gateway's documented ones). */
  readonly routes: readonly RouteDefinition[];
  /** Capabilities exposed by `rest.expose` patterns, served at `POST <restPrefix>/<name>`. */
  readonly patternCapabilities: readonly ExposedCapability[];
  readonly restPrefix: string;
  /** Who may call pattern-exposed capabilities. */
  readonly restAuth: AuthRequirement | undefined;
  readonly providers: readonly AuthProviderDescription[];
}

/** An OpenAPI 3.1 document. */
export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description?: string };
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: Record<string, unknown>;
}

/** One operation of the document. */
export type Operation = Record<string, unknown>;

const ERROR_RESPONSE = { $ref: '#/components/responses/Error' };
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Builds the OpenAPI 3.1 document of what the gateway serves right now: plugin routes (with their request
 * and response schemas), capabilities plugins expose (their params and result schemas) and capabilities
 * exposed by patterns, the auth schemes providers registered, and the error body every operation may answer.
 */
export function buildOpenApiDocument(sources: OpenApiSources): OpenApiDocument {
  const paths: Record<string, Record<string, Operation>> = {};
  const add = (method: string, path: string, operation: Operation) => {
    const converted = openApiPath(path).path;
    paths[converted] ??= {};
    paths[converted][method.toLowerCase()] = operation;
  };
  const security = (requirement: AuthRequirement | undefined) => securityOf(requirement, sources.providers);
  for (const route of sources.routes) {
    if (route.docs.hidden === true) continue;
    add(route.method, route.path, routeOperation(route, security(route.auth)));
  }
  for (const capability of sources.patternCapabilities) {
    const path = `${sources.restPrefix}/${capability.name}`;
    if (paths[path]?.post !== undefined) continue;
    add('POST', path, capabilityOperation(capability, 'POST', [], security(sources.restAuth)));
  }
  return {
    openapi: '3.1.0',
    info: {
      title: sources.title,
      version: sources.version,
      ...(sources.description === undefined ? {} : { description: sources.description }),
    },
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      responses: {
        Error: {
          description: 'The error body every operation answers with on failure.',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
      securitySchemes: Object.fromEntries(
        sources.providers.map((provider) => [provider.scheme, securityScheme(provider)]),
      ),
    },
  };
}

function routeOperation(route: RouteDefinition, security: Operation): Operation {
  const pathParameters = openApiPath(route.path).parameters.map((parameter) => ({
    name: parameter.name,
    in: 'path',
    required: true,
    schema:
      parameter.pattern === undefined ? { type: 'string' } : { type: 'string', pattern: parameter.pattern },
  }));
  const capability = route.docs.capability;
  if (capability !== undefined) {
    return capabilityOperation(
      {
        name: capability.name,
        plugin: route.owner,
        description: route.docs.description,
        params: capability.params,
        result: capability.result,
      },
      route.method,
      pathParameters,
      security,
      route,
    );
  }
  const schema = route.schema;
  const parameters = [
    ...(schema?.params === undefined
      ? pathParameters
      : (schemaParameters(toJsonSchema(schema.params, 'input'), 'path') ?? pathParameters)),
    ...(schema?.querystring === undefined
      ? []
      : (schemaParameters(toJsonSchema(schema.querystring, 'input'), 'query') ?? [])),
  ];
  return {
    operationId: operationId(route.method, route.path),
    ...describe(route.docs.summary, route.docs.description),
    tags: [...(route.docs.tags ?? [route.owner])],
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(schema?.body === undefined ? {} : { requestBody: jsonBody(toJsonSchema(schema.body, 'input')) }),
    responses: {
      '200': {
        description: 'Success.',
        ...(schema?.response === undefined
          ? {}
          : { content: { 'application/json': { schema: toJsonSchema(schema.response, 'output') } } }),
      },
      default: ERROR_RESPONSE,
    },
    ...security,
  };
}

function capabilityOperation(
  capability: ExposedCapability,
  method: string,
  pathParameters: readonly Record<string, unknown>[],
  security: Operation,
  route?: RouteDefinition,
): Operation {
  const params = toJsonSchema(capability.params, 'input');
  const inBody = BODY_METHODS.has(method);
  const queryParameters = inBody
    ? []
    : (schemaParameters(params, 'query') ?? []).filter(
        (parameter) => !pathParameters.some((pathParameter) => pathParameter.name === parameter.name),
      );
  const parameters = [...pathParameters, ...queryParameters];
  return {
    operationId: capability.name,
    ...describe(route?.docs.summary ?? `Calls capability '${capability.name}'.`, capability.description),
    tags: [...(route?.docs.tags ?? [capability.plugin])],
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(inBody ? { requestBody: jsonBody(params) } : {}),
    responses: {
      '200': {
        description: "The capability's result.",
        content: { 'application/json': { schema: toJsonSchema(capability.result, 'output') } },
      },
      default: ERROR_RESPONSE,
    },
    'x-trellis-capability': capability.name,
    ...security,
  };
}

function describe(summary: string | undefined, description: string | undefined): Operation {
  return {
    ...(summary === undefined ? {} : { summary }),
    ...(description === undefined ? {} : { description }),
  };
}

function jsonBody(schema: JsonSchema): Operation {
  return { required: true, content: { 'application/json': { schema } } };
}

function operationId(method: string, path: string): string {
  return `${method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+/g, '_')}`.replace(/_$/, '');
}

/** `security` of an operation: one alternative per allowed scheme, naming required roles and scopes. */
function securityOf(
  requirement: AuthRequirement | undefined,
  providers: readonly AuthProviderDescription[],
): Operation {
  if (requirement === undefined || requirement === false) return {};
  const required = requirement === true ? {} : requirement;
  const schemes = required.schemes ?? providers.map((provider) => provider.scheme);
  const grants = [...(required.roles ?? []), ...(required.scopes ?? [])];
  return { security: schemes.map((scheme) => ({ [scheme]: grants })) };
}

function securityScheme(provider: AuthProviderDescription): Record<string, unknown> {
  if (provider.openapi !== undefined) return { ...provider.openapi };
  const description = provider.description === undefined ? {} : { description: provider.description };
  if (provider.scheme === 'bearer' || provider.scheme === 'basic')
    return { type: 'http', scheme: provider.scheme, ...description };
  return {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: provider.description ?? `Authorization: ${provider.scheme} <credentials>`,
  };
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: {
          type: 'string',
          pattern: '^E_[A-Z0-9_]+$',
          description: 'Stable, machine-readable error code.',
        },
        message: { type: 'string', description: 'What happened and what to do, for people.' },
        details: {
          type: 'object',
          description: 'Structured facts about the failure, including the request id.',
        },
      },
    },
  },
};
