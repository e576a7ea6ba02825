import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeTempDirectory, type TempDirectory } from '../support/temp-directory.js';

// The README example is what newcomers copy first, so it runs as written, from a scratch file next to
// this test. Only its import of this package is pointed at the sources, which need no build.
const here = dirname(fileURLToPath(import.meta.url));
const scratch = join(here, '.generated');
const packageSource = join(here, '../../src/index.js');

function readmeExample(): string {
  const readme = readFileSync(join(here, '../../README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no ```ts example');
  return block.replace("from '@trellis/store-sqlite'", `from ${JSON.stringify(packageSource)}`);
}

/** Runs the example as a new module; resolves what it printed. */
async function runExample(fileName: string): Promise<string[]> {
  const file = join(scratch, fileName);
  writeFileSync(file, readmeExample());
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...values: unknown[]) => {
    printed.push(
      values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join(' '),
    );
  });
  try {
    await import(file);
  } finally {
    log.mockRestore();
  }
  return printed;
}

describe('README example', () => {
  let workingDirectory: TempDirectory;
  const initialDirectory = process.cwd();

  beforeEach(async () => {
    workingDirectory = await makeTempDirectory();
    mkdirSync(scratch, { recursive: true });
    // The example stores under ./.trellis, relative to where it runs.
    process.chdir(workingDirectory.path);
  });

  afterEach(async () => {
    process.chdir(initialDirectory);
    rmSync(scratch, { recursive: true, force: true });
    await workingDirectory.remove();
  });

  it('counts visits in ./.trellis/state.db and carries on from there on the next run', async () => {
    expect(await runExample('first-run.ts')).toStrictEqual([
      'visit 1 of /home',
      'true',
      '[{"key":"count:/about","value":1},{"key":"count:/home","value":1}]',
    ]);
    expect(existsSync(join(workingDirectory.path, '.trellis', 'state.db'))).toBe(true);
    expect(await runExample('second-run.ts')).toStrictEqual([
      'visit 2 of /home',
      'true',
      '[{"key":"count:/about","value":2},{"key":"count:/home","value":2}]',
    ]);
  });
});
