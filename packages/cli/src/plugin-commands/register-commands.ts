import type { Host } from '@trellis/core';
import { type Command, Option } from 'commander';
import type { CommandContext } from '../cli/command-context.js';
import { EXIT_CODES } from '../cli/exit-codes.js';
import { cliErrors } from '../errors/cli-errors.js';
import { createHostLogger } from '../output/log-stream.js';
import type { InspectedProject } from '../project/inspect-project.js';
import type { CliCommandArgs, CliCommandContext } from './define-command.js';
import type { ContributedCommand } from './plugin-commands.js';

/**
 * Boots the project's plugins for a plugin command (gateway attached but not listening, no admin API),
 * runs `work`, and always stops the host.
 */
async function withProjectHost<T>(
  inspected: InspectedProject,
  context: CommandContext,
  work: (host: Host) => T | Promise<T>,
): Promise<Awaited<T>> {
  const { out } = context;
  for (const problem of inspected.configProblems) out.problem(problem);
  if (inspected.configProblems.length > 0) throw cliErrors.startRefused(inspected.configProblems.length);
  const { settings } = inspected.project;
  const { assembleHost } = await import('../runtime/assemble-host.js');
  const { host } = assembleHost({
    settings,
    loaded: inspected.loaded,
    configs: inspected.configs,
    listen: false,
    logger: createHostLogger(settings.logger, {
      level: settings.logLevel ?? 'warn',
      format: out.io.stderr.isTTY === true ? 'pretty' : 'json',
      stream: out.io.stderr,
      colors: out.errorColors,
    }),
  });
  const report = await host.start();
  try {
    for (const failure of report.failed) out.error(failure.error);
    return await work(host);
  } finally {
    await host.stop();
  }
}

/** The arguments a command's `run` receives, from what commander parsed. */
function commandArgs(
  contributed: ContributedCommand,
  command: Command,
  parsed: readonly unknown[],
): CliCommandArgs {
  const args: Record<string, unknown> = { ...command.opts(), _: [...command.args] };
  (contributed.command.arguments ?? []).forEach((argument, index) => {
    args[argument.name] = parsed[index];
  });
  return args as CliCommandArgs;
}

/**
 * Adds each plugin command under `trellis <name>`, with its arguments and options. Its `run` gets the
 * parsed arguments and a context; the number it returns (if any) becomes the exit code.
 */
export function registerPluginCommands(
  program: Command,
  commands: readonly ContributedCommand[],
  inspected: InspectedProject,
  context: CommandContext,
): void {
  for (const contributed of commands) {
    const { command, plugin } = contributed;
    const sub = program.command(command.name).description(`${command.description} (from ${plugin})`);
    for (const argument of command.arguments ?? []) {
      const name = `${argument.name}${argument.variadic === true ? '...' : ''}`;
      sub.argument(argument.required === true ? `<${name}>` : `[${name}]`, argument.description ?? '');
    }
    for (const option of command.options ?? []) {
      const declared = new Option(option.flags, option.description ?? '');
      sub.addOption(option.default === undefined ? declared : declared.default(option.default));
    }
    sub.action(async (...parameters: unknown[]) => {
      const parsed = parameters.slice(0, -2);
      const { out } = context;
      const runContext: CliCommandContext = {
        plugin,
        root: inspected.project.settings.root,
        config: inspected.configs.get(plugin)?.value,
        stdout: out.io.stdout,
        stderr: out.io.stderr,
        colors: out.colors,
        withHost: (work) => withProjectHost(inspected, context, work),
      };
      const result = await command.run(commandArgs(contributed, sub, parsed), runContext);
      context.setExitCode(typeof result === 'number' && Number.isInteger(result) ? result : EXIT_CODES.ok);
    });
  }
}
