import { DependencyGraph, errors, HOST_API_VERSION, TrellisError } from '@trellis/core';
import semver from 'semver';
import { ADMIN_PLUGIN_NAME } from '../admin/admin-api.js';
import { MIN_TOKEN_LENGTH } from '../admin/admin-token.js';
import { cliErrors } from '../errors/cli-errors.js';
import { collectCommands } from '../plugin-commands/plugin-commands.js';
import { errorProblem, type Problem, warningProblem } from '../problems/problem.js';
import { type InspectedProject, type InspectOptions, inspectProject } from '../project/inspect-project.js';
import { portProblem, storeProblem } from './system-checks.js';

/** What `trellis doctor` found. */
export interface DoctorReport {
  /** The project, when its config file could be loaded. */
  readonly inspected: InspectedProject | undefined;
  readonly problems: readonly Problem[];
}

/** Dependency, host API and cycle problems of the plugins that would be registered. */
function graphProblems(inspected: InspectedProject): Problem[] {
  const problems: Problem[] = [];
  const manifests = inspected.loaded.map((entry) => entry.plugin.manifest);
  for (const manifest of manifests) {
    const range = manifest.hostApi;
    if (range !== undefined && !semver.satisfies(HOST_API_VERSION, range))
      problems.push(
        errorProblem(manifest.name, errors.hostApiIncompatible(manifest.name, range, HOST_API_VERSION)),
      );
  }
  const graph = new DependencyGraph(manifests);
  for (const problem of graph.findUnsatisfiedDependencies())
    problems.push(errorProblem(problem.plugin, problem.error));
  for (const cycle of graph.detectCircularDependencies())
    problems.push(errorProblem(cycle[0] ?? 'graph', errors.dependencyCycle(cycle)));
  return problems;
}

/** Config entries naming no plugin: most likely a typo in the name. */
function unknownConfigProblems(inspected: InspectedProject): Problem[] {
  const known = inspected.loaded.map((entry) => entry.plugin.manifest.name);
  const everFound = new Set([...known, ...inspected.project.sources.map((source) => source.name)]);
  return Object.keys(inspected.project.settings.pluginConfig)
    .filter((name) => !everFound.has(name))
    .map((name) => warningProblem(`config.${name}`, cliErrors.configUnknownPlugin(name, known)));
}

async function systemProblems(inspected: InspectedProject): Promise<Problem[]> {
  const { settings } = inspected.project;
  const problems: Problem[] = [];
  const port = await portProblem(settings.http.host, settings.http.port);
  if (port !== undefined) problems.push(errorProblem('http', port));
  if (settings.store !== 'memory') {
    const store = await storeProblem(settings.store.path);
    if (store !== undefined) problems.push(errorProblem('store', store));
  }
  const token = settings.adminToken;
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH)
    problems.push(warningProblem('adminToken', cliErrors.adminTokenWeak(token.length)));
  return problems;
}

/**
 * Checks a project without starting anything: the config file, every plugin package (manifest, entry,
 * code, commands), the dependency graph (cycles, missing and incompatible plugins, host API ranges), each
 * plugin's config against its schema, whether the port is free and the store writable.
 */
export async function runDoctor(
  options: InspectOptions & { readonly builtinCommands: ReadonlySet<string> },
): Promise<DoctorReport> {
  let inspected: InspectedProject;
  try {
    inspected = await inspectProject(options);
  } catch (error) {
    if (!TrellisError.is(error)) throw error;
    return { inspected: undefined, problems: [errorProblem('config', error)] };
  }
  const reserved = inspected.loaded.find((entry) => entry.plugin.manifest.name === ADMIN_PLUGIN_NAME);
  const commandProblems = collectCommands(inspected.loaded, options.builtinCommands).problems;
  return {
    inspected,
    problems: [
      ...inspected.problems,
      ...(reserved === undefined
        ? []
        : [errorProblem(ADMIN_PLUGIN_NAME, errors.pluginDuplicate(ADMIN_PLUGIN_NAME))]),
      ...graphProblems(inspected),
      ...unknownConfigProblems(inspected),
      ...commandProblems,
      ...(await systemProblems(inspected)),
    ],
  };
}
