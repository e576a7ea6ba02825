import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runTrellis, spawnTrellis, stopAll } from '../support/cli-process.js';
import { listeningUrl, scaffoldProject } from '../support/project.js';
import { makeTempDirectory, type TempDirectory } from '../support/temp-directory.js';

interface PluginState {
  readonly name: string;
  readonly state: string;
  readonly disabledBy?: string;
}

describe('trellis start and the admin commands', () => {
  let directory: TempDirectory;
  let project: string;

  beforeEach(async () => {
    directory = await makeTempDirectory();
    project = await scaffoldProject(directory.path);
  });

  afterEach(async () => {
    await stopAll();
    await directory.remove();
  });

  async function states(): Promise<Record<string, string>> {
    const listed = await runTrellis(['list', '--url', '--json'], { cwd: project });
    expect(listed.code).toBe(0);
    const { plugins } = JSON.parse(listed.stdout) as { plugins: PluginState[] };
    return Object.fromEntries(plugins.map((plugin) => [plugin.name, plugin.state]));
  }

  it('serves the plugins, and disables and enables one through the CLI', async () => {
    const host = spawnTrellis(['start', '--port', '0'], {
      cwd: project,
      env: { TRELLIS_GREETER_GREETING: 'Howdy' },
    });
    await host.waitFor(/listening on/);
    const url = listeningUrl(host.stdout);

    const hello = await fetch(`${url}/hello?name=Ada`);
    expect(hello.status).toBe(200);
    expect(await hello.json()).toEqual({ message: 'Hello, Ada!' });
    // The environment wins over the config file and the schema's default.
    expect(await (await fetch(`${url}/greeter?name=Ada`)).json()).toEqual({ message: 'Howdy, Ada!' });
    expect(await states()).toEqual({ greeter: 'running', hello: 'running' });

    const disabled = await runTrellis(['disable', 'greeter', '--json'], { cwd: project });
    expect(disabled.code).toBe(0);
    expect(JSON.parse(disabled.stdout).plugin.state).toBe('disabled');
    const refused = await fetch(`${url}/greeter?name=Ada`);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('E_PLUGIN_DISABLED');
    expect(await states()).toEqual({ greeter: 'disabled', hello: 'running' });
    // The other plugin is untouched.
    expect((await fetch(`${url}/hello?name=Ada`)).status).toBe(200);

    const enabled = await runTrellis(['enable', 'greeter'], { cwd: project });
    expect(enabled.code).toBe(0);
    expect(enabled.stderr).toContain('enabled greeter: running');
    expect((await fetch(`${url}/greeter?name=Ada`)).status).toBe(200);
    expect(await states()).toEqual({ greeter: 'running', hello: 'running' });

    const info = await runTrellis(['info', 'greeter', '--url', url, '--json'], { cwd: project });
    expect(info.code).toBe(0);
    const detail = JSON.parse(info.stdout).plugin;
    expect(detail.capabilities).toEqual(['greeter.greet']);
    expect(
      detail.routes.map((route: { method: string; path: string }) => `${route.method} ${route.path}`),
    ).toEqual(['GET /greeter']);
  });

  it('keeps the admin API closed to requests without the token', async () => {
    const host = spawnTrellis(['start', '--port', '0'], { cwd: project });
    await host.waitFor(/listening on/);
    const url = listeningUrl(host.stdout);
    const tokenFile = join(project, '.trellis', 'admin-token');
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);

    expect((await fetch(`${url}/_trellis/plugins`)).status).toBe(401);
    const forged = await fetch(`${url}/_trellis/plugins/hello/disable`, {
      method: 'POST',
      headers: { authorization: 'Trellis-Admin not-the-token' },
    });
    expect(forged.status).toBe(401);
    const wrong = await runTrellis(['disable', 'hello', '--token', 'not-the-token'], { cwd: project });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('E_UNAUTHENTICATED');
    expect((await fetch(`${url}/hello`)).status).toBe(200);

    const token = (await readFile(tokenFile, 'utf8')).trim();
    const allowed = await fetch(`${url}/_trellis/plugins`, {
      headers: { authorization: `Trellis-Admin ${token}` },
    });
    expect(allowed.status).toBe(200);
  });

  it('reports an unknown plugin and a host that is not there', async () => {
    const host = spawnTrellis(['start', '--port', '0'], { cwd: project });
    await host.waitFor(/listening on/);
    const missing = await runTrellis(['disable', 'nope'], { cwd: project });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('E_PLUGIN_NOT_FOUND');
    expect(missing.stderr).toContain('greeter, hello');
    const protectedPlugin = await runTrellis(['disable', '@trellis/admin'], { cwd: project });
    expect(protectedPlugin.code).toBe(1);
    expect(protectedPlugin.stderr).toContain('E_ADMIN_PROTECTED');

    expect(await host.stop('SIGTERM')).toBe(0);
    const unreachable = await runTrellis(['list', '--url', 'http://127.0.0.1:9'], { cwd: project });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('E_ADMIN_UNREACHABLE');
  });

  it('stops gracefully on SIGINT and SIGTERM, with exit code 0', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const host = spawnTrellis(['start', '--port', '0'], { cwd: project });
      await host.waitFor(/listening on/);
      expect(existsSync(join(project, '.trellis', 'runtime.json'))).toBe(true);
      expect(await host.stop(signal)).toBe(0);
      expect(host.stderr).toContain('stopped');
      expect(existsSync(join(project, '.trellis', 'runtime.json'))).toBe(false);
    }
    // State persisted in SQLite under .trellis/.
    expect(existsSync(join(project, '.trellis', 'state.db'))).toBe(true);
  });
});
