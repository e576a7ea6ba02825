import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { definePlugin } from '@trellis/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverPlugins } from '../../src/discovery/discover-plugins.js';
import { packageEntry } from '../../src/discovery/plugin-package.js';
import { pluginPackage, under, writeTree } from '../support/files.js';
import { makeTempDirectory, type TempDirectory } from '../support/temp-directory.js';

describe('discoverPlugins', () => {
  let directory: TempDirectory;

  beforeEach(async () => {
    directory = await makeTempDirectory();
  });

  afterEach(() => directory.remove());

  function discover(options: { pluginDirs?: string[]; discoverPackages?: boolean; explicit?: boolean } = {}) {
    return discoverPlugins({
      root: directory.path,
      pluginDirs: (options.pluginDirs ?? ['plugins']).map((dir) => join(directory.path, dir)),
      discoverPackages: options.discoverPackages ?? true,
      explicitPluginDirs: options.explicit,
    });
  }

  it('finds plugin packages in plugin directories and in node_modules, scoped ones included', async () => {
    await writeTree(directory.path, {
      ...under('plugins/users', pluginPackage('users', { trellis: { dependencies: { store: '^1.0.0' } } })),
      ...under('plugins/store', pluginPackage('store', { version: '1.2.0' })),
      ...under('node_modules/@acme/audit', pluginPackage('@acme/audit')),
      'node_modules/left-pad/package.json': { name: 'left-pad', version: '1.0.0' },
    });
    const { sources, problems } = await discover();
    expect(problems).toEqual([]);
    expect(sources.map((source) => [source.name, source.origin])).toEqual([
      ['store', 'directory'],
      ['users', 'directory'],
      ['@acme/audit', 'package'],
    ]);
    const users = sources.find((source) => source.name === 'users');
    expect(users?.manifest.dependencies).toEqual({ store: '^1.0.0' });
    expect(users?.entry).toBe(join(directory.path, 'plugins/users/index.js'));
  });

  it('leaves installed packages alone when told to', async () => {
    await writeTree(directory.path, under('node_modules/audit', pluginPackage('audit')));
    expect((await discover({ discoverPackages: false })).sources).toEqual([]);
  });

  it('reports a broken package and still finds the others', async () => {
    await writeTree(directory.path, {
      ...under('plugins/good', pluginPackage('good')),
      ...under(
        'plugins/bad-manifest',
        pluginPackage('bad-manifest', { trellis: { activation: 'later', provides: 'x' } }),
      ),
      'plugins/bad-json/package.json': '{ "name": ',
      'plugins/no-entry/package.json': {
        name: 'no-entry',
        version: '1.0.0',
        main: 'dist/index.js',
        trellis: {},
      },
      'plugins/notes/README.md': 'not a plugin',
    });
    const { sources, problems } = await discover();
    expect(sources.map((source) => source.name)).toEqual(['good']);
    expect(problems.map((problem) => [problem.subject, problem.severity, problem.error.code])).toEqual([
      ['plugins/bad-json/package.json', 'error', 'E_PLUGIN_PACKAGE_INVALID'],
      ['bad-manifest', 'error', 'E_MANIFEST_INVALID'],
      ['no-entry', 'error', 'E_PLUGIN_ENTRY_MISSING'],
      ['plugins/notes', 'warning', 'E_PLUGIN_PACKAGE_MISSING'],
    ]);
    const manifest = problems[1]!.error;
    expect((manifest.details.issues as Array<{ path: string }>).map((issue) => issue.path)).toEqual([
      'trellis.provides',
      'trellis.activation',
    ]);
  });

  it('counts a package reachable twice once, and reports two packages with one name', async () => {
    await writeTree(directory.path, {
      ...under('plugins/users', pluginPackage('users')),
      ...under('vendor/users-copy', pluginPackage('users')),
    });
    await mkdir(join(directory.path, 'node_modules'), { recursive: true });
    await symlink(join(directory.path, 'plugins/users'), join(directory.path, 'node_modules/users'), 'dir');
    expect(await discover()).toEqual({
      sources: [expect.objectContaining({ name: 'users', origin: 'directory' })],
      problems: [],
    });

    const twice = await discover({ pluginDirs: ['plugins', 'vendor'] });
    expect(twice.sources).toHaveLength(1);
    expect(twice.problems.map((problem) => problem.error.code)).toEqual(['E_PLUGIN_SOURCE_DUPLICATE']);
    expect(twice.problems[0]?.error.message).toContain('plugins/users');
    expect(twice.problems[0]?.error.message).toContain('vendor/users-copy');
  });

  it('prefers a plugin defined in the config file over a discovered one of the same name', async () => {
    await writeTree(directory.path, under('plugins/users', pluginPackage('users')));
    const inConfig = definePlugin({ name: 'users', version: '9.0.0', setup() {} });
    const { sources, problems } = await discoverPlugins({
      root: directory.path,
      pluginDirs: [join(directory.path, 'plugins')],
      discoverPackages: false,
      configPlugins: [inConfig],
    });
    expect(sources.map((source) => [source.name, source.version, source.origin])).toEqual([
      ['users', '9.0.0', 'config'],
    ]);
    expect(problems.map((problem) => problem.error.code)).toEqual(['E_PLUGIN_SOURCE_DUPLICATE']);
  });

  it('warns about a missing plugin directory only when the config named it', async () => {
    expect((await discover()).problems).toEqual([]);
    const named = await discover({ pluginDirs: ['extensions'], explicit: true });
    expect(named.problems.map((problem) => problem.error.code)).toEqual(['E_PLUGIN_DIR_MISSING']);
  });
});

describe('packageEntry', () => {
  it.each([
    [{ main: 'lib/main.js' }, 'lib/main.js'],
    [{}, 'index.js'],
    [{ exports: './src/index.ts', main: 'ignored.js' }, './src/index.ts'],
    [{ exports: { '.': { types: './x.d.ts', import: './esm.js', require: './cjs.cjs' } } }, './esm.js'],
    [{ exports: { '.': { require: './cjs.cjs', default: './any.js' } } }, './any.js'],
    [{ exports: { node: { import: './node.mjs' }, default: './browser.js' } }, './node.mjs'],
    [{ exports: [{ import: './first.js' }, './second.js'] }, './first.js'],
    [{ exports: { './sub': './sub.js' } }, undefined],
  ])('resolves %j to %j', (packageJson, expected) => {
    expect(packageEntry(packageJson)).toBe(expected);
  });

  it('prefers exports over main whatever they hold', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (exported, main) => {
        expect(packageEntry({ exports: exported, main })).toBe(exported);
      }),
    );
  });
});
