import type { Plugin } from '@trellis/core';
import { loadConfig } from '../config/load-config.js';
import {
  type ConfigTarget,
  type ResolvedPluginConfig,
  resolvePluginConfigs,
} from '../config/plugin-config.js';
import { resolveSettings, type SettingFlags, type Settings } from '../config/settings.js';
import { discoverPlugins } from '../discovery/discover-plugins.js';
import type { PluginSource } from '../discovery/plugin-package.js';
import type { Problem } from '../problems/problem.js';

/** A project as the CLI sees it before running any plugin: settings, the plugins found, the problems found. */
export interface Project {
  readonly settings: Settings;
  readonly sources: readonly PluginSource[];
  readonly problems: readonly Problem[];
}

/** How to open a project. */
export interface OpenProjectOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `--config`: the config file to use instead of the one found from `cwd`. */
  readonly configFile?: string | undefined;
  readonly flags?: SettingFlags;
  /** Evaluate the config file again even if it was imported before (restarts in `trellis dev`). */
  readonly fresh?: boolean;
}

/**
 * Loads the config file and discovers the project's plugins without running plugin code. A broken config
 * file throws (nothing sensible can be done without it); a broken plugin package is a problem and the
 * other plugins are still found.
 */
export async function openProject(options: OpenProjectOptions): Promise<Project> {
  const loaded = await loadConfig({ cwd: options.cwd, file: options.configFile, fresh: options.fresh });
  const settings = resolveSettings(loaded, options.env, options.flags);
  const discovery = await discoverPlugins({
    root: settings.root,
    pluginDirs: settings.pluginDirs,
    discoverPackages: settings.discoverPackages,
    configPlugins: settings.plugins,
    explicitPluginDirs: loaded.config.pluginDirs !== undefined,
  });
  return { settings, sources: discovery.sources, problems: discovery.problems };
}

/** The config of each plugin (environment over config file), keyed by plugin name. */
export function projectPluginConfigs(
  project: Project,
  plugins: readonly Plugin[],
  env: Readonly<Record<string, string | undefined>>,
): Map<string, ResolvedPluginConfig> {
  return resolvePluginConfigs(configTargets(plugins), project.settings.pluginConfig, env);
}

/** Plugins as config resolution sees them. */
export function configTargets(plugins: readonly Plugin[]): ConfigTarget[] {
  return plugins.map((plugin) => ({ name: plugin.manifest.name, schema: plugin.definition.config }));
}
