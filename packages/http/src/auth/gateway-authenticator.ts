import { errors, type Logger, type Principal, TrellisError } from '@trellis/core';
import { httpErrors } from '../errors/http-errors.js';
import type {
  Authenticator,
  AuthProviderOptions,
  AuthRequest,
  AuthRequirement,
  VerifyFunction,
} from './auth-types.js';

/** A registered auth provider, as the OpenAPI document describes it. */
export interface AuthProviderDescription {
  /** The scheme, lower-case. */
  readonly scheme: string;
  /** The plugin that provides it. */
  readonly plugin: string;
  readonly description: string | undefined;
  readonly openapi: Readonly<Record<string, unknown>> | undefined;
}

interface Provider extends AuthProviderDescription {
  readonly verify: VerifyFunction;
}

/** RFC 9110 token characters, which is what an `Authorization` scheme may be made of. */
const SCHEME_PATTERN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * The gateway's {@link Authenticator}: the providers plugins registered with `ctx.auth.provide`, tried
 * per request (the one named by the `Authorization` header first, then the others in registration order),
 * and the check of a route's {@link AuthRequirement} against the principal found. Nothing is cached
 * between requests: a revoked token fails on its next use.
 */
export class GatewayAuthenticator implements Authenticator {
  readonly #providers = new Map<string, Provider>();
  readonly #logger: () => Logger;
  readonly #onChange: () => void;

  /**
   * @param logger - where rejected credentials are logged (at debug level: they are routine).
   * @param onChange - told when providers come or go, so compiled routes can include or drop the step.
   */
  constructor(logger: () => Logger, onChange: () => void = () => {}) {
    this.#logger = logger;
    this.#onChange = onChange;
  }

  /** True when at least one provider is registered. */
  get active(): boolean {
    return this.#providers.size > 0;
  }

  /** The registered schemes, in the order they are tried after the `Authorization` header's own. */
  schemes(): string[] {
    return [...this.#providers.keys()];
  }

  /** Every provider with its owner and documentation. */
  describe(): AuthProviderDescription[] {
    return [...this.#providers.values()].map(({ verify: _verify, ...description }) => description);
  }

  /** Registers `plugin`'s provider of `scheme`; see `PluginAuth.provide`. */
  provide(plugin: string, scheme: string, verify: VerifyFunction, options: AuthProviderOptions = {}): void {
    if (typeof scheme !== 'string' || !SCHEME_PATTERN.test(scheme))
      throw errors.invalidArgument(
        'An auth scheme',
        'a non-empty HTTP token such as bearer or api-key',
        scheme,
      );
    if (typeof verify !== 'function')
      throw errors.invalidArgument(`The verify function of scheme '${scheme}'`, 'a function', verify);
    const key = scheme.toLowerCase();
    const existing = this.#providers.get(key);
    if (existing !== undefined) throw httpErrors.authProviderDuplicate(key, existing.plugin, plugin);
    this.#providers.set(key, {
      scheme: key,
      plugin,
      verify,
      description: options.description,
      openapi: options.openapi,
    });
    this.#onChange();
  }

  /** Removes every provider `plugin` registered (it stopped). */
  removeProvidersOf(plugin: string): void {
    let removed = false;
    for (const [scheme, provider] of this.#providers) {
      if (provider.plugin !== plugin) continue;
      this.#providers.delete(scheme);
      removed = true;
    }
    if (removed) this.#onChange();
  }

  /** Identifies the request's principal with the providers, then checks it with {@link authorize}. */
  async authenticate(
    request: AuthRequest,
    requirement: AuthRequirement | undefined,
  ): Promise<Principal | undefined> {
    const principal = this.#providers.size === 0 ? undefined : await this.#identify(request);
    return this.authorize(principal, requirement);
  }

  /**
   * Checks `principal` against `requirement`: resolves it (or `undefined` when anonymous callers are let
   * in), or throws `E_UNAUTHENTICATED` (401) / `E_PERMISSION_DENIED` (403) naming what is missing.
   */
  authorize(
    principal: Principal | undefined,
    requirement: AuthRequirement | undefined,
  ): Principal | undefined {
    if (requirement === undefined || requirement === false) return principal;
    const required = requirement === true ? {} : requirement;
    if (principal === undefined) {
      throw httpErrors.unauthenticated(
        'This operation requires authentication, and the request carries no credentials a provider accepted.',
        required.schemes ?? this.schemes(),
      );
    }
    const missingRoles = (required.roles ?? []).filter((role) => !principal.roles?.includes(role));
    const missingScopes = (required.scopes ?? []).filter((scope) => !principal.scopes?.includes(scope));
    const schemes = required.schemes;
    const wrongScheme = schemes !== undefined && !schemes.includes(principal.scheme);
    if (missingRoles.length > 0 || missingScopes.length > 0 || wrongScheme) {
      throw httpErrors.accessDenied(principal.id, {
        roles: missingRoles,
        scopes: missingScopes,
        schemes: wrongScheme ? schemes : [],
      });
    }
    return principal;
  }

  async #identify(request: AuthRequest): Promise<Principal | undefined> {
    const header = request.headers.authorization;
    let named: Provider | undefined;
    if (typeof header === 'string') {
      const space = header.indexOf(' ');
      named = this.#providers.get((space === -1 ? header : header.slice(0, space)).toLowerCase());
      if (named !== undefined) {
        const principal = await this.#verify(named, request);
        if (principal !== undefined) return principal;
      }
    }
    for (const provider of this.#providers.values()) {
      if (provider === named) continue;
      const principal = await this.#verify(provider, request);
      if (principal !== undefined) return principal;
    }
    return undefined;
  }

  async #verify(provider: Provider, request: AuthRequest): Promise<Principal | undefined> {
    let principal: Principal | undefined;
    try {
      principal = await provider.verify(request);
    } catch (cause) {
      // Other TrellisErrors (a provider's own rate limit, an unavailable identity service) keep their code.
      if (cause instanceof TrellisError && cause.code !== 'E_UNAUTHENTICATED') throw cause;
      this.#logger().debug({ scheme: provider.scheme, err: cause }, 'credentials rejected');
      const reason = cause instanceof TrellisError ? ` (${cause.message})` : '';
      throw httpErrors.unauthenticated(
        `The credentials for scheme '${provider.scheme}' were rejected${reason}.`,
        this.schemes(),
      );
    }
    if (principal === undefined) return undefined;
    if (typeof principal !== 'object' || principal === null || typeof principal.id !== 'string') {
      throw httpErrors.authProviderInvalid(provider.scheme, provider.plugin, principal);
    }
    return typeof principal.scheme === 'string' ? principal : { ...principal, scheme: provider.scheme };
  }
}
