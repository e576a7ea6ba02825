import type { CallContext } from '../capabilities/call-context.js';

/** Runs the rest of the chain (inner middleware, then the handler) and resolves with its result. */
export type Next = () => Promise<unknown>;

/**
 * Onion-style middleware: code before `await next()` runs on the way in, code after it on the way out,
 * and a `try/catch` around it sees every failure of the inner layers. Whatever it returns is the result.
 * Calling `next()` more than once (to retry) is allowed.
 */
export type Middleware = (call: CallContext, next: Next) => unknown;

/** Where a middleware applies. */
export type MiddlewareScope = 'host' | 'plugin' | 'capability';

/** A middleware as the host keeps it: with a name for introspection and the plugin that contributed it. */
export interface MiddlewareEntry {
  readonly name: string;
  readonly middleware: Middleware;
  /** The contributing plugin, or `'host'`. */
  readonly owner: string;
  readonly scope: MiddlewareScope;
}

/** Options for registering middleware. */
export interface MiddlewareOptions {
  /** Shown in `host.capabilities()`; defaults to the function's name. */
  readonly name?: string;
}

/** The innermost step of a capability's pipeline: runs the handler with the (possibly rewritten) params. */
export type Terminal = (call: CallContext) => unknown;

/** Builds a {@link MiddlewareEntry}, naming anonymous middleware after its position so listings stay readable. */
export function middlewareEntry(
  middleware: Middleware,
  owner: string,
  scope: MiddlewareScope,
  options: MiddlewareOptions = {},
): MiddlewareEntry {
  const name = options.name ?? (middleware.name !== '' ? middleware.name : `${owner}:anonymous`);
  return { name, middleware, owner, scope };
}

/**
 * Composes the chain once, outermost first, around `terminal`. With an empty chain the terminal itself is
 * returned, so capabilities without middleware pay nothing for the feature.
 */
export function composeMiddleware(chain: readonly MiddlewareEntry[], terminal: Terminal): Terminal {
  let next = terminal;
  for (let index = chain.length - 1; index >= 0; index -= 1) {
    const middleware = chain[index]!.middleware;
    const inner = next;
    next = (call) => middleware(call, async () => inner(call));
  }
  return next;
}
