import { relative } from 'node:path';
import type { Command } from 'commander';
import type { PluginStatus } from '../admin/admin-api.js';
import type { CommandContext } from '../cli/command-context.js';
import { withAdminOptions, withConfigOption, withJsonOption } from '../cli/options.js';
import type { PluginSource } from '../discovery/plugin-package.js';
import type { Colors } from '../output/colors.js';
import { formatTable } from '../output/table.js';
import { problemToJson } from '../problems/problem.js';
import { openProject } from '../project/project.js';
import { type AdminFlags, connectAdmin } from './admin-connection.js';

interface ListFlags extends AdminFlags {
  readonly json?: boolean;
}

/** A plugin state, coloured by how well it is doing. */
export function paintState(state: string, colors: Colors): string {
  if (state === 'running') return colors.green(state);
  if (state === 'failed') return colors.red(state);
  if (state === 'disabled' || state === 'stopped') return colors.yellow(state);
  return colors.dim(state);
}

/** A discovered plugin as `trellis list --json` prints it. */
export function sourceJson(source: PluginSource, root: string) {
  return {
    name: source.name,
    version: source.version,
    description: source.manifest.description,
    origin: source.origin,
    directory: source.directory === undefined ? undefined : relative(root, source.directory),
    entry: source.entry === undefined ? undefined : relative(root, source.entry),
    dependencies: source.manifest.dependencies,
    optionalDependencies: source.manifest.optionalDependencies,
    activation: source.manifest.activation,
    provides: source.manifest.provides,
  };
}

function dependencyList(dependencies: Readonly<Record<string, string>> | readonly string[]): string {
  const names = Array.isArray(dependencies) ? dependencies : Object.keys(dependencies);
  return names.length === 0 ? '-' : names.join(', ');
}

async function listRunning(context: CommandContext, flags: ListFlags): Promise<void> {
  const { out } = context;
  const { client, url } = await connectAdmin(out, flags);
  const plugins: PluginStatus[] = await client.plugins();
  if (flags.json === true) {
    out.json({ url, plugins });
    return;
  }
  const rows = plugins.map((plugin) => [
    out.colors.bold(plugin.name),
    plugin.version,
    paintState(plugin.state, out.colors),
    String(plugin.capabilities.length),
    dependencyList(plugin.dependencies),
  ]);
  out.line(formatTable(['NAME', 'VERSION', 'STATE', 'CAPABILITIES', 'DEPENDS ON'], rows));
}

async function listDiscovered(context: CommandContext, flags: ListFlags): Promise<void> {
  const { out } = context;
  const project = await openProject({ cwd: out.io.cwd, env: out.io.env, configFile: flags.config });
  const root = project.settings.root;
  if (flags.json === true) {
    out.json({
      root,
      plugins: project.sources.map((source) => sourceJson(source, root)),
      problems: project.problems.map(problemToJson),
    });
    return;
  }
  for (const problem of project.problems) out.problem(problem);
  if (project.sources.length === 0) {
    out.note('No plugins found. Create one with `trellis new plugin <name>`.');
    return;
  }
  const rows = project.sources.map((source) => [
    out.colors.bold(source.name),
    source.version,
    source.origin,
    source.directory === undefined ? '(config file)' : relative(root, source.directory),
    dependencyList(source.manifest.dependencies),
  ]);
  out.line(formatTable(['NAME', 'VERSION', 'ORIGIN', 'PATH', 'DEPENDS ON'], rows));
}

/** `trellis list`. */
export function registerList(program: Command, context: CommandContext): void {
  withJsonOption(
    withAdminOptions(
      withConfigOption(
        program
          .command('list')
          .alias('ls')
          .description('list the plugins of the project, or of a running host with --url'),
      ),
      true,
    ),
  )
    .addHelpText('after', '\nExamples:\n  $ trellis list\n  $ trellis list --url --json')
    .action((flags: ListFlags) =>
      flags.url === undefined ? listDiscovered(context, flags) : listRunning(context, flags),
    );
}
