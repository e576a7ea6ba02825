/**
 * Who a request acts for, as an auth provider established it (`@trellis/http` verifies credentials with
 * the providers plugins register). It travels in the call context (`call.principal`) to every capability
 * the request reaches, nested calls included.
 */
export interface Principal {
  /** Stable id of the user, service or key. */
  readonly id: string;
  /** The auth scheme that verified it (`bearer`, `api-key`...). */
  readonly scheme: string;
  /** Roles for coarse-grained checks (`admin`). */
  readonly roles?: readonly string[];
  /** Scopes for fine-grained checks (`users:read`). */
  readonly scopes?: readonly string[];
  /** Anything else the provider knows (name, tenant, token expiry); JSON-safe. */
  readonly claims?: Readonly<Record<string, unknown>>;
}
