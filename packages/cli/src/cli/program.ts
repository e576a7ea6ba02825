import { Command, CommanderError } from 'commander';
import { registerControl } from '../commands/control.js';
import { registerDoctor } from '../commands/doctor.js';
import { registerGraph } from '../commands/graph.js';
import { registerInfo } from '../commands/info.js';
import { registerInit } from '../commands/init.js';
import { registerList } from '../commands/list.js';
import { registerNew } from '../commands/new-plugin.js';
import { registerServe } from '../commands/serve-commands.js';
import { findConfigFile } from '../config/load-config.js';
import { type CliIo, Output } from '../output/output.js';
import { collectCommands } from '../plugin-commands/plugin-commands.js';
import { registerPluginCommands } from '../plugin-commands/register-commands.js';
import { inspectProject } from '../project/inspect-project.js';
import { cliVersion } from '../runtime/cli-version.js';
import type { CommandContext } from './command-context.js';
import { EXIT_CODES } from './exit-codes.js';

const HELP_FOOTER = `
Exit codes: 0 ok, 1 failed or problems found, 2 usage error.
Plugins may add commands of their own; they are listed above when run inside a project.
Colours follow NO_COLOR, FORCE_COLOR, --no-color and --color.`;

/** The colour choice given on the command line, read before commander parses it (output exists before then). */
function colorFlag(argv: readonly string[]): boolean | undefined {
  const flags = argv.filter((argument) => argument === '--color' || argument === '--no-color');
  const last = flags.at(-1);
  return last === undefined ? undefined : last === '--color';
}

/** The first argument that is not an option: the command name, if one was given. */
function commandName(argv: readonly string[]): string | undefined {
  return argv.find((argument) => !argument.startsWith('-'));
}

function builtinProgram(context: CommandContext, builtins: () => ReadonlySet<string>): Command {
  const { out } = context;
  const program = new Command('trellis')
    .description('Scaffold, run, develop and control Trellis plugin hosts.')
    .version(cliVersion(), '-v, --version')
    .option('--color', 'force coloured output')
    .option('--no-color', 'plain output')
    .showSuggestionAfterError(true)
    .addHelpText('after', HELP_FOOTER)
    // Set before the commands are added: commander copies these settings to each subcommand it creates.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => out.io.stdout.write(text),
      writeErr: (text) => out.io.stderr.write(text),
      outputError: (text, write) => write(out.errorColors.red(text)),
    });
  registerInit(program, context);
  registerNew(program, context);
  registerServe(program, context);
  registerList(program, context);
  registerInfo(program, context);
  registerGraph(program, context);
  registerDoctor(program, context, builtins);
  registerControl(program, context);
  return program;
}

/**
 * Loads the plugin commands of the project in the working directory and adds them to `program`, when
 * they can matter: the command asked for is not a built-in one, or top-level help was asked for inside
 * a project. Failures are reported but never stop the built-in commands.
 */
async function addPluginCommands(
  program: Command,
  argv: readonly string[],
  context: CommandContext,
  builtins: ReadonlySet<string>,
): Promise<void> {
  const { io } = context.out;
  const name = commandName(argv);
  const wantsHelp = name === undefined || name === 'help';
  if (name !== undefined && builtins.has(name) && name !== 'help') return;
  if (wantsHelp && findConfigFile(io.cwd) === undefined) return;
  try {
    const inspected = await inspectProject({ cwd: io.cwd, env: io.env });
    const { commands, problems } = collectCommands(inspected.loaded, builtins);
    for (const problem of problems) context.out.problem(problem);
    registerPluginCommands(program, commands, inspected, context);
  } catch (error) {
    // Without the project's plugins an unknown command stays unknown; say why.
    if (!wantsHelp) context.out.error(error as Error);
  }
}

/**
 * Runs the `trellis` command line and resolves with its exit code: 0 when the command succeeded, 1 when
 * it failed (its error printed) or `doctor` found problems, 2 for usage errors. `start` and `dev` resolve
 * once the host was stopped by SIGINT or SIGTERM.
 *
 * @param argv - the arguments after the executable and script (`process.argv.slice(2)`).
 * @param io - streams, environment and working directory (the process's by default).
 */
export async function runCli(argv: readonly string[], io?: CliIo): Promise<number> {
  const resolvedIo: CliIo = io ?? {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  };
  const out = new Output(resolvedIo, colorFlag(argv));
  let exitCode: number = EXIT_CODES.ok;
  const context: CommandContext = {
    out,
    setExitCode(code) {
      exitCode = code;
    },
  };
  let builtinNames = new Set<string>();
  const program = builtinProgram(context, () => builtinNames);
  builtinNames = new Set(program.commands.flatMap((command) => [command.name(), ...command.aliases()]));
  builtinNames.add('help');
  await addPluginCommands(program, argv, context, builtinNames);
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT_CODES.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    out.error(error instanceof Error ? error : new Error(String(error)));
    return EXIT_CODES.failed;
  }
}
