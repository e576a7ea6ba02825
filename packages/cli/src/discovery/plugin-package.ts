import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { manifestFromPackageJson, type NormalizedManifest, type Plugin, TrellisError } from '@trellis/core';
import { cliErrors } from '../errors/cli-errors.js';

/** Where a plugin came from. */
export type PluginOrigin = 'directory' | 'package' | 'config';

/** A plugin the CLI knows of, before (or without) running its code. */
export interface PluginSource {
  readonly name: string;
  readonly version: string;
  /** Its manifest: from package.json for packages, from `definePlugin` for plugins in the config file. */
  readonly manifest: NormalizedManifest;
  readonly origin: PluginOrigin;
  /** The package directory (undefined for plugins defined in the config file). */
  readonly directory: string | undefined;
  /** The package.json path (undefined for plugins defined in the config file). */
  readonly packageJson: string | undefined;
  /** The module whose default export is the plugin (undefined for plugins defined in the config file). */
  readonly entry: string | undefined;
  /** The plugin itself, for plugins defined in the config file. */
  readonly plugin?: Plugin;
}

/** What reading one plugin package gives: a source, or why it cannot be one. */
export type PackageReading =
  | { readonly kind: 'plugin'; readonly source: PluginSource }
  | { readonly kind: 'broken'; readonly subject: string; readonly error: TrellisError }
  | { readonly kind: 'not-a-plugin' };

const ENTRY_CONDITIONS = new Set(['node', 'import', 'module-sync', 'default']);

/** The target of an `exports` value for `import` under Node, following the conditions in their order. */
function exportTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const entry of value) {
      const target = exportTarget(entry);
      if (target !== undefined) return target;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [condition, nested] of Object.entries(value)) {
    if (!ENTRY_CONDITIONS.has(condition)) continue;
    const target = exportTarget(nested);
    if (target !== undefined) return target;
  }
  return undefined;
}

/**
 * The module `import('<package>')` would load, relative to the package: the `"."` export (or `exports`
 * itself when it has no subpaths), else `main`, else `index.js`, as Node resolves them.
 */
export function packageEntry(packageJson: Readonly<Record<string, unknown>>): string | undefined {
  const { exports, main } = packageJson;
  if (exports !== undefined) {
    const root =
      typeof exports === 'object' &&
      exports !== null &&
      !Array.isArray(exports) &&
      Object.keys(exports).some((key) => key.startsWith('.'))
        ? (exports as Record<string, unknown>)['.']
        : exports;
    return exportTarget(root);
  }
  return typeof main === 'string' && main !== '' ? main : 'index.js';
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/**
 * Reads the plugin package in `directory`: its package.json, `"trellis"` manifest and entry module. A
 * package without a `"trellis"` key is not a plugin; a broken one (unreadable JSON, invalid manifest,
 * missing entry) comes back with the error that says how to fix it.
 */
export async function readPluginPackage(
  directory: string,
  origin: 'directory' | 'package',
): Promise<PackageReading> {
  const packageJsonPath = join(directory, 'package.json');
  let packageJson: unknown;
  try {
    packageJson = JSON.parse(await readFile(packageJsonPath, 'utf8'));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT')
      return origin === 'directory'
        ? { kind: 'broken', subject: directory, error: cliErrors.pluginPackageMissing(directory) }
        : { kind: 'not-a-plugin' };
    return {
      kind: 'broken',
      subject: packageJsonPath,
      error: cliErrors.pluginPackageInvalid(packageJsonPath, cause),
    };
  }
  const fields =
    typeof packageJson === 'object' && packageJson !== null ? (packageJson as Record<string, unknown>) : {};
  if (fields.trellis === undefined)
    return origin === 'directory'
      ? { kind: 'broken', subject: directory, error: cliErrors.pluginPackageMissing(directory) }
      : { kind: 'not-a-plugin' };
  const subject = typeof fields.name === 'string' ? fields.name : directory;
  let manifest: NormalizedManifest;
  try {
    manifest = manifestFromPackageJson(packageJson, packageJsonPath);
  } catch (error) {
    if (!TrellisError.is(error)) throw error;
    return { kind: 'broken', subject, error };
  }
  const entryPath = packageEntry(fields);
  const entry = entryPath === undefined ? undefined : resolve(directory, entryPath);
  if (entry === undefined || !isFile(entry))
    return {
      kind: 'broken',
      subject,
      error: cliErrors.pluginEntryMissing(manifest.name, packageJsonPath, entryPath),
    };
  return {
    kind: 'plugin',
    source: {
      name: manifest.name,
      version: manifest.version,
      manifest,
      origin,
      directory,
      packageJson: packageJsonPath,
      entry,
    },
  };
}
