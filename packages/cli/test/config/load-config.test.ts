import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TrellisError } from '@trellis/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findConfigFile, loadConfig } from '../../src/config/load-config.js';
import { resolveSettings } from '../../src/config/settings.js';
import { makeTempDirectory, type TempDirectory } from '../support/temp-directory.js';

async function rejection(promise: Promise<unknown>): Promise<TrellisError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(TrellisError);
  return error as TrellisError;
}

describe('loadConfig', () => {
  let directory: TempDirectory;

  beforeEach(async () => {
    directory = await makeTempDirectory();
  });

  afterEach(() => directory.remove());

  it('loads a TypeScript config through jiti', async () => {
    await writeFile(
      join(directory.path, 'trellis.config.ts'),
      "const port: number = 4000;\nexport default { http: { port }, pluginDirs: ['extensions'] };\n",
    );
    const loaded = await loadConfig({ cwd: directory.path });
    expect(loaded.file).toBe(join(directory.path, 'trellis.config.ts'));
    expect(loaded.config).toEqual({ http: { port: 4000 }, pluginDirs: ['extensions'] });
  });

  it('loads JSON and ES module configs', async () => {
    await writeFile(join(directory.path, 'trellis.config.json'), '{ "store": "memory" }');
    expect((await loadConfig({ cwd: directory.path })).config).toEqual({ store: 'memory' });
    await writeFile(
      join(directory.path, 'trellis.config.mjs'),
      'export default { discoverPackages: false };',
    );
    // .mjs comes before .json in the search order.
    expect((await loadConfig({ cwd: directory.path })).config).toEqual({ discoverPackages: false });
  });

  it("finds the project's config from a directory inside it", async () => {
    await writeFile(join(directory.path, 'trellis.config.json'), '{}');
    const nested = join(directory.path, 'plugins', 'users', 'src');
    await mkdir(nested, { recursive: true });
    expect(findConfigFile(nested)).toBe(join(directory.path, 'trellis.config.json'));
    expect((await loadConfig({ cwd: nested })).root).toBe(directory.path);
  });

  it('uses the defaults in the working directory without a config file', async () => {
    const loaded = await loadConfig({ cwd: directory.path });
    expect(loaded).toEqual({ root: directory.path, file: undefined, config: {} });
    const settings = resolveSettings(loaded, {});
    expect(settings.http).toMatchObject({ port: 3000, host: '127.0.0.1' });
    expect(settings.pluginDirs).toEqual([join(directory.path, 'plugins')]);
    expect(settings.store).toEqual({ path: join(directory.path, '.trellis', 'state.db') });
  });

  it('reports a missing --config file', async () => {
    const error = await rejection(loadConfig({ cwd: directory.path, file: 'nope.config.ts' }));
    expect(error.code).toBe('E_CONFIG_FILE_NOT_FOUND');
    expect(error.message).toContain('nope.config.ts');
  });

  it('reports a syntax error with the file', async () => {
    await writeFile(join(directory.path, 'trellis.config.ts'), 'export default { http: { port: 1 ');
    const error = await rejection(loadConfig({ cwd: directory.path }));
    expect(error.code).toBe('E_CONFIG_LOAD_FAILED');
    expect(error.message).toContain('trellis.config.ts');
    await writeFile(join(directory.path, 'trellis.config.ts'), '');
    await writeFile(join(directory.path, 'trellis.config.json'), '{ "store": ');
    const json = await rejection(loadConfig({ cwd: directory.path, file: 'trellis.config.json' }));
    expect(json.code).toBe('E_CONFIG_LOAD_FAILED');
  });

  it('reports a config without a default export', async () => {
    await writeFile(join(directory.path, 'trellis.config.mjs'), 'export const config = {};');
    const error = await rejection(loadConfig({ cwd: directory.path }));
    expect(error.code).toBe('E_CONFIG_LOAD_FAILED');
    expect(error.message).toContain('default export');
  });

  it('lists every problem of a config with the wrong shape', async () => {
    await writeFile(
      join(directory.path, 'trellis.config.json'),
      JSON.stringify({
        pluginDir: ['x'],
        plugins: [{ name: 'fake' }],
        http: { port: 70_000, host: '', listen: false },
        store: { path: '', mode: 'wal' },
        config: [],
        adminToken: 42,
        logger: 'debug',
        host: { setupTimeout: -1, boot: 'fast', retries: 2 },
        discoverPackages: 'yes',
      }),
    );
    const error = await rejection(loadConfig({ cwd: directory.path }));
    expect(error.code).toBe('E_CONFIG_FILE_INVALID');
    const paths = (error.details.issues as Array<{ path: string }>).map((issue) => issue.path);
    expect(paths.sort()).toEqual(
      [
        'pluginDir',
        'plugins[0]',
        'http.port',
        'http.host',
        'http.listen',
        'store.mode',
        'store.path',
        'config',
        'adminToken',
        'logger',
        'host.retries',
        'host.setupTimeout',
        'host.boot',
        'discoverPackages',
      ].sort(),
    );
    expect(error.message).toContain('pluginDir: unknown key; did you mean "pluginDirs"?');
  });
});

describe('resolveSettings', () => {
  const loaded = {
    root: '/project',
    file: '/project/trellis.config.ts',
    config: {
      http: { port: 4000, host: '0.0.0.0' },
      adminToken: 'from-config-file-0000',
      store: 'memory' as const,
    },
  };

  it('takes flags over the environment over the config file', () => {
    const env = {
      TRELLIS_PORT: '5000',
      TRELLIS_HOST: '::1',
      TRELLIS_ADMIN_TOKEN: 'from-env',
      TRELLIS_LOG_LEVEL: 'warn',
    };
    expect(resolveSettings(loaded, {}).http).toMatchObject({ port: 4000, host: '0.0.0.0' });
    const fromEnv = resolveSettings(loaded, env);
    expect(fromEnv.http).toMatchObject({ port: 5000, host: '::1' });
    expect(fromEnv.adminToken).toBe('from-env');
    expect(fromEnv.logLevel).toBe('warn');
    const fromFlags = resolveSettings(loaded, env, { port: 0, host: '127.0.0.1', logLevel: 'debug' });
    expect(fromFlags.http).toMatchObject({ port: 0, host: '127.0.0.1' });
    expect(fromFlags.logLevel).toBe('debug');
    expect(fromFlags.store).toBe('memory');
  });

  it('refuses a TRELLIS_PORT that is not a port', () => {
    for (const port of ['http', '-1', '65536', '80.5']) {
      expect(() => resolveSettings(loaded, { TRELLIS_PORT: port })).toThrow(
        expect.objectContaining({ code: 'E_ENV_INVALID' }),
      );
    }
  });
});
