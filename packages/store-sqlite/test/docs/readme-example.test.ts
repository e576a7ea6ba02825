import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMarkdownExample } from '@trellis/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDirectory, type TempDirectory } from '../support/temp-directory.js';

// The README example is what newcomers copy first, so it runs as written, from a scratch file next to
// this test. Only its import of this package is pointed at the sources, which need no build.
const here = dirname(fileURLToPath(import.meta.url));
const scratch = join(here, '.generated');
const packageSource = join(here, '../../src/index.js');

/** Runs the example as a new module; resolves what it printed. */
function runExample(fileName: string): Promise<string[]> {
  return runMarkdownExample(join(here, '../../README.md'), {
    scratchDirectory: scratch,
    fileName,
    replace: [["from '@trellis/store-sqlite'", `from ${JSON.stringify(packageSource)}`]],
  });
}

describe('README example', () => {
  let workingDirectory: TempDirectory;
  const initialDirectory = process.cwd();

  beforeEach(async () => {
    workingDirectory = await makeTempDirectory();
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
