import { TrellisError, type ValidationIssue } from '@trellis/core';

/** The error codes `@trellis/http` adds to the kernel's; each is made by one factory of {@link httpErrors}. */
export const HTTP_ERROR_CODES = [
  'E_BAD_REQUEST',
  'E_ROUTE_NOT_FOUND',
  'E_METHOD_NOT_ALLOWED',
  'E_ROUTE_CLASH',
  'E_ROUTE_INVALID',
  'E_PAYLOAD_TOO_LARGE',
  'E_UNSUPPORTED_MEDIA_TYPE',
  'E_HEADERS_TOO_LARGE',
  'E_REQUEST_TIMEOUT',
  'E_UNAUTHENTICATED',
  'E_AUTH_PROVIDER_DUPLICATE',
  'E_AUTH_PROVIDER_INVALID',
  'E_HEALTH_CHECK_DUPLICATE',
  'E_GATEWAY_CLOSING',
  'E_SURFACE_DISABLED',
  'E_INTERNAL',
] as const;

/** Who owns a route: a plugin's name, or the gateway itself for its built-in routes. */
export type RouteOwnerName = string;

/** The owner name of the routes the gateway serves itself (`/health/*`, `/metrics`, `/openapi.json`...). */
export const GATEWAY_OWNER = 'http gateway';

function describeOwner(owner: RouteOwnerName): string {
  return owner === GATEWAY_OWNER ? 'the HTTP gateway itself' : `plugin '${owner}'`;
}

function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .map((issue) => (issue.path === '' ? `- ${issue.message}` : `- ${issue.path}: ${issue.message}`))
    .join('\n');
}

/**
 * Every error `@trellis/http` raises is made here, so each code has one message that names what was
 * involved (route, plugin, scheme, limit) and says what to do.
 */
