import { builtinModules } from 'node:module';
import { TrellisError, type ValidationIssue, validateManifest } from '@trellis/core';
import { cliErrors } from '../errors/cli-errors.js';

const RESERVED = new Set(['node_modules', 'favicon.ico']);

/**
 * Why `name` cannot be a new plugin package, or `undefined` when it can: the kernel's npm-name rules
 * (the ones manifests are checked with), plus npm's refusal of Node's built-in module names.
 */
export function pluginNameProblem(name: string): string | undefined {
  try {
    validateManifest({ name, version: '0.0.0' });
  } catch (error) {
    if (!TrellisError.is(error, 'E_MANIFEST_INVALID')) throw error;
    const issue = (error.details.issues as ValidationIssue[]).find((candidate) => candidate.path === 'name');
    if (issue !== undefined) return issue.message;
  }
  if (builtinModules.includes(name))
    return `it is the name of a Node.js built-in module, which npm refuses for packages`;
  if (RESERVED.has(name)) return 'npm reserves it';
  return undefined;
}

/** Checks a plugin name given on the command line. @throws TrellisError `E_PLUGIN_NAME_INVALID`. */
export function assertPluginName(name: string): void {
  const problem = pluginNameProblem(name);
  if (problem !== undefined) throw cliErrors.pluginNameInvalid(name, problem);
}

/** The directory name of a plugin package: the name without its scope's `@` and `/` (`@acme/users` → `acme-users`). */
export function pluginDirectoryName(name: string): string {
  return name.replace(/^@/, '').replace('/', '-');
}

/** The path prefix of a plugin's HTTP routes, as the gateway computes it (`/acme/users` for `@acme/users`). */
export function routePrefix(name: string): string {
  return `/${name.replace(/^@/, '')}`;
}
