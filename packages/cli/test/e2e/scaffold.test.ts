import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runTrellis, stopAll } from '../support/cli-process.js';
import { makeTempDirectory, type TempDirectory } from '../support/temp-directory.js';
import { linkWorkspace, ROOT_NODE_MODULES } from '../support/workspace.js';

describe('trellis init and trellis new plugin', () => {
  let directory: TempDirectory;

  beforeEach(async () => {
    directory = await makeTempDirectory();
  });

  afterEach(async () => {
    await stopAll();
    await directory.remove();
  });

  it('creates a host project with scripts, config, .gitignore and an example plugin', async () => {
    const result = await runTrellis(['init', 'my-host'], { cwd: directory.path });
    expect(result.code).toBe(0);
    const project = join(directory.path, 'my-host');
    const packageJson = JSON.parse(await readFile(join(project, 'package.json'), 'utf8'));
    expect(packageJson.name).toBe('my-host');
    expect(packageJson.scripts).toMatchObject({
      start: 'trellis start',
      dev: 'trellis dev',
      test: 'vitest run',
    });
    expect(await readFile(join(project, 'trellis.config.ts'), 'utf8')).toContain('defineConfig(');
    expect(await readFile(join(project, '.gitignore'), 'utf8')).toContain('.trellis/');
    const plugin = JSON.parse(await readFile(join(project, 'plugins/hello/package.json'), 'utf8'));
    expect(plugin.trellis).toBeDefined();
    expect(existsSync(join(project, 'plugins/hello/src/index.ts'))).toBe(true);
  });

  it('refuses a directory that is not empty unless --force is given', async () => {
    await writeFile(join(directory.path, 'notes.txt'), 'mine');
    const refused = await runTrellis(['init', '.'], { cwd: directory.path });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('E_DIRECTORY_NOT_EMPTY');
    expect(refused.stderr).toContain('--force');
    expect(existsSync(join(directory.path, 'trellis.config.ts'))).toBe(false);
    const forced = await runTrellis(['init', '.', '--force'], { cwd: directory.path });
    expect(forced.code).toBe(0);
    expect(existsSync(join(directory.path, 'trellis.config.ts'))).toBe(true);
    expect(await readFile(join(directory.path, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('writes JavaScript with --js', async () => {
    expect((await runTrellis(['init', 'js-host', '--js'], { cwd: directory.path })).code).toBe(0);
    const project = join(directory.path, 'js-host');
    expect(existsSync(join(project, 'trellis.config.mjs'))).toBe(true);
    expect(existsSync(join(project, 'plugins/hello/src/index.js'))).toBe(true);
    // A JavaScript project gets JavaScript plugins without being told again.
    expect((await runTrellis(['new', 'plugin', 'billing'], { cwd: project })).code).toBe(0);
    expect(existsSync(join(project, 'plugins/billing/src/index.js'))).toBe(true);
  });

  it('places a new plugin in the project plugin directory and lists it', async () => {
    const project = join(directory.path, 'host');
    await runTrellis(['init', 'host'], { cwd: directory.path });
    const created = await runTrellis(['new', 'plugin', '@acme/users'], { cwd: join(project, 'plugins') });
    expect(created.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(project, 'plugins/acme-users/package.json'), 'utf8'));
    expect(manifest.name).toBe('@acme/users');
    expect(manifest.trellis.hostApi).toBe('^1.0.0');
    await linkWorkspace(project);
    const listed = await runTrellis(['list', '--json'], { cwd: project });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).plugins.map((plugin: { name: string }) => plugin.name)).toEqual([
      '@acme/users',
      'hello',
    ]);
  });

  it.each([
    ['Users', 'lowercase'],
    ['_private', "may not start with '.' or '_'"],
    ['http', 'built-in module'],
    ['a b', 'only a-z'],
  ])('refuses the plugin name %j with a reason', async (name, reason) => {
    const result = await runTrellis(['new', 'plugin', name], { cwd: directory.path });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('E_PLUGIN_NAME_INVALID');
    expect(result.stderr).toContain(reason);
  });

  it('refuses to overwrite an existing plugin directory', async () => {
    await runTrellis(['new', 'plugin', 'users'], { cwd: directory.path });
    const again = await runTrellis(['new', 'plugin', 'users'], { cwd: directory.path });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('E_TARGET_EXISTS');
  });

  it.each([
    ['TypeScript', []],
    ['JavaScript', ['--js']],
  ])(
    'scaffolds a %s plugin whose own test passes',
    async (_language, flags) => {
      const plugin = join(directory.path, 'greeter');
      expect((await runTrellis(['new', 'plugin', 'greeter', ...flags], { cwd: directory.path })).code).toBe(
        0,
      );
      await linkWorkspace(plugin, ['zod', 'vitest', 'fast-check']);
      const vitest = join(ROOT_NODE_MODULES, 'vitest', 'vitest.mjs');
      expect((await stat(vitest)).isFile()).toBe(true);
      const run = spawnSync(process.execPath, [vitest, 'run', '--root', plugin], {
        cwd: plugin,
        encoding: 'utf8',
        env: {
          ...process.env,
          NO_COLOR: '1',
          VITEST: undefined,
          VITEST_POOL_ID: undefined,
          VITEST_WORKER_ID: undefined,
        },
      });
      expect(run.stdout + run.stderr).toContain('3 passed');
      expect(run.status).toBe(0);
    },
    60_000,
  );
});
