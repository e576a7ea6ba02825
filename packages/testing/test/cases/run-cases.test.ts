import { definePlugin, TrellisError } from '@trellis/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type CapabilityCase,
  createTestHost,
  describeCases,
  percentile,
  runCases,
} from '../../src/vitest/index.js';

const pricing = definePlugin({
  name: 'pricing',
  version: '1.0.0',
  config: z
    .object({ currency: z.string().default('EUR'), vat: z.number().default(0.2) })
    .default({ currency: 'EUR', vat: 0.2 }),
  setup(ctx) {
    ctx.provide(
      'pricing.quote',
      async ({ cents }: { cents: number }) => {
        if (cents === 0)
          throw new TrellisError('E_FREE', 'Nothing to quote for a free item.', { details: { cents } });
        if (cents === 13) await new Promise((resolve) => setImmediate(resolve));
        return {
          total: Math.round(cents * (1 + ctx.config.vat)),
          currency: ctx.config.currency,
          lines: [{ cents }],
        };
      },
      { params: z.object({ cents: z.number().int().nonnegative() }) },
    );
  },
});

const cases: CapabilityCase<{ cents: number }, { total: number; currency: string }>[] = [
  { name: 'adds VAT', params: { cents: 100 }, expected: { total: 120, currency: 'EUR' } },
  {
    name: 'takes its config per case',
    params: { cents: 100 },
    config: { currency: 'SEK', vat: 0.25 },
    expected: { total: 125, currency: 'SEK' },
  },
  {
    name: 'refuses free items',
    params: { cents: 0 },
    error: { code: 'E_FREE', message: 'free item', details: { cents: 0 } },
  },
  { name: 'validates params', params: { cents: -1 }, error: { code: 'E_VALIDATION', message: /cents/ } },
  { name: 'just answers', params: { cents: 13 } },
];

describe('runCases', () => {
  it('runs each case, with a host of its own for a case with config, and summarises', async () => {
    const report = await runCases({ plugins: [pricing] }, 'pricing.quote', cases);
    expect(report.results.map((result) => [result.name, result.passed])).toEqual(
      cases.map((testCase) => [testCase.name, true]),
    );
    expect(report).toMatchObject({ capability: 'pricing.quote', passed: 5, failed: 0 });
    expect(report.p99Ms).toBeGreaterThanOrEqual(report.p50Ms);
    expect(report.toString().split('\n')[0]).toMatch(
      /^pricing\.quote: 5 cases, 5 passed, 0 failed; p50 \d+\.\d\d ms, p99 \d+\.\d\d ms$/,
    );
    expect(() => report.assertAllPassed()).not.toThrow();
  });

  it('keeps each failure with Vitest’s diff, and throws the first on demand', async () => {
    const testHost = await createTestHost({ plugins: [pricing] });
    const report = await runCases(testHost, 'pricing.quote', [
      { name: 'wrong total', params: { cents: 100 }, expected: { total: 999 } },
      { name: 'expected an error', params: { cents: 100 }, error: { code: 'E_FREE' } },
      { name: 'unexpected error', params: { cents: 0 }, expected: { total: 0 } },
      { name: 'wrong message', params: { cents: 0 }, error: { code: 'E_FREE', message: 'gratis' } },
    ]);
    expect(report.failed).toBe(4);
    const [total, error, unexpected, message] = report.results.map((result) => result.failure?.message ?? '');
    expect(total).toContain("case 'wrong total' returned an unexpected result");
    // Vitest renders its diff from these.
    expect(report.results[0]?.failure).toMatchObject({
      expected: { result: { total: 999 } },
      actual: { result: { total: 120 } },
    });
    expect(error).toContain("case 'expected an error' should fail with E_FREE");
    expect(unexpected).toContain("case 'unexpected error' should succeed");
    expect(unexpected).toContain('E_FREE');
    expect(message).toContain("case 'wrong message' should fail with E_FREE");
    expect(report.toString()).toContain('FAIL  wrong total (');
    expect(() => report.assertAllPassed()).toThrow(/^pricing\.quote: 4 cases, 0 passed, 4 failed/);
    expect(testHost.host.state).toBe('running');
    await expect(runCases(testHost, 'pricing.quote', 'nope' as never)).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
    });
  });
});

describe('percentile', () => {
  it('is the nearest-rank percentile: a value of the list, with at least that share of values at or below it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1_000, noNaN: true }), { minLength: 1 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (values, quantile) => {
          const value = percentile(values, quantile);
          expect(values).toContain(value);
          expect(values.filter((candidate) => candidate <= value).length).toBeGreaterThanOrEqual(
            Math.ceil(quantile * values.length),
          );
        },
      ),
    );
    expect(percentile([], 0.5)).toBe(0);
  });
});

describeCases({ plugins: [pricing] }, 'pricing.quote', cases);
