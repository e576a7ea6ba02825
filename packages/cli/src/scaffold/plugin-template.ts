import { envPrefix } from '../config/plugin-config.js';
import { routePrefix } from './plugin-name.js';

/** Files to write, by path relative to the target directory. */
export type FileSet = Readonly<Record<string, string>>;

/** What a scaffolded plugin is made of. */
export interface PluginTemplateOptions {
  readonly name: string;
  readonly description: string;
  /** TypeScript (`src/index.ts`, run through jiti) or plain ES modules (`src/index.js`). */
  readonly language: 'ts' | 'js';
  /** Version range of the `@trellis/*` packages the plugin peers with. */
  readonly trellisRange: string;
}

/** Versions of third-party packages the scaffolds use. */
export const SCAFFOLD_VERSIONS = { zod: '^4.0.0', vitest: '^4.0.0', fastCheck: '^4.0.0' } as const;

const PLUGIN_VERSION = '0.1.0';
const HOST_API_RANGE = '^1.0.0';

/** A single-quoted JavaScript string literal (the style of the generated code). */
function quote(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'");
  return `'${escaped}'`;
}

/** `value` as a JSON file: two-space indents and a final newline, as people write them. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** A tsconfig.json that type-checks `include` (no emit: jiti runs the TypeScript). */
export function tsconfigFile(include: readonly string[]): string {
  return json({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    },
    include,
  });
}

/** What the scaffolded tests need: Vitest and the Trellis test kit (which takes fast-check as a peer). */
export function testDependencies(trellisRange: string): Readonly<Record<string, string>> {
  return {
    '@trellis/testing': trellisRange,
    'fast-check': SCAFFOLD_VERSIONS.fastCheck,
    vitest: SCAFFOLD_VERSIONS.vitest,
  };
}

function packageJson(options: PluginTemplateOptions): string {
  const entry = `./src/index.${options.language}`;
  return json({
    name: options.name,
    version: PLUGIN_VERSION,
    description: options.description,
    type: 'module',
    main: entry,
    exports: { '.': entry, './package.json': './package.json' },
    scripts: { test: 'vitest run' },
    trellis: { hostApi: HOST_API_RANGE, provides: [`${options.name}.greet`] },
    peerDependencies: {
      '@trellis/core': options.trellisRange,
      '@trellis/http': options.trellisRange,
    },
    dependencies: { zod: SCAFFOLD_VERSIONS.zod },
    devDependencies: testDependencies(options.trellisRange),
  });
}

function source(options: PluginTemplateOptions): string {
  const { name } = options;
  const typescript = options.language === 'ts';
  const lines = [
    "import { definePlugin } from '@trellis/core';",
    ...(typescript
      ? [
          '// Types ctx.http, ctx.auth, ctx.ws and ctx.graphql, which the HTTP gateway adds to every plugin.',
          "import type {} from '@trellis/http';",
        ]
      : []),
    "import { z } from 'zod';",
    '',
    `// Set in trellis.config under config['${name}'], or with ${envPrefix(name)}GREETING=Hi (which wins).`,
    "const Config = z.object({ greeting: z.string().default('Hello') });",
    '',
    'export default definePlugin({',
    `  name: '${name}',`,
    `  version: '${PLUGIN_VERSION}',`,
    `  description: ${quote(options.description)},`,
    `  hostApi: '${HOST_API_RANGE}',`,
    '  config: Config,',
    '  setup(ctx) {',
    '    ctx.provide(',
    `      '${name}.greet',`,
    `      (${typescript ? '{ name }: { name: string }' : '{ name }'}) => ({ message: \`\${ctx.config.greeting}, \${name}!\` }),`,
    '      { params: z.object({ name: z.string().min(1) }), timeout: 1_000 },',
    '    );',
    `    // GET ${routePrefix(name)}?name=Ada answers {"message":"Hello, Ada!"}`,
    '    ctx.http.get(',
    "      '/',",
    "      { schema: { querystring: z.object({ name: z.string().min(1).default('world') }) } },",
    `      (request) => ctx.call('${name}.greet', { name: request.query.name }),`,
    '    );',
    '  },',
    '});',
    '',
  ];
  return lines.join('\n');
}

function test(options: PluginTemplateOptions): string {
  const { name } = options;
  return [
    "import { useTestHost } from '@trellis/testing/vitest';",
    "import { describe, expect, it } from 'vitest';",
    "import plugin from '../src/index.js';",
    '',
    `describe('${name}', () => {`,
    '  // A fresh host for each test, with the HTTP gateway, stopped when the test ends.',
    '  const testHost = useTestHost({',
    '    plugins: [plugin],',
    `    config: { '${name}': { greeting: 'Hi' } },`,
    '    http: { logging: false },',
    '  });',
    '',
    "  it('greets through its capability', async () => {",
    `    expect(await testHost().call('${name}.greet', { name: 'Ada' })).toEqual({ message: 'Hi, Ada!' });`,
    '  });',
    '',
    "  it('greets over HTTP', async () => {",
    `    const response = await testHost().http.inject('${routePrefix(name)}?name=Ada');`,
    '    expect(response.statusCode).toBe(200);',
    "    expect(response.json()).toEqual({ message: 'Hi, Ada!' });",
    '  });',
    '',
    "  it('refuses an empty name', async () => {",
    `    await expect(testHost().call('${name}.greet', { name: '' })).rejects.toMatchObject({ code: 'E_VALIDATION' });`,
    '  });',
    '});',
    '',
  ].join('\n');
}

function readme(options: PluginTemplateOptions): string {
  const { name } = options;
  return `# ${name}

${options.description}

A [Trellis](https://www.npmjs.com/package/@trellis/cli) plugin. It provides the capability \`${name}.greet\`
and the route \`GET ${routePrefix(name)}?name=Ada\`.

## Config

| key | default | environment variable |
| --- | --- | --- |
| \`greeting\` | \`"Hello"\` | \`${envPrefix(name)}GREETING\` |

Set it in the host's \`trellis.config\` under \`config['${name}']\`; the environment variable wins over the file.

## Develop

\`\`\`sh
trellis dev          # in the host project: edits to this plugin reload it without a restart
npm test             # the plugin's own tests (Vitest)
trellis info ${name}
\`\`\`

The manifest lives in \`package.json\` under \`"trellis"\`; its name, version and dependencies must match
\`definePlugin({...})\` in \`src/index.${options.language}\`.
`;
}

const TSCONFIG = tsconfigFile(['src', 'test']);

/** The files of a new plugin package: manifest, code, a passing test, a README (and a tsconfig for TypeScript). */
export function pluginFiles(options: PluginTemplateOptions): FileSet {
  const extension = options.language;
  return {
    'package.json': packageJson(options),
    [`src/index.${extension}`]: source(options),
    [`test/index.test.${extension}`]: test(options),
    'README.md': readme(options),
    ...(options.language === 'ts' ? { 'tsconfig.json': TSCONFIG } : {}),
  };
}
