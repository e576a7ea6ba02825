import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runTrellis, spawnTrellis, stopAll } from '../support/cli-process.js';
import { writeTree } from '../support/files.js';
import { listeningUrl, scaffoldProject } from '../support/project.js';
import { makeTempDirectory, type TempDirectory } from '../support/temp-directory.js';

describe('trellis with bad input', () => {
  let directory: TempDirectory;
  let project: string;
  let blocker: Server | undefined;

  beforeEach(async () => {
    directory = await makeTempDirectory();
    project = await scaffoldProject(directory.path);
  });

  afterEach(async () => {
    await stopAll();
    await new Promise<void>((resolve) =>
      blocker === undefined ? resolve() : blocker.close(() => resolve()),
    );
    blocker = undefined;
    await directory.remove();
  });

  async function writeConfig(source: string): Promise<void> {
    await writeFile(join(project, 'trellis.config.ts'), source);
  }

  it('refuses a config file with a syntax error, naming the file', async () => {
    await writeConfig(
      "import { defineConfig } from '@trellis/cli';\nexport default defineConfig({ http: { port: 3000 }\n",
    );
    const result = await runTrellis(['start', '--port', '0'], { cwd: project });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('E_CONFIG_LOAD_FAILED');
    expect(result.stderr).toContain('trellis.config.ts');
    expect(result.stdout).not.toContain('listening on');
  });

  it('lists every wrong field of the config file at once', async () => {
    await writeConfig(
      "import { defineConfig } from '@trellis/cli';\nexport default { http: { port: '3000' }, plugns: [], store: 5, pluginDirs: 'plugins' };\n",
    );
    const result = await runTrellis(['start'], { cwd: project });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('E_CONFIG_FILE_INVALID');
    expect(result.stderr).toContain('4 problems');
    expect(result.stderr).toContain('http.port: expected a whole number from 0 to 65535, got "3000"');
    expect(result.stderr).toContain('plugns: unknown key; did you mean "plugins"?');
    expect(result.stderr).toContain('store:');
    expect(result.stderr).toContain('pluginDirs:');
  });

  it('reports every invalid plugin config before starting anything', async () => {
    await writeConfig(
      "import { defineConfig } from '@trellis/cli';\nexport default defineConfig({ config: { hello: { greeting: 5 }, greeter: { greeting: ['x'] } } });\n",
    );
    const result = await runTrellis(['start', '--port', '0'], { cwd: project });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/hello E_CONFIG_INVALID[\s\S]*config\.hello:\n\s+- greeting/);
    expect(result.stderr).toMatch(/greeter E_CONFIG_INVALID/);
    expect(result.stderr).toContain('2 problems above must be fixed first');
    expect(result.stdout).not.toContain('listening on');
  });

  it('starts the valid plugins when another plugin directory has an invalid manifest, and reports it', async () => {
    const manifestPath = join(project, 'plugins', 'greeter', 'package.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    manifest.trellis = { activation: 'sometimes', dependencies: ['Not A Name'] };
    await writeFile(manifestPath, JSON.stringify(manifest));
    await writeTree(project, { 'plugins/notes/README.md': 'not a plugin' });

    const host = spawnTrellis(['start', '--port', '0'], { cwd: project });
    await host.waitFor(/listening on/);
    expect(host.stderr).toContain('E_MANIFEST_INVALID');
    expect(host.stderr).toContain('trellis.activation');
    expect(host.stderr).toContain('E_PLUGIN_PACKAGE_MISSING');
    const url = listeningUrl(host.stdout);
    expect((await fetch(`${url}/hello?name=Ada`)).status).toBe(200);
    expect((await fetch(`${url}/greeter?name=Ada`)).status).toBe(404);

    const strict = await runTrellis(['start', '--port', '0', '--strict'], { cwd: project });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('E_START_REFUSED');
  });

  it('reports a plugin whose code disagrees with its package.json', async () => {
    const manifestPath = join(project, 'plugins', 'greeter', 'package.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    manifest.version = '2.0.0';
    await writeFile(manifestPath, JSON.stringify(manifest));
    const doctor = await runTrellis(['doctor'], { cwd: project });
    expect(doctor.code).toBe(1);
    expect(doctor.stderr).toContain('E_PLUGIN_MANIFEST_MISMATCH');
    expect(doctor.stderr).toContain('"2.0.0"');
  });

  it('exits 1 naming the port when the port is in use', async () => {
    blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker!.listen(0, '127.0.0.1', () => resolve((blocker!.address() as { port: number }).port)),
    );
    const result = await runTrellis(['start', '--port', String(port)], { cwd: project });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('E_PORT_IN_USE');
    expect(result.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    const doctor = await runTrellis(['doctor', '--port', String(port), '--json'], { cwd: project });
    expect(doctor.code).toBe(1);
    expect(JSON.parse(doctor.stdout).problems.map((problem: { code: string }) => problem.code)).toContain(
      'E_PORT_IN_USE',
    );
  });
});

describe('trellis usage errors', () => {
  let directory: TempDirectory;

  beforeEach(async () => {
    directory = await makeTempDirectory();
  });

  afterEach(async () => {
    await stopAll();
    await directory.remove();
  });

  it.each([
    [['start', '--port', 'eighty']],
    [['start', '--bogus']],
    [['graph', '--format', 'png']],
    [['info']],
    [['frobnicate']],
  ])('exits 2 for the usage error %j', async (args) => {
    const result = await runTrellis(args, { cwd: directory.path });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: /);
  });
});