export const httpErrors = {
  badRequest(reason: string): TrellisError {
    return new TrellisError(
      'E_BAD_REQUEST',
      `The request is malformed: ${reason}. Fix the request and send it again.`,
      {
        details: { reason },
      },
    );
  },

  routeNotFound(method: string, path: string): TrellisError {
    return new TrellisError(
      'E_ROUTE_NOT_FOUND',
      `No route answers ${method} ${path}. Check the path and method; the routes with documented operations are listed in /openapi.json.`,
      { details: { method, path } },
    );
  },

  methodNotAllowed(method: string, path: string, allowed: readonly string[]): TrellisError {
    return new TrellisError(
      'E_METHOD_NOT_ALLOWED',
      `${path} does not answer ${method}; it answers ${allowed.join(', ')}.`,
      { details: { method, path, allowed } },
    );
  },

  routeClash(
    method: string,
    path: string,
    owner: RouteOwnerName,
    existingPath: string,
    existingOwner: RouteOwnerName,
  ): TrellisError {
    const same =
      existingPath === path
        ? 'the same route'
        : `route ${method} ${existingPath}, which matches the same requests`;
    return new TrellisError(
      'E_ROUTE_CLASH',
      `${describeOwner(owner)} cannot add route ${method} ${path}: ${describeOwner(existingOwner)} already has ${same}. Give one of them another path (routes live under their plugin's prefix unless registered with prefix: false).`,
      { details: { method, path, owner, existingPath, existingOwner } },
    );
  },

  routeInvalid(owner: RouteOwnerName, what: string, expected: string, received: unknown): TrellisError {
    return new TrellisError(
      'E_ROUTE_INVALID',
      `${describeOwner(owner)} declared an invalid route: ${what} must be ${expected}; got ${describeValue(received)}.`,
      { details: { owner, what, expected } },
    );
  },

  requestInvalid(
    route: string,
    part: 'params' | 'querystring' | 'body',
    issues: readonly ValidationIssue[],
  ): TrellisError {
    return new TrellisError(
      'E_VALIDATION',
      `The request's ${part} do not match what ${route} accepts:\n${formatIssues(issues)}`,
      { details: { route, part, issues } },
    );
  },

  responseInvalid(route: string, issues: readonly ValidationIssue[]): TrellisError {
    return new TrellisError(
      'E_VALIDATION',
      `The handler of ${route} returned a response its response schema rejects:\n${formatIssues(issues)}`,
      { details: { route, direction: 'result', issues } },
    );
  },

  payloadTooLarge(limitBytes: number): TrellisError {
    return new TrellisError(
      'E_PAYLOAD_TOO_LARGE',
      `The request body is larger than the gateway's limit of ${limitBytes} bytes. Send less data per request, or raise httpSurface({ bodyLimit }).`,
      { details: { limitBytes } },
    );
  },

  unsupportedMediaType(contentType: string | undefined): TrellisError {
    return new TrellisError(
      'E_UNSUPPORTED_MEDIA_TYPE',
      `The gateway cannot read a body of type '${contentType ?? '(none)'}'. Send application/json (or text/plain).`,
      { details: { contentType: contentType ?? null } },
    );
  },

  headersTooLarge(limitBytes: number): TrellisError {
    return new TrellisError(
      'E_HEADERS_TOO_LARGE',
      `The request headers are larger than the gateway's limit of ${limitBytes} bytes. Send fewer or shorter headers (large cookies are the usual cause).`,
      { details: { limitBytes } },
    );
  },

  requestTimeout(timeoutMs: number): TrellisError {
    return new TrellisError(
      'E_REQUEST_TIMEOUT',
      `The request was not received completely within ${timeoutMs} ms. Send the whole request promptly.`,
      { details: { timeoutMs }, retryable: true },
    );
  },

  handlerTimeout(route: string, timeoutMs: number): TrellisError {
    return new TrellisError(
      'E_TIMEOUT',
      `${route} did not answer within ${timeoutMs} ms, so the gateway gave up. Try again later; if it keeps happening, the handler is stuck or the gateway's handlerTimeout is too short.`,
      { details: { route, timeoutMs }, retryable: true },
    );
  },

  unauthenticated(reason: string, schemes: readonly string[]): TrellisError {
    const how =
      schemes.length === 0
        ? 'No auth provider is registered, so nobody can authenticate.'
        : `Authenticate with ${schemes.map((scheme) => `'${scheme}'`).join(' or ')}.`;
    return new TrellisError('E_UNAUTHENTICATED', `${reason} ${how}`, { details: { schemes } });
  },

  accessDenied(
    principal: string,
    missing: {
      readonly roles: readonly string[];
      readonly scopes: readonly string[];
      readonly schemes: readonly string[];
    },
  ): TrellisError {
    const parts: string[] = [];
    if (missing.roles.length > 0) parts.push(`role ${missing.roles.map((role) => `'${role}'`).join(', ')}`);
    if (missing.scopes.length > 0)
      parts.push(`scope ${missing.scopes.map((scope) => `'${scope}'`).join(', ')}`);
    if (missing.schemes.length > 0)
      parts.push(`authentication through ${missing.schemes.map((scheme) => `'${scheme}'`).join(' or ')}`);
    return new TrellisError(
      'E_PERMISSION_DENIED',
      `'${principal}' is authenticated but lacks ${parts.join(' and ')}, which this operation requires. Ask for the missing grant, or call with other credentials.`,
      {
        details: {
          principal,
          missingRoles: missing.roles,
          missingScopes: missing.scopes,
          ...(missing.schemes.length === 0 ? {} : { requiredSchemes: missing.schemes }),
        },
      },
    );
  },

  authProviderDuplicate(scheme: string, owner: string, claimant: string): TrellisError {
    return new TrellisError(
      'E_AUTH_PROVIDER_DUPLICATE',
      `Auth scheme '${scheme}' is already provided by plugin '${owner}', so plugin '${claimant}' cannot provide it too. Use another scheme name; each scheme has one provider.`,
      { details: { scheme, owner, claimant } },
    );
  },

  authProviderInvalid(scheme: string, plugin: string, received: unknown): TrellisError {
    return new TrellisError(
      'E_AUTH_PROVIDER_INVALID',
      `The '${scheme}' auth provider of plugin '${plugin}' resolved ${describeValue(received)}, which is not a principal. A provider resolves { id, scheme, roles?, scopes?, claims? } or undefined.`,
      { details: { scheme, plugin } },
    );
  },

  healthCheckDuplicate(plugin: string, check: string): TrellisError {
    return new TrellisError(
      'E_HEALTH_CHECK_DUPLICATE',
      `Plugin '${plugin}' registers health check '${check}' twice. Give each check its own name.`,
      { details: { plugin, check } },
    );
  },

  rateLimited(route: string, client: string, retryAfterMs: number): TrellisError {
    return new TrellisError(
      'E_RATE_LIMITED',
      `Too many requests to ${route} from this client; try again in ${retryAfterMs} ms.`,
      { details: { route, client, retryAfterMs }, retryable: true },
    );
  },

  routeUnavailable(
    method: string,
    path: string,
    plugin: string,
    cause: TrellisError | undefined,
  ): TrellisError {
    return new TrellisError(
      'E_PLUGIN_FAILED',
      `Route ${method} ${path} is not available because plugin '${plugin}' failed${cause === undefined ? '' : ` (${cause.code}: ${cause.message})`}. Fix the plugin, then host.reload('${plugin}') or host.enable('${plugin}').`,
      { details: { plugin, method, path } },
    );
  },

  capabilityNotExposed(capability: string, path: string): TrellisError {
    return new TrellisError(
      'E_CAPABILITY_NOT_FOUND',
      `No capability '${capability}' is exposed at POST ${path}. The exposed capabilities are listed in /openapi.json.`,
      { details: { capability } },
    );
  },

  capabilityFailed(capability: string, plugin: string): TrellisError {
    return new TrellisError(
      'E_CAPABILITY_FAILED',
      `Capability '${capability}' of plugin '${plugin}' failed with an unexpected error; its details are in the server log under this request's id.`,
      { details: { capability, plugin } },
    );
  },

  clientGone(): TrellisError {
    return new TrellisError('E_ABORTED', 'The client closed the connection before the response was sent.');
  },

  gatewayClosing(): TrellisError {
    return new TrellisError(
      'E_GATEWAY_CLOSING',
      'The HTTP gateway is shutting down and takes no new work. Try again against another instance, or after the restart.',
      { retryable: true },
    );
  },

  surfaceDisabled(member: string, option: string): TrellisError {
    return new TrellisError(
      'E_SURFACE_DISABLED',
      `ctx.${member} is not available: this host's gateway was created with httpSurface({ ${option}: false }). Turn it on there, or check for it before use.`,
      { details: { member, option } },
    );
  },

  internal(): TrellisError {
    return new TrellisError(
      'E_INTERNAL',
      'The server failed to handle the request. The cause is in the server log under this request id.',
    );
  },
} as const;

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
