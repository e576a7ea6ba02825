import { existsSync, statSync } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Plugin } from '@trellis/core';
import { cliErrors } from '../errors/cli-errors.js';
import { errorProblem, type Problem, warningProblem } from '../problems/problem.js';
import { type PluginSource, readPluginPackage } from './plugin-package.js';

/** Where to look for plugins. */
export interface DiscoveryOptions {
  /** The project directory (where `node_modules` is looked for). */
  readonly root: string;
  /** Absolute directories whose subdirectories are plugin packages. */
  readonly pluginDirs: readonly string[];
  /** Whether to look at installed packages in `<root>/node_modules`. */
  readonly discoverPackages: boolean;
  /** Plugins defined in the config file; they win over discovered plugins of the same name. */
  readonly configPlugins?: readonly Plugin[];
  /** Plugin directories the user named explicitly: a missing one is then worth a warning. */
  readonly explicitPluginDirs?: boolean;
}

/** The plugins found, and what was wrong with the ones that could not be used. */
export interface Discovery {
  readonly sources: readonly PluginSource[];
  readonly problems: readonly Problem[];
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** Subdirectories of `directory` (following symlinks), sorted for a stable order; hidden ones skipped. */
async function subdirectories(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  return entries
    .filter((entry) => !entry.name.startsWith('.') && (entry.isDirectory() || entry.isSymbolicLink()))
    .map((entry) => join(directory, entry.name))
    .filter(isDirectory)
    .sort();
}

/** The package directories directly under `node_modules`, scoped ones (`@acme/users`) included. */
async function installedPackages(root: string): Promise<string[]> {
  const modules = join(root, 'node_modules');
  if (!isDirectory(modules)) return [];
  const packages: string[] = [];
  for (const directory of await subdirectories(modules)) {
    if (relative(modules, directory).startsWith('@')) packages.push(...(await subdirectories(directory)));
    else packages.push(directory);
  }
  return packages;
}

function describeSource(source: PluginSource, root: string): string {
  return source.directory === undefined ? 'the config file' : relative(root, source.directory) || '.';
}

/**
 * Finds every plugin of a project without running plugin code: the config file's plugins, each
 * subdirectory of the plugin directories with a package.json `"trellis"` manifest, and (unless turned
 * off) each installed package in `node_modules` with one. A broken package is reported and left out; the
 * others are still found. A package reachable twice (a workspace linked into `node_modules`) counts once;
 * two different packages with the same plugin name are reported, and the first found is kept.
 */
export async function discoverPlugins(options: DiscoveryOptions): Promise<Discovery> {
  const problems: Problem[] = [];
  const sources: PluginSource[] = [];
  const byName = new Map<string, PluginSource>();
  const seenDirectories = new Set<string>();
  const add = (source: PluginSource) => {
    const existing = byName.get(source.name);
    if (existing !== undefined) {
      problems.push(
        errorProblem(
          source.name,
          cliErrors.pluginSourceDuplicate(source.name, [
            describeSource(existing, options.root),
            describeSource(source, options.root),
          ]),
        ),
      );
      return;
    }
    byName.set(source.name, source);
    sources.push(source);
  };
  for (const plugin of options.configPlugins ?? []) {
    add({
      name: plugin.manifest.name,
      version: plugin.manifest.version,
      manifest: plugin.manifest,
      origin: 'config',
      directory: undefined,
      packageJson: undefined,
      entry: undefined,
      plugin,
    });
  }
  const candidates: Array<{ directory: string; origin: 'directory' | 'package' }> = [];
  for (const pluginDir of options.pluginDirs) {
    if (!isDirectory(pluginDir)) {
      if (options.explicitPluginDirs === true)
        problems.push(
          warningProblem(relative(options.root, pluginDir), cliErrors.pluginDirMissing(pluginDir)),
        );
      continue;
    }
    for (const directory of await subdirectories(pluginDir))
      candidates.push({ directory, origin: 'directory' });
  }
  if (options.discoverPackages)
    for (const directory of await installedPackages(options.root))
      candidates.push({ directory, origin: 'package' });
  for (const { directory, origin } of candidates) {
    const real = await realpath(directory);
    if (seenDirectories.has(real)) continue;
    seenDirectories.add(real);
    const reading = await readPluginPackage(directory, origin);
    if (reading.kind === 'plugin') add(reading.source);
    else if (reading.kind === 'broken') {
      const subject = reading.subject.startsWith('/')
        ? relative(options.root, reading.subject)
        : reading.subject;
      const missingManifest = reading.error.code === 'E_PLUGIN_PACKAGE_MISSING';
      problems.push(
        missingManifest ? warningProblem(subject, reading.error) : errorProblem(subject, reading.error),
      );
    }
  }
  return { sources, problems };
}
