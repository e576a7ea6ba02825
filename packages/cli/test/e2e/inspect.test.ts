import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runTrellis, stopAll } from '../support/cli-process.js';
import { pluginPackage, under, writeTree } from '../support/files.js';
import { makeTempDirectory, type TempDirectory } from '../support/temp-directory.js';
import { linkWorkspace } from '../support/workspace.js';

const PAYMENTS = `import { definePlugin } from '@trellis/core';
import { z } from 'zod';
export default definePlugin({
  name: 'payments',
  version: '1.0.0',
  dependencies: { store: '^1.0.0' },
  config: z.object({ currency: z.string().default('EUR'), apiKey: z.string(), retries: z.number().default(3) }),
  setup() {},
});
export const commands = [{ name: 'payments:refund', description: 'Refunds a payment', run() {} }];
`;

describe('trellis list, info, graph and doctor on a project', () => {
  let directory: TempDirectory;
  const env = { TRELLIS_PAYMENTS_API_KEY: 'sk_live_123', TRELLIS_PAYMENTS_RETRIES: '5' };

  beforeAll(async () => {
    directory = await makeTempDirectory();
    await writeTree(directory.path, {
      'trellis.config.json': { config: { payments: { currency: 'USD' } }, store: 'memory' },
      ...under('plugins/store', pluginPackage('store', { version: '1.4.0' })),
      ...under(
        'plugins/payments',
        pluginPackage('payments', { trellis: { dependencies: { store: '^1.0.0' } }, code: PAYMENTS }),
      ),
      ...under(
        'node_modules/@acme/audit',
        pluginPackage('@acme/audit', {
          trellis: { optionalDependencies: ['payments'] },
          code: "import { definePlugin } from '@trellis/core';\nexport default definePlugin({ name: '@acme/audit', version: '1.0.0', optionalDependencies: ['payments'], setup() {} });\n",
        }),
      ),
    });
    await linkWorkspace(directory.path);
  });

  afterEach(() => stopAll());

  afterAll(() => directory.remove());

  it('lists discovered plugins as JSON', async () => {
    const result = await runTrellis(['list', '--json'], { cwd: directory.path });
    expect(result.code).toBe(0);
    const listed = JSON.parse(result.stdout);
    expect(
      listed.plugins.map((plugin: { name: string; origin: string }) => `${plugin.name} ${plugin.origin}`),
    ).toEqual(['payments directory', 'store directory', '@acme/audit package']);
    expect(listed.problems).toEqual([]);
  });

  it('shows a plugin with its effective config, secrets masked, and its commands', async () => {
    const result = await runTrellis(['info', 'payments', '--json'], { cwd: directory.path, env });
    expect(result.code).toBe(0);
    const { plugin } = JSON.parse(result.stdout);
    expect(plugin.config).toEqual({ currency: 'USD', apiKey: '[redacted]', retries: 5 });
    expect(plugin.configFromEnv.map((entry: { variable: string }) => entry.variable)).toEqual([
      'TRELLIS_PAYMENTS_API_KEY',
      'TRELLIS_PAYMENTS_RETRIES',
    ]);
    expect(plugin.configSchema).toEqual([
      { key: 'currency', type: 'string', required: false, default: 'EUR' },
      { key: 'apiKey', type: 'string', required: true },
      { key: 'retries', type: 'number', required: false, default: 3 },
    ]);
    expect(plugin.dependents).toEqual(['@acme/audit']);
    expect(plugin.commands).toEqual([{ name: 'payments:refund', description: 'Refunds a payment' }]);
    const text = await runTrellis(['info', 'payments'], { cwd: directory.path, env });
    expect(text.stdout).toContain('payments@1.0.0');
    expect(text.stdout).not.toContain('sk_live_123');
    const missing = await runTrellis(['info', 'nope'], { cwd: directory.path });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('E_PLUGIN_NOT_FOUND');
  });

  it('prints the graph in every format', async () => {
    const json = JSON.parse((await runTrellis(['graph', '--json'], { cwd: directory.path })).stdout);
    expect(json.batches).toEqual([['store'], ['payments'], ['@acme/audit']]);
    const mermaid = await runTrellis(['graph', '--format', 'mermaid'], { cwd: directory.path });
    expect(mermaid.stdout.startsWith('flowchart TD\n')).toBe(true);
    expect(mermaid.stdout).toContain('-.->');
    const dot = await runTrellis(['graph', '-f', 'dot'], { cwd: directory.path });
    expect(dot.stdout).toContain('"payments" -> "store" [label="^1.0.0"];');
    const text = await runTrellis(['graph'], { cwd: directory.path });
    expect(text.stdout).toContain('Boot order\n  1. store\n  2. payments\n  3. @acme/audit');
  });

  it('passes doctor with the config complete and fails it without', async () => {
    const healthy = await runTrellis(['doctor', '--json', '--port', '0'], { cwd: directory.path, env });
    expect(JSON.parse(healthy.stdout)).toEqual({
      ok: true,
      plugins: ['payments', 'store', '@acme/audit'],
      problems: [],
    });
    expect(healthy.code).toBe(0);
    const broken = await runTrellis(['doctor', '--port', '0'], { cwd: directory.path });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/payments E_CONFIG_INVALID[\s\S]*apiKey/);
    expect(broken.stderr).toContain('1 error, 0 warnings');
  });
});
