import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Writes each file (path relative to `root` → content; objects are written as JSON). */
export async function writeTree(
  root: string,
  files: Readonly<Record<string, string | object>>,
): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  }
}

/** A plugin package: package.json with a "trellis" manifest and an ES module entry exporting `code`. */
export function pluginPackage(
  name: string,
  options: {
    readonly version?: string;
    readonly trellis?: Record<string, unknown>;
    readonly code?: string;
    readonly entry?: string;
  } = {},
): Record<string, string | object> {
  const version = options.version ?? '1.0.0';
  const entry = options.entry ?? 'index.js';
  return {
    'package.json': { name, version, type: 'module', main: entry, trellis: options.trellis ?? {} },
    [entry]:
      options.code ??
      `import { definePlugin } from '@trellis/core';\nexport default definePlugin({ name: '${name}', version: '${version}', setup() {} });\n`,
  };
}

/** Prefixes every path of `files` with `directory/`. */
export function under(
  directory: string,
  files: Readonly<Record<string, string | object>>,
): Record<string, string | object> {
  return Object.fromEntries(
    Object.entries(files).map(([path, content]) => [`${directory}/${path}`, content]),
  );
}
