import { describe, expect, it } from 'vitest';
import { type CallContext, type CapabilityOptions, definePlugin, TrellisError } from '../../src/index.js';
import { deferred, testHost } from '../support/host-fixtures.js';
import { flushPromises, ManualClock } from '../support/manual-clock.js';

const transient = (label: string) =>
  new TrellisError('E_DB_BUSY', `database busy (${label})`, { retryable: true });

/** A host whose one plugin provides `svc.op` with `options`, answering with `handler`; fixed jitter (0.5). */
function policyHost(handler: (params: unknown, call: CallContext) => unknown, options: CapabilityOptions) {
  const clock = new ManualClock();
  const plugin = definePlugin({
    name: 'svc',
    version: '1.0.0',
    setup: (ctx) => ctx.provide('svc.op', handler, options),
  });
  const { host, logs } = testHost({ plugins: [plugin], clock, random: () => 0.5, durationSampling: 1 });
  return { host, clock, logs };
}

describe('retry', () => {
  it('retries retryable failures of an idempotent capability with exponential backoff and full jitter', async () => {
    const attempts: Array<{ at: number; attempt: number; requestId: string }> = [];
    const { host, clock } = policyHost(
      (_params, call) => {
        attempts.push({ at: clock.now(), attempt: call.attempt, requestId: call.requestId });
        if (call.attempt < 3) throw transient(`attempt ${call.attempt}`);
        return 'done';
      },
      { idempotent: true, retry: { attempts: 3, baseDelayMs: 100 } },
    );
    await host.start();
    const start = clock.now();
    const result = host.call('svc.op');
    await flushPromises();
    expect(attempts.length).toBe(1);
    await clock.advance(49);
    expect(attempts.length).toBe(1);
    await clock.advance(1);
    expect(attempts.length).toBe(2);
    await clock.advance(100);
    expect(await result).toBe('done');
    // Waits: floor(0.5 * 100) = 50 ms, then floor(0.5 * 200) = 100 ms.
    expect(attempts.map(({ at, attempt }) => [at - start, attempt])).toEqual([
      [0, 1],
      [50, 2],
      [150, 3],
    ]);
    expect(new Set(attempts.map(({ requestId }) => requestId)).size).toBe(1);
    expect(await host.metrics.text()).toContain('trellis_call_retries_total{capability="svc.op"} 2');
  });

  it('gives up after the last attempt with the last error', async () => {
    let calls = 0;
    const { host, clock } = policyHost(
      () => {
        calls += 1;
        throw transient(`call ${calls}`);
      },
      { idempotent: true, retry: { attempts: 2, baseDelayMs: 10 } },
    );
    await host.start();
    const outcome = host.call('svc.op').catch((error: unknown) => error);
    await clock.advance(10);
    expect(await outcome).toMatchObject({ code: 'E_DB_BUSY', message: 'database busy (call 2)' });
    expect(calls).toBe(2);
  });

  it('does not retry errors that are not retryable, nor capabilities that are not idempotent unless the caller insists', async () => {
    let calls = 0;
    const { host, clock } = policyHost(
      (params) => {
        calls += 1;
        throw (params as { plain?: boolean }).plain ? new Error('bug') : transient('x');
      },
      { retry: { attempts: 3, baseDelayMs: 10 } },
    );
    await host.start();
    await expect(host.call('svc.op', {})).rejects.toMatchObject({ code: 'E_DB_BUSY' });
    expect(calls).toBe(1);
    const forced = host.call('svc.op', {}, { retry: { force: true } }).catch((error: unknown) => error);
    await clock.advance(100);
    await forced;
    expect(calls).toBe(4);
    const plain = host
      .call('svc.op', { plain: true }, { retry: { force: true } })
      .catch((error: unknown) => error);
    await clock.advance(100);
    expect(await plain).toMatchObject({ code: 'E_CAPABILITY_FAILED' });
    expect(calls).toBe(5);
  });

  it('turns retries off for one call with retry: false, and never waits past the caller deadline', async () => {
    let calls = 0;
    const { host, clock } = policyHost(
      () => {
        calls += 1;
        throw transient('x');
      },
      { idempotent: true, retry: { attempts: 5, baseDelayMs: 100 } },
    );
    await host.start();
    await expect(host.call('svc.op', undefined, { retry: false })).rejects.toMatchObject({
      code: 'E_DB_BUSY',
    });
    expect(calls).toBe(1);
    // Waits would be 50, 100, 200: the third would end past the 120 ms deadline, so it is not taken.
    const bounded = host.call('svc.op', undefined, { timeout: 120 }).catch((error: unknown) => error);
    await clock.advance(500);
    expect(await bounded).toMatchObject({ code: 'E_DB_BUSY' });
    expect(calls).toBe(3);
  });

  it('gives each attempt its own timeout and a fresh signal', async () => {
    const signals: AbortSignal[] = [];
    const { host, clock } = policyHost(
      (_params, call) => {
        signals.push(call.signal);
        return call.attempt === 1 ? new Promise(() => {}) : 'second attempt';
      },
      { idempotent: true, timeout: 50, retry: { attempts: 2, baseDelayMs: 20 } },
    );
    await host.start();
    const result = host.call('svc.op');
    await clock.advance(50);
    const [first] = signals;
    expect(first?.aborted).toBe(true);
    expect((first!.reason as TrellisError).code).toBe('E_TIMEOUT');
    await clock.advance(10);
    expect(await result).toBe('second attempt');
    expect(signals[1]?.aborted).toBe(false);
  });
});

