import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnTrellis, stopAll, type TrellisProcess } from '../support/cli-process.js';
import { listeningUrl, scaffoldProject } from '../support/project.js';
import { makeTempDirectory, type TempDirectory } from '../support/temp-directory.js';

/** Placeholders as they appear in the generated plugin's template literal (`${name}`), for editing it. */
const NAME = ['$', '{name}'].join('');
const SUFFIX = ['$', '{suffix}'].join('');

/** Clients still calling, stopped after each test even when it failed midway. */
const clients = new Set<{ stop(): Promise<void> }>();

/** Calls `url` in a loop until `stop()`; records every status and body seen. */
function keepCalling(url: string) {
  const outcomes: Array<{ status: number; body: string } | { error: string }> = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const response = await fetch(url);
        outcomes.push({ status: response.status, body: await response.text() });
      } catch (error) {
        outcomes.push({ error: String(error) });
      }
    }
  })();
  const client = {
    outcomes,
    /** Resolves once a call answered with a body containing `text`. */
    async until(text: string): Promise<void> {
      while (!outcomes.some((outcome) => 'body' in outcome && outcome.body.includes(text))) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (!running) return;
      }
    },
    async stop(): Promise<void> {
      running = false;
      clients.delete(client);
      await loop;
    },
  };
  clients.add(client);
  return client;
}

/** Resolves once `url` answers with `message` (reloads are asynchronous: poll until the new code serves). */
async function answers(url: string, message: string): Promise<void> {
  const client = keepCalling(url);
  await client.until(`"message":"${message}"`);
  await client.stop();
}

describe.each([
  ['TypeScript', false, 'src/index.ts'],
  ['JavaScript', true, 'src/index.js'],
])('trellis dev (%s plugins)', (_language, js, entry) => {
  let directory: TempDirectory;
  let project: string;
  let dev: TrellisProcess;
  let url: string;

  beforeEach(async () => {
    directory = await makeTempDirectory();
    project = await scaffoldProject(directory.path, { js });
    dev = spawnTrellis(['dev', '--port', '0', '--debounce', '50'], { cwd: project });
    await dev.waitFor(/watching .* for changes/);
    url = listeningUrl(dev.stdout);
  });

  afterEach(async () => {
    await Promise.all([...clients].map((client) => client.stop()));
    await stopAll();
    await directory.remove();
  });

  async function edit(file: string, from: string, to: string): Promise<void> {
    const path = join(project, 'plugins', 'greeter', file);
    const source = await readFile(path, 'utf8');
    expect(source).toContain(from);
    await writeFile(path, source.replace(from, to));
  }

  it('reloads an edited plugin while a client keeps calling it, without a failed call', async () => {
    const client = keepCalling(`${url}/greeter?name=Ada`);
    await client.until('Hello, Ada!');
    await edit(entry, `${NAME}!`, `${NAME}, welcome back!`);
    await client.until('welcome back');
    await client.stop();
    expect(client.outcomes.filter((outcome) => !('status' in outcome) || outcome.status !== 200)).toEqual([]);
    expect(dev.stdout).toMatch(/reloaded greeter/);
    // The other plugin was never touched.
    expect(await (await fetch(`${url}/hello?name=Ada`)).json()).toEqual({ message: 'Hello, Ada!' });
  });

  it('keeps the running version when the edit does not compile, and takes the fix', async () => {
    await edit(entry, 'export default definePlugin({', 'export default definePlugin({{');
    await dev.waitFor(/E_PLUGIN_IMPORT_FAILED/, 'stderr');
    expect(dev.stderr).toContain('keeps running its previous version');
    expect(await (await fetch(`${url}/greeter?name=Ada`)).json()).toEqual({ message: 'Hello, Ada!' });
    await edit(entry, 'export default definePlugin({{', 'export default definePlugin({');
    await edit(entry, `${NAME}!`, `${NAME}?`);
    await answers(`${url}/greeter?name=Ada`, 'Hello, Ada?');
    expect(dev.stdout).toMatch(/reloaded greeter/);
  });

  it('reloads a change in a module the plugin imports', async () => {
    const helper = join(project, 'plugins', 'greeter', js ? 'src/suffix.js' : 'src/suffix.ts');
    await writeFile(helper, "export const suffix = '!!';\n");
    await edit(
      entry,
      "import { z } from 'zod';",
      "import { z } from 'zod';\nimport { suffix } from './suffix.js';",
    );
    await edit(entry, `${NAME}!`, `${NAME}${SUFFIX}`);
    await answers(`${url}/greeter?name=Ada`, 'Hello, Ada!!');
    await writeFile(helper, "export const suffix = ' :)';\n");
    await answers(`${url}/greeter?name=Ada`, 'Hello, Ada :)');
    expect(dev.stderr).not.toContain('E_PLUGIN_IMPORT_FAILED');
  });

  it('restarts on the same port when the config file changes', async () => {
    const configFile = js ? 'trellis.config.mjs' : 'trellis.config.ts';
    const path = join(project, configFile);
    await writeFile(path, (await readFile(path, 'utf8')).replace("greeting: 'Hello'", "greeting: 'Bonjour'"));
    await dev.waitFor(/restarting[\s\S]*listening on/);
    expect(listeningUrl(dev.stdout.slice(dev.stdout.indexOf('restarting')))).toBe(url);
    expect(await (await fetch(`${url}/hello?name=Ada`)).json()).toEqual({ message: 'Bonjour, Ada!' });
  });
});
