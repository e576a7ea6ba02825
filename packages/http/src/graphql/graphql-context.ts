import { errors, type Principal } from '@trellis/core';
import type { AuthRequest, AuthRequirement } from '../auth/auth-types.js';
import type { RealtimeDeps } from '../realtime/realtime-deps.js';
import type { GraphqlCallOptions, GraphqlContext } from './graphql-types.js';

/** The context of one GraphQL operation (an HTTP request, or one operation on a subscription socket). */
export class ResolverContext implements GraphqlContext {
  readonly principal: Principal | undefined;
  readonly requestId: string;
  readonly #request: AuthRequest;
  readonly #deps: RealtimeDeps;
  /** One check per requirement: a query with many `@auth` fields verifies the credentials once each. */
  readonly #authorizations = new Map<string, Promise<Principal | undefined>>();

  constructor(deps: RealtimeDeps, request: AuthRequest, principal: Principal | undefined, requestId: string) {
    this.#deps = deps;
    this.#request = request;
    this.principal = principal;
    this.requestId = requestId;
  }

  call<Result = unknown>(
    capability: string,
    params?: unknown,
    options: GraphqlCallOptions = {},
  ): Promise<Result> {
    const host = this.#deps.host();
    if (host === undefined) {
      return Promise.reject(
        errors.hostState(
          'not started',
          `call '${capability}' from a GraphQL resolver`,
          'start the host first',
        ),
      );
    }
    return host.call<Result>(capability, params, {
      ...options,
      principal: this.principal,
      requestId: this.requestId,
    });
  }

  authorize(requirement: AuthRequirement): Promise<Principal | undefined> {
    const key = JSON.stringify(requirement);
    let authorization = this.#authorizations.get(key);
    if (authorization === undefined) {
      authorization = this.#deps.authenticator.authenticate(this.#request, requirement);
      this.#authorizations.set(key, authorization);
    }
    return authorization;
  }
}
