import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '@trellis/core';

/**
 * What a route, exposed capability, WebSocket endpoint or GraphQL operation needs from the caller.
 * `false` or absent: anyone. `true`: any authenticated principal. An object: authenticated, and holding
 * every listed role and scope (optionally only through the listed schemes).
 */
export type AuthRequirement =
  | boolean
  | {
      readonly roles?: readonly string[];
      readonly scopes?: readonly string[];
      readonly schemes?: readonly string[];
    };

/** The parts of a request an auth provider may look at (HTTP request or WebSocket upgrade). */
export interface AuthRequest {
  readonly headers: IncomingHttpHeaders;
  /** Path and query string as received, e.g. `/ws/chat?token=...`. */
  readonly url: string;
}

/**
 * Verifies a request's credentials for one scheme. Resolves the principal; `undefined` when the request
 * carries no credentials for this scheme (the next provider is tried); throws (any error, or a
 * `TrellisError`) when it carries credentials that are invalid.
 */
export type VerifyFunction = (request: AuthRequest) => Principal | undefined | Promise<Principal | undefined>;

/** The gateway's authentication, as every surface module uses it. */
export interface Authenticator {
  /**
   * Resolves the request's principal (or `undefined` when the requirement lets anonymous callers in).
   * Rejects with `E_UNAUTHENTICATED` (no or invalid credentials where they are required) or
   * `E_PERMISSION_DENIED` (authenticated, but missing a role, scope or scheme).
   */
  authenticate(
    request: AuthRequest,
    requirement: AuthRequirement | undefined,
  ): Promise<Principal | undefined>;
}

/** How an auth provider is described to people and in the OpenAPI document. */
export interface AuthProviderOptions {
  /** One line for people, shown in the OpenAPI document and on `/docs`. */
  readonly description?: string;
  /**
   * The OpenAPI security scheme object for this scheme. Default: `{ type: 'http', scheme }` for `bearer`
   * and `basic`, else an API key read from the `Authorization` header.
   */
  readonly openapi?: Readonly<Record<string, unknown>>;
}

/**
 * `ctx.auth`: what a plugin uses to teach the gateway a way to authenticate requests. Providers are
 * removed when the plugin stops.
 */
export interface PluginAuth {
  /**
   * Registers the provider of `scheme` (`bearer`, `api-key`...; case-insensitive, one provider per
   * scheme across the host). A request whose `Authorization` header names the scheme is verified by it
   * first; the other providers are tried after, in the order they were registered.
   *
   * @throws TrellisError `E_AUTH_PROVIDER_DUPLICATE` when another plugin provides the scheme,
   *   `E_INVALID_ARGUMENT` for a malformed scheme name or a `verify` that is not a function.
   */
  provide(scheme: string, verify: VerifyFunction, options?: AuthProviderOptions): void;
}
