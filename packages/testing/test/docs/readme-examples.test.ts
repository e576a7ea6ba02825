import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { markdownCodeBlocks } from '../../src/index.js';

// The README's examples are test files themselves: each ```ts block is written next to this test (where
// '@trellis/testing/vitest' resolves to the built package) and imported while this file is collected, so
// its describe and it blocks run as tests of this file.
const here = dirname(fileURLToPath(import.meta.url));
const scratch = join(here, '.generated');
const readme = readFileSync(join(here, '../../README.md'), 'utf8');
const blocks = markdownCodeBlocks(readme);

mkdirSync(scratch, { recursive: true });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it('the README has its three examples: the whole test file, table-driven cases, HTTP and WebSocket', () => {
  expect(blocks).toHaveLength(3);
  expect(blocks[0]).toContain('describePluginConformance(users');
  expect(blocks[1]).toContain('runCases(testHost');
  expect(blocks[2]).toContain('testHost.ws(');
});

for (const [index, block] of blocks.entries()) {
  const file = join(scratch, `readme-example-${index + 1}.ts`);
  writeFileSync(file, block);
  describe(`README example ${index + 1}`, async () => {
    await import(file);
  });
}
