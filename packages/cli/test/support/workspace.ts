import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's `packages/` directory, found from this file (test/support/ of the cli package). */
export const PACKAGES_DIRECTORY = fileURLToPath(new URL('../../../', import.meta.url));
/** The repository's installed dependencies. */
export const ROOT_NODE_MODULES = join(PACKAGES_DIRECTORY, '..', 'node_modules');
/** The built `trellis` executable. */
export const TRELLIS_BIN = join(PACKAGES_DIRECTORY, 'cli', 'dist', 'bin', 'trellis.js');

/**
 * Makes `project` resolve `@trellis/*` to this repository's packages and `zod`/`vitest` to its installed
 * copies, as `npm install` would make them resolvable in a real project.
 */
export async function linkWorkspace(project: string, extra: readonly string[] = ['zod']): Promise<void> {
  const modules = join(project, 'node_modules');
  await mkdir(modules, { recursive: true });
  await symlink(PACKAGES_DIRECTORY, join(modules, '@trellis'), 'dir');
  for (const name of extra) await symlink(join(ROOT_NODE_MODULES, name), join(modules, name), 'dir');
}
