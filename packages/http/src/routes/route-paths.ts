import { httpErrors } from '../errors/http-errors.js';

/** The path prefix of a plugin's routes: `/users` for `users`, `/acme/users` for `@acme/users`. */
export function pluginPrefix(plugin: string): string {
  return `/${plugin.startsWith('@') ? plugin.slice(1) : plugin}`;
}

/**
 * The absolute path of a route: `path` under `prefix` (`/` under `/users` is `/users`), or `path` itself
 * without a prefix. Throws `E_ROUTE_INVALID` for a path that is not a string starting with `/`.
 */
export function routePath(owner: string, path: unknown, prefix: string | undefined): string {
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw httpErrors.routeInvalid(owner, 'The route path', "a string starting with '/'", path);
  if (prefix === undefined) return path;
  return path === '/' ? prefix : `${prefix}${path}`;
}

/** A path parameter of a route pattern. */
export interface PathParameter {
  readonly name: string;
  /** The regular expression it must match, when the pattern has one (`:id(^\\d+$)`). */
  readonly pattern: string | undefined;
}

/**
 * A find-my-way pattern in OpenAPI form: `/users/:id` → `/users/{id}`, a trailing `*` → `{wildcard}`,
 * with the parameters in order. `::` (a literal colon) stays a colon.
 */
export function openApiPath(path: string): { readonly path: string; readonly parameters: PathParameter[] } {
  const parameters: PathParameter[] = [];
  const segments = path.split('/').map((segment) => {
    if (segment === '*') {
      parameters.push({ name: 'wildcard', pattern: undefined });
      return '{wildcard}';
    }
    if (!segment.startsWith(':') || segment.startsWith('::')) return segment.replaceAll('::', ':');
    const match = /^:([^(]+?)(\?)?(?:\((.*)\))?$/.exec(segment);
    const name = match?.[1] ?? segment.slice(1);
    parameters.push({ name, pattern: match?.[3] });
    return `{${name}}`;
  });
  return { path: segments.join('/'), parameters };
}
