import type { Host, ValidationIssue } from '@trellis/core';
import { describeValue, isPlainObject } from '../config/validate-config.js';
import { cliErrors } from '../errors/cli-errors.js';
import type { Colors } from '../output/colors.js';

/** An option of a plugin command, in commander's syntax. */
export interface CliCommandOption {
  /** `-n, --name <value>`, `--dry-run`, `--tags <tags...>`. */
  readonly flags: string;
  readonly description?: string;
  readonly default?: string | number | boolean | readonly string[];
}

/** A positional argument of a plugin command. */
export interface CliCommandArgument {
  /** The key it gets in `args` (`file`). */
  readonly name: string;
  readonly description?: string;
  /** Whether it must be given (default false). */
  readonly required?: boolean;
  /** Whether it takes every remaining argument (an array); only the last argument may be variadic. */
  readonly variadic?: boolean;
}

/**
 * What a command's `run` receives: each option by its camelCase name (`--dry-run` → `dryRun`), each
 * declared argument by its name, and every positional argument in `_`.
 */
export type CliCommandArgs = Readonly<Record<string, unknown>> & { readonly _: readonly string[] };

/** What a plugin command can use besides its arguments. */
export interface CliCommandContext {
  /** The plugin that contributed the command. */
  readonly plugin: string;
  /** The project directory. */
  readonly root: string;
  /** The plugin's config: config file and environment applied, not yet validated. */
  readonly config: unknown;
  /** Where results go. */
  readonly stdout: { write(chunk: string): unknown };
  /** Where progress and diagnostics go. */
  readonly stderr: { write(chunk: string): unknown };
  /** Colour functions for stdout (plain when it is not a terminal or `NO_COLOR` is set). */
  readonly colors: Colors;
  /**
   * Boots the project's plugins (the HTTP gateway attached but not listening), runs `work` with the
   * host, and stops the host afterwards, whatever `work` did.
   */
  withHost<T>(work: (host: Host) => T | Promise<T>): Promise<Awaited<T>>;
}

/**
 * A command a plugin adds to the `trellis` CLI: export an array of them as `commands` from the plugin's
 * entry module, and each appears as `trellis <name>`.
 */
export interface CliCommand {
  /** Lowercase words, dashes and `:` namespaces: `seed`, `users:import`. */
  readonly name: string;
  /** One line for `trellis --help`. */
  readonly description: string;
  readonly options?: readonly CliCommandOption[];
  readonly arguments?: readonly CliCommandArgument[];
  /** Does the work; a number it returns is the exit code (0 otherwise). A thrown error exits 1. */
  run(args: CliCommandArgs, context: CliCommandContext): unknown;
}

const COMMAND_NAME = /^[a-z][a-z0-9-]*(:[a-z][a-z0-9-]*)*$/;
const ARGUMENT_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

function checkOptions(value: unknown, issues: ValidationIssue[]): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    issues.push({
      path: 'options',
      message: `expected an array of { flags, description }, got ${describeValue(value)}`,
    });
    return;
  }
  value.forEach((option, index) => {
    const flags = isPlainObject(option) ? option.flags : undefined;
    if (typeof flags !== 'string' || !/(^|[\s,])--?[A-Za-z]/.test(flags))
      issues.push({
        path: `options[${index}].flags`,
        message: `expected flags such as "-n, --name <value>", got ${describeValue(flags)}`,
      });
  });
}

function checkArguments(value: unknown, issues: ValidationIssue[]): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    issues.push({ path: 'arguments', message: `expected an array of { name }, got ${describeValue(value)}` });
    return;
  }
  value.forEach((argument, index) => {
    const record = isPlainObject(argument) ? argument : {};
    if (typeof record.name !== 'string' || !ARGUMENT_NAME.test(record.name))
      issues.push({
        path: `arguments[${index}].name`,
        message: `expected a name such as file, got ${describeValue(record.name)}`,
      });
    if (record.variadic === true && index !== value.length - 1)
      issues.push({
        path: `arguments[${index}].variadic`,
        message: 'only the last argument may be variadic',
      });
  });
}

/** Every problem with a value meant to be a {@link CliCommand}; empty when it is one. */
export function commandIssues(value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isPlainObject(value)) {
    issues.push({
      path: '',
      message: `expected an object { name, description, run }, got ${describeValue(value)}`,
    });
    return issues;
  }
  if (typeof value.name !== 'string' || !COMMAND_NAME.test(value.name))
    issues.push({
      path: 'name',
      message: `expected lowercase words with dashes and ':' namespaces such as users:import, got ${describeValue(value.name)}`,
    });
  if (typeof value.description !== 'string' || value.description === '')
    issues.push({
      path: 'description',
      message: `expected one line for --help, got ${describeValue(value.description)}`,
    });
  if (typeof value.run !== 'function')
    issues.push({
      path: 'run',
      message: `expected a function (args, context) => ..., got ${describeValue(value.run)}`,
    });
  checkOptions(value.options, issues);
  checkArguments(value.arguments, issues);
  return issues;
}

/**
 * Declares a CLI command for a plugin to export in its `commands` array; checks it at once, so a
 * malformed command fails where it is written.
 *
 * @throws TrellisError `E_COMMAND_INVALID` listing every problem.
 * @example
 * ```ts
 * export const commands = [
 *   defineCommand({
 *     name: 'hello:say',
 *     description: 'Greets someone',
 *     arguments: [{ name: 'who', required: true }],
 *     options: [{ flags: '--shout', description: 'in capitals' }],
 *     run(args, context) {
 *       context.stdout.write(`${args.shout ? String(args.who).toUpperCase() : args.who}\n`);
 *     },
 *   }),
 * ];
 * ```
 */
export function defineCommand<const Command extends CliCommand>(command: Command): Command {
  const issues = commandIssues(command);
  if (issues.length > 0)
    throw cliErrors.commandInvalid(
      typeof command?.name === 'string' ? `command '${command.name}'` : 'defineCommand()',
      issues,
    );
  return command;
}
