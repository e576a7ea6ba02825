import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMarkdownExample } from '@trellis/testing';
import { afterAll, describe, expect, it } from 'vitest';

// The README example is what newcomers copy first, so it is run as written, from next to this test
// (where '@trellis/http' resolves to the built package).
const here = dirname(fileURLToPath(import.meta.url));
const scratch = join(here, '.generated');
const readmePath = join(here, '../../README.md');

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('README example', () => {
  it('serves a route, refuses then accepts the exposed capability, and documents both', async () => {
    const printed = await runMarkdownExample(readmePath, { scratchDirectory: scratch });
    expect(printed).toEqual([
      '200 MISS {"id":1,"name":"Ada"}',
      '401 Bearer realm="trellis" E_UNAUTHENTICATED',
      '200 {"id":1,"name":"Ada","askedBy":"ada"}',
      '["/api/users.get","/users/{id}"]',
    ]);
    // The comments under each console.log in the README show the same output.
    const readme = readFileSync(readmePath, 'utf8');
    for (const line of printed) expect(readme).toContain(`// ${line}`);
  });
});
