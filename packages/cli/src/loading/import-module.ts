import { existsSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createJiti, type Jiti } from 'jiti';
import { RELOAD_PARAM } from './reload-param.js';

/** A module's exports, as `import()` resolves them. */
export type ModuleExports = Readonly<Record<string, unknown>>;

const TYPESCRIPT = /\.[cm]?tsx?$/;

let cachedJiti: Jiti | undefined;
let freshJiti: Jiti | undefined;
let reloadHooksRegistered = false;
let generation = 0;

/** Whether Node treats a `.js` file as CommonJS: its nearest package.json does not say `"type": "module"`. */
function isCommonJs(file: string): boolean {
  if (file.endsWith('.cjs')) return true;
  if (file.endsWith('.mjs')) return false;
  for (let directory = dirname(file); ; directory = dirname(directory)) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type !== 'module';
      } catch {
        return true;
      }
    }
    if (dirname(directory) === directory) return true;
  }
}

/**
 * Imports a module by absolute path. TypeScript (and CommonJS) goes through jiti; ES modules through
 * Node's own `import()`. With `fresh`, the module and its own relative imports are evaluated again even
 * if they were imported before: jiti without its module cache, or a `?trellis-reload=<n>` URL that the
 * reload hooks propagate. Packages in `node_modules` are never re-evaluated, so a reloaded plugin still
 * shares `@trellis/core` with the host.
 */
export async function importModule(
  file: string,
  options: { readonly fresh?: boolean } = {},
): Promise<ModuleExports> {
  if (TYPESCRIPT.test(file) || isCommonJs(file))
    return (await jitiFor(options.fresh === true).import(file)) as ModuleExports;
  const url = pathToFileURL(file);
  if (options.fresh) {
    registerReloadHooks();
    generation += 1;
    url.searchParams.set(RELOAD_PARAM, String(generation));
  }
  return (await import(url.href)) as ModuleExports;
}

/** One jiti with its module cache (plain imports), one without (fresh imports re-evaluate every file). */
function jitiFor(fresh: boolean): Jiti {
  if (fresh) {
    freshJiti ??= createJiti(import.meta.url, { moduleCache: false });
    return freshJiti;
  }
  cachedJiti ??= createJiti(import.meta.url);
  return cachedJiti;
}

function registerReloadHooks(): void {
  if (reloadHooksRegistered) return;
  reloadHooksRegistered = true;
  register(new URL('./reload-hooks.js', import.meta.url));
}
