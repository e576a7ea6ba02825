import { definePlugin, TrellisError } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import type { PluginSource } from '../../src/discovery/plugin-package.js';
import type { LoadedPlugin } from '../../src/loading/load-plugin.js';
import { type CliCommand, commandIssues, defineCommand } from '../../src/plugin-commands/define-command.js';
import { collectCommands } from '../../src/plugin-commands/plugin-commands.js';

function command(name: string): CliCommand {
  return { name, description: `does ${name}`, run() {} };
}

function loaded(name: string, commands: CliCommand[]): LoadedPlugin {
  const plugin = definePlugin({ name, version: '1.0.0', setup() {} });
  const source = { name, version: '1.0.0', manifest: plugin.manifest, origin: 'config' } as PluginSource;
  return { source, plugin, commands };
}

describe('defineCommand', () => {
  it('returns a valid command unchanged', () => {
    const valid = {
      ...command('users:import'),
      arguments: [{ name: 'file', required: true }],
      options: [{ flags: '--dry-run' }],
    };
    expect(defineCommand(valid)).toBe(valid);
  });

  it('reports every problem at once', () => {
    let thrown: unknown;
    try {
      defineCommand({
        name: 'Users Import',
        description: '',
        options: [{ flags: 'dry-run' }],
        arguments: [{ name: 'files', variadic: true }, { name: '9lives' }],
        run: 'nope',
      } as unknown as CliCommand);
    } catch (error) {
      thrown = error;
    }
    expect(TrellisError.is(thrown, 'E_COMMAND_INVALID')).toBe(true);
    const paths = ((thrown as TrellisError).details.issues as Array<{ path: string }>).map(
      (issue) => issue.path,
    );
    expect(paths).toEqual([
      'name',
      'description',
      'run',
      'options[0].flags',
      'arguments[0].variadic',
      'arguments[1].name',
    ]);
  });

  it.each([null, 'x', [], 42])('refuses %j as a command', (value) => {
    expect(commandIssues(value)).toHaveLength(1);
  });
});

describe('collectCommands', () => {
  it('keeps the first command of a name and reports clashes with built-ins and with other plugins', () => {
    const { commands, problems } = collectCommands(
      [
        loaded('users', [command('users:import'), command('list')]),
        loaded('admin-tools', [command('users:import'), command('tools:clean')]),
      ],
      new Set(['list', 'start']),
    );
    expect(commands.map((entry) => `${entry.plugin} ${entry.command.name}`)).toEqual([
      'users users:import',
      'admin-tools tools:clean',
    ]);
    expect(
      problems.map((problem) => [problem.subject, problem.error.code, problem.error.details.owner]),
    ).toEqual([
      ['users', 'E_COMMAND_CONFLICT', 'trellis'],
      ['admin-tools', 'E_COMMAND_CONFLICT', 'users'],
    ]);
  });
});
