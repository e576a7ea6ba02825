import type { ResolvedPluginConfig } from '../config/plugin-config.js';
import { validatePluginConfigs } from '../config/plugin-config.js';
import { type LoadedPlugin, loadPlugins } from '../loading/load-plugin.js';
import { errorProblem, type Problem } from '../problems/problem.js';
import {
  configTargets,
  type OpenProjectOptions,
  openProject,
  type Project,
  projectPluginConfigs,
} from './project.js';

/** A project with its plugins' code loaded and their configs resolved and checked. */
export interface InspectedProject {
  readonly project: Project;
  readonly loaded: readonly LoadedPlugin[];
  readonly configs: ReadonlyMap<string, ResolvedPluginConfig>;
  /** Discovery, loading and config problems, in that order. */
  readonly problems: readonly Problem[];
  /** The `E_CONFIG_INVALID` problems among them: a host must not start with any. */
  readonly configProblems: readonly Problem[];
}

/** How to inspect a project: as to open it, plus a progress callback per loaded plugin. */
export interface InspectOptions extends OpenProjectOptions {
  readonly onLoaded?: (plugin: string) => void;
}

/**
 * Opens the project, imports every plugin it found and validates each plugin's config (environment over
 * config file) against its schema, collecting every problem instead of stopping at the first.
 */
export async function inspectProject(options: InspectOptions): Promise<InspectedProject> {
  const project = await openProject(options);
  const { loaded, problems: loadProblems } = await loadPlugins(project.sources, {
    onLoaded: (source) => options.onLoaded?.(source.name),
  });
  const plugins = loaded.map((entry) => entry.plugin);
  const configs = projectPluginConfigs(project, plugins, options.env);
  const configErrors = await validatePluginConfigs(configTargets(plugins), configs);
  const configProblems = configErrors.map((error) => errorProblem(String(error.details.plugin), error));
  return {
    project,
    loaded,
    configs,
    problems: [...project.problems, ...loadProblems, ...configProblems],
    configProblems,
  };
}
