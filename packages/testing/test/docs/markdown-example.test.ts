import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { markdownCodeBlocks, runMarkdownExample } from '../../src/index.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function markdownFile(text: string): { path: string; scratch: string } {
  const directory = mkdtempSync(join(tmpdir(), 'trellis-markdown-'));
  directories.push(directory);
  const path = join(directory, 'GUIDE.md');
  writeFileSync(path, text);
  return { path, scratch: join(directory, '.generated') };
}

const GUIDE = [
  '# Guide',
  '```sh',
  'npm start',
  '```',
  '```ts',
  "console.log('first', { n: 1 });",
  '```',
  '```ts',
  "console.log('NAME says hi');",
  'console.log(42);',
  '```',
].join('\n');

describe('markdown examples', () => {
  it('lists the code blocks of a language, in order', () => {
    expect(markdownCodeBlocks(GUIDE)).toEqual([
      "console.log('first', { n: 1 });\n",
      "console.log('NAME says hi');\nconsole.log(42);\n",
    ]);
    expect(markdownCodeBlocks(GUIDE, 'sh')).toEqual(['npm start\n']);
  });

  it('runs a block with its replacements and resolves what it printed, leaving no scratch file', async () => {
    const { path, scratch } = markdownFile(GUIDE);
    expect(await runMarkdownExample(path, { scratchDirectory: scratch })).toEqual(['first {"n":1}']);
    const printed = await runMarkdownExample(path, {
      scratchDirectory: scratch,
      index: 1,
      replace: [['NAME', 'Ada']],
    });
    expect(printed).toEqual(['Ada says hi', '42']);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('refuses a block that is not there with E_EXAMPLE_MISSING', async () => {
    const { path, scratch } = markdownFile(GUIDE);
    await expect(runMarkdownExample(path, { scratchDirectory: scratch, index: 2 })).rejects.toMatchObject({
      code: 'E_EXAMPLE_MISSING',
      details: { index: 2, found: 2 },
    });
  });
});
