import { type FileSet, json, pluginFiles, testDependencies, tsconfigFile } from './plugin-template.js';

/** What a new host project is made of. */
export interface ProjectTemplateOptions {
  /** The package name of the project. */
  readonly name: string;
  readonly language: 'ts' | 'js';
  /** Version range of the `@trellis/*` packages. */
  readonly trellisRange: string;
}

/** The example plugin every new project starts with. */
export const EXAMPLE_PLUGIN = 'hello';

function config(): string {
  return [
    "import { defineConfig } from '@trellis/cli';",
    '',
    '// Every field is optional; see `trellis --help` and the @trellis/cli README for the reference.',
    'export default defineConfig({',
    '  // Each subdirectory of these with a package.json "trellis" manifest is a plugin.',
    "  pluginDirs: ['plugins'],",
    '  // --port and TRELLIS_PORT override it. Port 0 picks a free one.',
    "  http: { port: 3000, host: '127.0.0.1' },",
    "  // Plugin state and tasks; 'memory' keeps nothing across restarts.",
    "  store: { path: '.trellis/state.db' },",
    '  // Config per plugin; TRELLIS_<PLUGIN>_<KEY> environment variables win over these values.',
    `  config: { ${EXAMPLE_PLUGIN}: { greeting: 'Hello' } },`,
    '});',
    '',
  ].join('\n');
}

function readme(options: ProjectTemplateOptions): string {
  return `# ${options.name}

A Trellis host. Plugins live in \`plugins/\`; each is an npm package with a \`"trellis"\` manifest.

\`\`\`sh
npm install
npm run dev                     # trellis dev: serves on http://127.0.0.1:3000 and reloads edited plugins
curl 'http://127.0.0.1:3000/${EXAMPLE_PLUGIN}?name=Ada'
npx trellis new plugin greeter  # another plugin, in plugins/greeter
npx trellis doctor              # checks manifests, dependencies, config, port and store
npm test                        # every plugin's tests
\`\`\`

While the host runs, \`npx trellis list --url\` shows each plugin's state and
\`npx trellis disable ${EXAMPLE_PLUGIN}\` / \`enable\` / \`reload\` control it through the admin API
(the token is generated into \`.trellis/admin-token\`).
`;
}

const GITIGNORE = ['node_modules/', '.trellis/', 'dist/', 'coverage/', ''].join('\n');

const TSCONFIG = tsconfigFile(['trellis.config.ts', 'plugins/*/src', 'plugins/*/test']);

/**
 * The files of a new host project: package.json with start/dev/test scripts (plugins as npm workspaces,
 * so `npm install` installs their dependencies), the config file, a .gitignore that keeps `.trellis/`
 * out of version control, a README, and the example plugin.
 */
export function projectFiles(options: ProjectTemplateOptions): FileSet {
  const configFile = options.language === 'ts' ? 'trellis.config.ts' : 'trellis.config.mjs';
  const plugin = pluginFiles({
    name: EXAMPLE_PLUGIN,
    description: 'Greets people: an example plugin to start from.',
    language: options.language,
    trellisRange: options.trellisRange,
  });
  const files: Record<string, string> = {
    'package.json': json({
      name: options.name,
      version: '0.1.0',
      private: true,
      type: 'module',
      workspaces: ['plugins/*'],
      scripts: {
        start: 'trellis start',
        dev: 'trellis dev',
        test: 'vitest run',
        doctor: 'trellis doctor',
      },
      dependencies: {
        '@trellis/cli': options.trellisRange,
        '@trellis/core': options.trellisRange,
        '@trellis/http': options.trellisRange,
      },
      devDependencies: testDependencies(options.trellisRange),
    }),
    [configFile]: config(),
    '.gitignore': GITIGNORE,
    'README.md': readme(options),
    ...(options.language === 'ts' ? { 'tsconfig.json': TSCONFIG } : {}),
  };
  for (const [path, content] of Object.entries(plugin)) files[`plugins/${EXAMPLE_PLUGIN}/${path}`] = content;
  return files;
}