describe('fallback', () => {
  it('answers with the fallback value or handler on the chosen codes only', async () => {
    const { host, clock } = policyHost(
      (params) => {
        const { mode } = params as { mode: string };
        if (mode === 'slow') return new Promise(() => {});
        throw new TrellisError('E_OTHER', 'not covered');
      },
      { timeout: 30, fallback: { on: ['E_TIMEOUT'], handler: (error) => `fallback after ${error.code}` } },
    );
    await host.start();
    const slow = host.call('svc.op', { mode: 'slow' });
    await clock.advance(30);
    expect(await slow).toBe('fallback after E_TIMEOUT');
    await expect(host.call('svc.op', { mode: 'other' })).rejects.toMatchObject({ code: 'E_OTHER' });
    expect(await host.metrics.text()).toContain('trellis_call_fallbacks_total{capability="svc.op"} 1');
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failures, refuses calls, probes after openMs and closes again', async () => {
    let healthy = false;
    let invocations = 0;
    const { host, clock } = policyHost(
      () => {
        invocations += 1;
        if (!healthy) throw new Error('downstream down');
        return 'ok';
      },
      { circuitBreaker: { threshold: 2, openMs: 1_000 } },
    );
    const changes: string[] = [];
    host.on<{ capability: string; from: string; to: string }>(
      'trellis.circuit.state',
      ({ capability, from, to }) => {
        changes.push(`${capability}:${from}->${to}`);
      },
    );
    await host.start();
    await expect(host.call('svc.op')).rejects.toMatchObject({ code: 'E_CAPABILITY_FAILED' });
    await expect(host.call('svc.op')).rejects.toMatchObject({ code: 'E_CAPABILITY_FAILED' });
    await expect(host.call('svc.op')).rejects.toMatchObject({
      code: 'E_CIRCUIT_OPEN',
      details: { capability: 'svc.op', retryAfterMs: 1_000 },
    });
    expect(invocations).toBe(2);
    expect(await host.metrics.text()).toContain('trellis_circuit_state{capability="svc.op",state="open"} 1');
    healthy = true;
    await clock.advance(1_000);
    expect(await host.call('svc.op')).toBe('ok');
    expect(changes).toEqual(['svc.op:closed->open', 'svc.op:open->half-open', 'svc.op:half-open->closed']);
  });
});

