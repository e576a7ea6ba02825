import { definePlugin, TrellisError } from '@trellis/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assertOnlyTrellisErrors, createTestHost } from '../../src/vitest/index.js';
import { users } from '../support/plugins.js';

const IdParams = z.object({ id: z.number().int().min(1).max(1_000) });

const careless = definePlugin({
  name: 'careless',
  version: '1.0.0',
  setup(ctx) {
    ctx.provide(
      'careless.lookup',
      ({ id }: { id: number }) => {
        if (id > 500) throw new RangeError(`index ${id} out of range`);
        if (id % 2 === 0) throw new TrellisError('E_ODD_ONLY', 'only odd ids');
        return id;
      },
      { params: IdParams },
    );
    ctx.provide('careless.wait', () => new Promise(() => undefined), { params: IdParams });
    ctx.provide('careless.free', (params: unknown) => params);
  },
});

describe('assertOnlyTrellisErrors', () => {
  it('passes a capability that fails only with TrellisErrors, on params from its own schema', async () => {
    const testHost = await createTestHost({
      plugins: [users],
      mocks: {
        'store.get': (params: { key: string }) => (params.key.endsWith('7') ? null : { id: 7, name: 'Ada' }),
      },
    });
    await assertOnlyTrellisErrors(testHost, 'users.get', { numRuns: 40 });
    expect(testHost.mock('store.get').mock.calls.length).toBeGreaterThanOrEqual(40);
  });

  it('fails with the counterexample when a handler lets a plain error escape', async () => {
    const testHost = await createTestHost({ plugins: [careless] });
    const failure = await assertOnlyTrellisErrors(testHost, 'careless.lookup', {
      numRuns: 200,
      seed: 1,
    }).catch((error: unknown) => error as Error);
    expect(failure).toBeInstanceOf(TrellisError);
    expect(failure).toMatchObject({
      code: 'E_PROPERTY_FAILED',
      details: { capability: 'careless.lookup', seed: 1 },
    });
    // Shrunk to the smallest id that fails.
    expect(failure?.message).toContain('Counterexample: [{"id":501}]');
    expect(failure?.message).toContain('Replay it with { seed: 1, path: ');
    expect(failure?.message).toContain("'careless.lookup' threw RangeError: index");
    expect(failure?.message).toContain('instead of a TrellisError');
  });

  it('fails when a call never answers, and accepts an arbitrary for a capability without a schema', async () => {
    const testHost = await createTestHost({ plugins: [careless] });
    const failure = await assertOnlyTrellisErrors(testHost, 'careless.wait', { numRuns: 1 }).catch(
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toContain("'careless.wait' did not answer within 10 minutes of fake time");
    await expect(assertOnlyTrellisErrors(testHost, 'careless.free')).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
    });
    await assertOnlyTrellisErrors(testHost, 'careless.free', { params: fc.jsonValue(), numRuns: 20 });
    await assertOnlyTrellisErrors(testHost, 'careless.free', { params: { type: 'integer' }, numRuns: 20 });
  });
});
