import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runTrellis, stopAll } from '../support/cli-process.js';
import { pluginPackage, under, writeTree } from '../support/files.js';
import { makeTempDirectory, type TempDirectory } from '../support/temp-directory.js';
import { linkWorkspace } from '../support/workspace.js';

const COUNTER = `import { definePlugin } from '@trellis/core';
import { defineCommand } from '@trellis/cli';

export default definePlugin({
  name: 'counter',
  version: '1.0.0',
  setup(ctx) {
    ctx.provide('counter.next', async () => {
      const value = ((await ctx.state.get('count')) ?? 0) + 1;
      await ctx.state.set('count', value);
      return value;
    });
  },
});

export const commands = [
  defineCommand({
    name: 'counter:bump',
    description: 'Bumps the persisted counter',
    arguments: [{ name: 'label', required: true }],
    options: [{ flags: '-t, --times <n>', description: 'how many times', default: '1' }, { flags: '--quiet' }],
    async run(args, context) {
      const values = await context.withHost(async (host) => {
        const seen = [];
        for (let index = 0; index < Number(args.times); index++) seen.push(await host.call('counter.next'));
        return seen;
      });
      if (!args.quiet) context.stdout.write(args.label + ': ' + values.join(',') + '\\n');
      return values.at(-1) > 3 ? 7 : undefined;
    },
  }),
  { name: 'list', description: 'collides with a built-in', run() {} },
];
`;

describe('commands contributed by plugins', () => {
  let directory: TempDirectory;

  beforeEach(async () => {
    directory = await makeTempDirectory();
    await writeTree(directory.path, {
      'trellis.config.mjs': "export default { store: { path: '.trellis/state.db' } };\n",
      ...under('plugins/counter', pluginPackage('counter', { code: COUNTER })),
    });
    await linkWorkspace(directory.path);
  });

  afterEach(async () => {
    await stopAll();
    await directory.remove();
  });

  it('runs a plugin command with its arguments, options and a booted host', async () => {
    const first = await runTrellis(['counter:bump', 'visits', '--times', '2'], { cwd: directory.path });
    expect(first.stdout).toBe('visits: 1,2\n');
    expect(first.code).toBe(0);
    // The host used the project's store: the count survived the first run.
    const second = await runTrellis(['counter:bump', 'again', '-t', '2'], { cwd: directory.path });
    expect(second.stdout).toBe('again: 3,4\n');
    // A number returned by run() is the exit code.
    expect(second.code).toBe(7);
  });

  it('lists plugin commands in help and reports the ones that clash with built-ins', async () => {
    const help = await runTrellis(['--help'], { cwd: directory.path });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(
      /counter:bump \[options\] <label>\s+Bumps the persisted counter \(from counter\)/,
    );
    expect(help.stderr).toContain('E_COMMAND_CONFLICT');
    expect(help.stderr).toContain("'list', which is a built-in trellis command");
    const list = await runTrellis(['list', '--json'], { cwd: directory.path });
    expect(JSON.parse(list.stdout).plugins[0].name).toBe('counter');
  });

  it('reports a usage error of a plugin command', async () => {
    const missing = await runTrellis(['counter:bump'], { cwd: directory.path });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'label'");
  });
});
