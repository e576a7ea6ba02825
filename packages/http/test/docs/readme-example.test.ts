import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

// The README example is what newcomers copy first, so it is run as written: its ```ts block is written
// next to this test (where '@trellis/http' resolves to the built package) and imported.
const here = dirname(fileURLToPath(import.meta.url));
const scratch = join(here, '.generated');

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('README example', () => {
  it('serves a route, refuses then accepts the exposed capability, and documents both', async () => {
    const readme = readFileSync(join(here, '../../README.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    if (block === undefined) throw new Error('the README has no ```ts example');
    mkdirSync(scratch, { recursive: true });
    const file = join(scratch, 'readme-example.ts');
    writeFileSync(file, block);
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
    expect(printed).toEqual([
      '200 MISS {"id":1,"name":"Ada"}',
      '401 Bearer realm="trellis" E_UNAUTHENTICATED',
      '200 {"id":1,"name":"Ada","askedBy":"ada"}',
      '["/api/users.get","/users/{id}"]',
    ]);
    // The comments under each console.log in the README show the same output.
    for (const line of printed) expect(readme).toContain(`// ${line}`);
  });
});