describe('bulkhead and rate limit', () => {
  it('runs at most maxConcurrent calls, queues maxQueue more, and refuses the rest', async () => {
    const gates = [deferred<string>(), deferred<string>()];
    let started = 0;
    const { host } = policyHost(() => gates[started++]!.promise, {
      bulkhead: { maxConcurrent: 1, maxQueue: 1 },
    });
    await host.start();
    const first = host.call('svc.op');
    const second = host.call('svc.op');
    await expect(host.call('svc.op')).rejects.toMatchObject({
      code: 'E_BULKHEAD_FULL',
      details: { maxConcurrent: 1, maxQueue: 1 },
    });
    await flushPromises();
    expect(started).toBe(1);
    expect(await host.metrics.text()).toContain(
      'trellis_bulkhead_calls{capability="svc.op",state="queued"} 1',
    );
    gates[0]!.resolve('first');
    expect(await first).toBe('first');
    await flushPromises();
    expect(started).toBe(2);
    gates[1]!.resolve('second');
    expect(await second).toBe('second');
  });

  it('refuses calls over the rate with a retry-after hint, per caller when asked', async () => {
    const clock = new ManualClock();
    const provider = definePlugin({
      name: 'svc',
      version: '1.0.0',
      setup: (ctx) =>
        ctx.provide('svc.op', () => 'ok', { rateLimit: { limit: 2, intervalMs: 1_000, perCaller: true } }),
    });
    const consumer = definePlugin({
      name: 'consumer',
      version: '1.0.0',
      permissions: { calls: ['svc.*'] },
      setup: (ctx) => ctx.provide('consumer.run', () => ctx.call('svc.op')),
    });
    const { host } = testHost({ plugins: [provider, consumer], clock });
    await host.start();
    await host.call('svc.op');
    await host.call('svc.op');
    await expect(host.call('svc.op')).rejects.toMatchObject({
      code: 'E_RATE_LIMITED',
      details: { capability: 'svc.op', caller: 'host', retryAfterMs: 500 },
    });
    expect(await host.call('consumer.run')).toBe('ok');
    await clock.advance(500);
    expect(await host.call('svc.op')).toBe('ok');
  });
});

describe('cache', () => {
  function cachedHost() {
    let computed = 0;
    const clock = new ManualClock();
    const plugin = definePlugin({
      name: 'users',
      version: '1.0.0',
      setup: (ctx) =>
        ctx.provide(
          'users.get',
          async (params: { id: number; fields?: string }) => {
            computed += 1;
            return { id: params.id, version: computed };
          },
          { cache: { ttl: 1_000, tags: (params) => [`user:${params.id}`], invalidateOn: ['user.updated'] } },
        ),
    });
    const { host } = testHost({ plugins: [plugin], clock });
    return { host, clock, computed: () => computed };
  }

  it('serves repeated calls from the cache whatever the key order, until the TTL passes', async () => {
    const { host, clock, computed } = cachedHost();
    await host.start();
    const first = await host.call('users.get', { id: 1, fields: 'all' });
    expect(await host.call('users.get', { fields: 'all', id: 1 })).toBe(first);
    expect(computed()).toBe(1);
    await clock.advance(1_000);
    expect(await host.call('users.get', { id: 1, fields: 'all' })).toEqual({ id: 1, version: 2 });
    const text = await host.metrics.text();
    expect(text).toContain('trellis_cache_requests_total{capability="users.get",result="hit"} 1');
    expect(text).toContain('trellis_cache_requests_total{capability="users.get",result="miss"} 2');
  });

  it('runs the handler once for concurrent misses, and bypasses the cache on request', async () => {
    const { host, computed } = cachedHost();
    await host.start();
    const results = await Promise.all([1, 2, 3].map(() => host.call('users.get', { id: 7 })));
    expect(new Set(results).size).toBe(1);
    expect(computed()).toBe(1);
    await host.call('users.get', { id: 7 }, { cache: false });
    expect(computed()).toBe(2);
    await expect(host.call('users.get', { id: 7 }, { cache: true } as never)).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
    });
  });

  it('invalidates by params, by tag and on events', async () => {
    const { host, computed } = cachedHost();
    await host.start();
    await host.call('users.get', { id: 1 });
    await host.call('users.get', { id: 2 });
    expect(host.invalidate('users.get', { id: 1 })).toBe(1);
    await host.call('users.get', { id: 1 });
    expect(computed()).toBe(3);
    expect(host.invalidateTag('user:2')).toBe(1);
    await host.call('users.get', { id: 2 });
    expect(computed()).toBe(4);
    await host.emit('user.updated', { id: 1 });
    await host.call('users.get', { id: 1 });
    await host.call('users.get', { id: 2 });
    expect(computed()).toBe(6);
  });
});

