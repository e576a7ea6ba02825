import { cliErrors } from '../errors/cli-errors.js';
import type { LoadedPlugin } from '../loading/load-plugin.js';
import { errorProblem, type Problem } from '../problems/problem.js';
import type { CliCommand } from './define-command.js';

/** A command and the plugin that contributed it. */
export interface ContributedCommand {
  readonly plugin: string;
  readonly command: CliCommand;
}

/**
 * The commands the loaded plugins contribute. A command named like a built-in, or like one an earlier
 * plugin already contributed, is left out and reported.
 */
export function collectCommands(
  loaded: readonly LoadedPlugin[],
  builtins: ReadonlySet<string>,
): { readonly commands: ContributedCommand[]; readonly problems: Problem[] } {
  const commands: ContributedCommand[] = [];
  const problems: Problem[] = [];
  const owners = new Map<string, string>();
  for (const entry of loaded) {
    const plugin = entry.plugin.manifest.name;
    for (const command of entry.commands) {
      const owner = builtins.has(command.name) ? 'trellis' : owners.get(command.name);
      if (owner !== undefined) {
        problems.push(errorProblem(plugin, cliErrors.commandConflict(command.name, plugin, owner)));
        continue;
      }
      owners.set(command.name, plugin);
      commands.push({ plugin, command });
    }
  }
  return { commands, problems };
}
