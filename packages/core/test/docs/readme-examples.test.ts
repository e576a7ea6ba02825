import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMarkdownExample } from '@trellis/testing';
import { afterAll, describe, expect, it } from 'vitest';

// The README examples are what newcomers copy first, so they are run as written, from next to this test
// (where '@trellis/core' resolves to the built package).
const here = dirname(fileURLToPath(import.meta.url));
const repositoryRoot = join(here, '../../../..');
const scratch = join(here, '.generated');

async function runExample(readme: string, fileName: string, index = 0): Promise<string> {
  const printed = await runMarkdownExample(join(repositoryRoot, readme), {
    scratchDirectory: scratch,
    index,
    fileName,
  });
  return printed.join('\n');
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('README examples', () => {
  it('the root README example creates a user, observes the event and prints the boot tree', async () => {
    const output = await runExample('README.md', 'root-readme.ts');
    expect(output).toContain('user.created {"id":1}');
    expect(output).toContain('{"id":1,"name":"Ada"}');
    expect(output).toMatch(/host booted 2 plugins in .*\n└─ store .*\n {3}└─ users /);
  });

  it('the core README example shouts through middleware and reports a validation error', async () => {
    const output = await runExample('packages/core/README.md', 'core-readme.ts');
    expect(output).toMatch(
      /^shouter emitted greeting\.sent {"text":"Hi, Ada \(request [0-9a-f]+-[0-9a-z]+\)"}$/m,
    );
    expect(output).toMatch(/^HI, ADA \(REQUEST [0-9A-F]+-[0-9A-Z]+\)$/m);
    expect(output).toContain('E_VALIDATION [{"path":"name","message":');
    expect(output).toContain('"greeter.greet: -","shouter.shout: uppercase"');
  });

  it('the core README policy example retries, caches, invalidates by tag and shows the metrics', async () => {
    const output = await runExample('packages/core/README.md', 'core-readme-policies.ts', 1);
    const lines = output.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      '{"sku":"abc","count":3}',
      '{"sku":"abc","count":3}',
      '{"sku":"abc","count":3}',
    ]);
    expect(output).toContain('trellis_call_retries_total{capability="inventory.stock"} 2');
    expect(output).toContain('trellis_cache_requests_total{capability="inventory.stock",result="hit"} 1');
    expect(output).toContain('trellis_circuit_state{capability="inventory.stock",state="closed"} 1');
  });

  it('the core README state and tasks example runs a job once per idempotency key and keeps the schedule', async () => {
    const output = await runExample('packages/core/README.md', 'core-readme-tasks.ts', 2);
    const lines = output.split('\n');
    expect(lines.filter((line) => line.startsWith('completed build'))).toEqual([
      'completed build {"built":1,"day":"2026-11-22"}',
    ]);
    expect(lines).toContain('{"built":1,"day":"2026-11-22"}');
    expect(lines.filter((line) => line === '{"built":1,"day":"2026-11-22"}')).toHaveLength(2);
    expect(output).toContain('build {"daily":"06:00","missed":"once","timezone":"Europe/Paris"}');
    expect(lines.at(-1)).toBe('E_VALUE_NOT_JSON');
  });
});