describe('batching and pools belong to their plugin', () => {
  it('batches same-tick calls, and drains the pool and batcher when the plugin is disabled', async () => {
    const batches: number[][] = [];
    const destroyed: number[] = [];
    let created = 0;
    const plugin = definePlugin({
      name: 'store',
      version: '1.0.0',
      setup: (ctx) => {
        const load = ctx.batch(async (ids: readonly number[]) => {
          batches.push([...ids]);
          return ids.map((id) => (id < 0 ? new Error(`no row ${id}`) : `row ${id}`));
        });
        const connections = ctx.pool(
          { create: () => ++created, destroy: (connection: number) => void destroyed.push(connection) },
          { name: 'db', max: 3 },
        );
        ctx.provide('store.row', (id: number) => connections.use(() => load(id)));
      },
    });
    const { host } = testHost({ plugins: [plugin] });
    await host.start();
    const rows = await Promise.allSettled([1, 2, -3].map((id) => host.call('store.row', id)));
    expect(
      rows.map((row) => (row.status === 'fulfilled' ? row.value : (row.reason as Error).message)),
    ).toEqual(['row 1', 'row 2', expect.stringContaining('no row -3')]);
    expect(batches).toEqual([[1, 2, -3]]);
    expect(await host.metrics.text()).toContain(
      'trellis_pool_resources{plugin="store",pool="db",state="idle"} 3',
    );
    await host.disable('store');
    expect(destroyed.sort()).toEqual([1, 2, 3]);
  });
});

describe('budgets', () => {
  it('reports plugins over their setup and call budgets', async () => {
    const quick = definePlugin({
      name: 'quick',
      version: '1.0.0',
      budgets: { setupMs: 60_000, callP99Ms: 60_000 },
      setup: () => {},
    });
    const tight = definePlugin({
      name: 'tight',
      version: '1.0.0',
      budgets: { setupMs: 0.000_001, callP99Ms: 0.000_001 },
      setup: (ctx) => ctx.provide('tight.op', () => 'ok'),
    });
    const { host } = testHost({ plugins: [quick, tight], durationSampling: 1 });
    await host.start();
    await host.call('tight.op');
    const report = host.report();
    expect(report.overBudget).toEqual(['tight']);
    expect(report.plugins.find((plugin) => plugin.plugin === 'tight')?.exceeded).toEqual(['setup', 'calls']);
    expect(report.plugins.find((plugin) => plugin.plugin === 'quick')?.budgets).toEqual({
      setupMs: 60_000,
      callP99Ms: 60_000,
      taskMs: 2_000,
    });
    expect(await host.metrics.text()).toContain(
      'trellis_plugin_budget_exceeded{plugin="tight",budget="calls"} 1',
    );
  });
});

describe('nothing outlives the host', () => {
  it('leaves no timer behind after stop, with every policy in use', async () => {
    const before = process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
    const plugin = definePlugin({
      name: 'busy',
      version: '1.0.0',
      setup: (ctx) => {
        const load = ctx.batch(async (items: readonly number[]) => items, { maxWaitMs: 5 });
        const pool = ctx.pool(() => ({}), { min: 1, max: 2, idleTimeout: 50 });
        ctx.provide('busy.op', (value: number) => pool.use(() => load(value)), {
          timeout: 1_000,
          idempotent: true,
          retry: { attempts: 2 },
          circuitBreaker: { threshold: 3 },
          bulkhead: { maxConcurrent: 2, maxQueue: 10 },
          rateLimit: { limit: 1_000 },
          cache: { ttl: 60_000 },
        });
      },
    });
    const { host } = testHost({ plugins: [plugin] });
    await host.start();
    await Promise.all([1, 2, 3, 4].map((value) => host.call('busy.op', value)));
    await host.stop();
    const after = process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
    expect(after).toBeLessThanOrEqual(before);
  });
});
