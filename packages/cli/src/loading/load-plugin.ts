import { isPlugin, type NormalizedManifest, type Plugin, type TrellisError } from '@trellis/core';
import type { PluginSource } from '../discovery/plugin-package.js';
import { cliErrors } from '../errors/cli-errors.js';
import { type CliCommand, commandIssues } from '../plugin-commands/define-command.js';
import { errorProblem, type Problem } from '../problems/problem.js';
import { importModule } from './import-module.js';

/** A plugin whose code is loaded, with the CLI commands its module exports. */
export interface LoadedPlugin {
  readonly source: PluginSource;
  readonly plugin: Plugin;
  readonly commands: readonly CliCommand[];
}

/** The outcome of loading one plugin: the plugin when it could be loaded, and any problems found. */
export interface PluginLoad {
  readonly loaded: LoadedPlugin | undefined;
  readonly problems: readonly Problem[];
}

/** The manifest fields package.json and definePlugin() must agree on: what tools read without the code. */
const SHARED_FIELDS = ['name', 'version', 'dependencies', 'optionalDependencies'] as const;

function sameValue(first: unknown, second: unknown): boolean {
  const canonical = (value: unknown) =>
    typeof value === 'object' && value !== null
      ? JSON.stringify(Object.entries(value).sort(([left], [right]) => left.localeCompare(right)))
      : JSON.stringify(value);
  return canonical(first) === canonical(second);
}

/** The first disagreement between the package.json manifest and the code's, if any. */
function manifestMismatch(source: PluginSource, code: NormalizedManifest): TrellisError | undefined {
  for (const field of SHARED_FIELDS) {
    if (!sameValue(source.manifest[field], code[field]))
      return cliErrors.pluginManifestMismatch(
        source.name,
        source.packageJson ?? 'package.json',
        field,
        source.manifest[field],
        code[field],
      );
  }
  return undefined;
}

function moduleCommands(
  source: PluginSource,
  exported: unknown,
): { commands: CliCommand[]; problems: Problem[] } {
  if (exported === undefined) return { commands: [], problems: [] };
  const list = Array.isArray(exported) ? exported : [exported];
  const commands: CliCommand[] = [];
  const problems: Problem[] = [];
  list.forEach((candidate, index) => {
    const issues = commandIssues(candidate);
    if (issues.length === 0) commands.push(candidate as CliCommand);
    else
      problems.push(
        errorProblem(
          source.name,
          cliErrors.commandInvalid(`commands[${index}] of plugin '${source.name}'`, issues),
        ),
      );
  });
  return { commands, problems };
}

/**
 * Imports a plugin package's entry module and checks it: the default export must be a plugin made by
 * `definePlugin`, whose name, version and dependencies match its package.json manifest; an exported
 * `commands` array must hold valid commands. With `fresh`, the module is evaluated anew (hot reload).
 * Never throws: what goes wrong is returned as problems.
 */
export async function loadPlugin(
  source: PluginSource,
  options: { readonly fresh?: boolean } = {},
): Promise<PluginLoad> {
  if (source.plugin !== undefined || source.entry === undefined) {
    return source.plugin === undefined
      ? { loaded: undefined, problems: [] }
      : { loaded: { source, plugin: source.plugin, commands: [] }, problems: [] };
  }
  let exports: Readonly<Record<string, unknown>>;
  try {
    exports = await importModule(source.entry, options);
  } catch (cause) {
    return {
      loaded: undefined,
      problems: [errorProblem(source.name, cliErrors.pluginImportFailed(source.name, source.entry, cause))],
    };
  }
  const plugin = exports.default;
  if (!isPlugin(plugin)) {
    const exported = Object.keys(exports).filter((key) => exports[key] !== undefined);
    return {
      loaded: undefined,
      problems: [
        errorProblem(source.name, cliErrors.pluginExportInvalid(source.name, source.entry, exported)),
      ],
    };
  }
  const mismatch = manifestMismatch(source, plugin.manifest);
  if (mismatch !== undefined) return { loaded: undefined, problems: [errorProblem(source.name, mismatch)] };
  const { commands, problems } = moduleCommands(source, exports.commands);
  return { loaded: { source, plugin, commands }, problems };
}

/** Loads every source (in parallel), keeping the order of `sources`; the broken ones become problems. */
export async function loadPlugins(
  sources: readonly PluginSource[],
  options: { readonly onLoaded?: (source: PluginSource) => void } = {},
): Promise<{ readonly loaded: LoadedPlugin[]; readonly problems: Problem[] }> {
  const outcomes = await Promise.all(
    sources.map(async (source) => {
      const outcome = await loadPlugin(source);
      options.onLoaded?.(source);
      return outcome;
    }),
  );
  return {
    loaded: outcomes.flatMap((outcome) => (outcome.loaded === undefined ? [] : [outcome.loaded])),
    problems: outcomes.flatMap((outcome) => outcome.problems),
  };
}
