import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverPlugins } from '../../src/discovery/discover-plugins.js';
import type { PluginSource } from '../../src/discovery/plugin-package.js';
import { loadPlugin, loadPlugins } from '../../src/loading/load-plugin.js';
import { pluginPackage, under, writeTree } from '../support/files.js';
import { makeTempDirectory, type TempDirectory } from '../support/temp-directory.js';
import { linkWorkspace } from '../support/workspace.js';

const TS_PLUGIN = `import { definePlugin } from '@trellis/core';
import { label } from './label.js';

interface Options { readonly suffix: string }
const options: Options = { suffix: '!' };

export default definePlugin({ name: 'typed', version: '1.0.0', setup: () => label + options.suffix });
`;

describe('loadPlugin', () => {
  let directory: TempDirectory;

  beforeEach(async () => {
    directory = await makeTempDirectory();
    await linkWorkspace(directory.path);
  });

  afterEach(() => directory.remove());

  async function sources(files: Record<string, string | object>): Promise<PluginSource[]> {
    await writeTree(directory.path, files);
    const found = await discoverPlugins({
      root: directory.path,
      pluginDirs: [join(directory.path, 'plugins')],
      discoverPackages: false,
    });
    expect(found.problems).toEqual([]);
    return [...found.sources];
  }

  it('loads a TypeScript plugin and the modules it imports, and re-evaluates them when fresh', async () => {
    const [source] = await sources({
      ...under('plugins/typed', pluginPackage('typed', { entry: 'src/index.ts', code: TS_PLUGIN })),
      'plugins/typed/src/label.ts': "export const label: string = 'v1';\n",
    });
    const first = await loadPlugin(source!);
    expect(first.problems).toEqual([]);
    expect(first.loaded?.plugin.definition.setup({} as never)).toBe('v1!');
    await writeFile(
      join(directory.path, 'plugins/typed/src/label.ts'),
      "export const label: string = 'v2';\n",
    );
    const fresh = await loadPlugin(source!, { fresh: true });
    expect(fresh.loaded?.plugin.definition.setup({} as never)).toBe('v2!');
  });

  it('collects the commands a plugin exports and reports invalid ones', async () => {
    const [source] = await sources(
      under(
        'plugins/tools',
        pluginPackage('tools', {
          code: `import { definePlugin } from '@trellis/core';
export default definePlugin({ name: 'tools', version: '1.0.0', setup() {} });
export const commands = [
  { name: 'tools:sync', description: 'Syncs', run() {} },
  { name: 'Bad Name', run: 'no' },
];
`,
        }),
      ),
    );
    const outcome = await loadPlugin(source!);
    expect(outcome.loaded?.commands.map((command) => command.name)).toEqual(['tools:sync']);
    expect(outcome.problems.map((problem) => problem.error.code)).toEqual(['E_COMMAND_INVALID']);
    expect(outcome.problems[0]?.error.message).toMatch(/name:[\s\S]*description:[\s\S]*run:/);
  });

  it('reports what is wrong with a module instead of throwing', async () => {
    const found = await sources({
      ...under('plugins/broken', pluginPackage('broken', { code: 'export default definePlugin({' })),
      ...under('plugins/no-default', pluginPackage('no-default', { code: 'export const plugin = {};\n' })),
      ...under(
        'plugins/drifted',
        pluginPackage('drifted', {
          trellis: { dependencies: { store: '*' } },
          code: "import { definePlugin } from '@trellis/core';\nexport default definePlugin({ name: 'drifted', version: '1.0.0', setup() {} });\n",
        }),
      ),
      ...under(
        'plugins/invalid',
        pluginPackage('invalid', {
          code: "import { definePlugin } from '@trellis/core';\nexport default definePlugin({ name: 'invalid', version: 'one', setup() {} });\n",
        }),
      ),
    });
    const { loaded, problems } = await loadPlugins(found);
    expect(loaded).toEqual([]);
    expect(Object.fromEntries(problems.map((problem) => [problem.subject, problem.error.code]))).toEqual({
      broken: 'E_PLUGIN_IMPORT_FAILED',
      'no-default': 'E_PLUGIN_EXPORT_INVALID',
      drifted: 'E_PLUGIN_MANIFEST_MISMATCH',
      invalid: 'E_PLUGIN_IMPORT_FAILED',
    });
    const byName = Object.fromEntries(problems.map((problem) => [problem.subject, problem.error.message]));
    expect(byName['no-default']).toContain('it exports plugin');
    expect(byName.drifted).toContain('dependencies');
    expect(byName.invalid).toContain('version');
  });
});
