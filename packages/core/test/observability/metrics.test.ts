import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlugin, type Host, type PluginContext } from '../../src/index.js';
import { never, silentHost, startedHost } from '../support/pipeline-hosts.js';
import { parsePrometheus, type Sample, samplesOf, sampleValue } from '../support/pipeline-prometheus.js';

/** `calc` provides `calc.double` (validated number), `calc.fail` (throws) and `calc.stall` (never answers). */
const calc = definePlugin({
  name: 'calc',
  version: '1.0.0',
  setup: (ctx) => {
    ctx.provide('calc.double', (value: number) => value * 2, { params: z.number() });
    ctx.provide('calc.fail', () => {
      throw new Error('nope');
    });
    ctx.provide('calc.stall', () => never());
  },
});

async function scrape(host: Host) {
  return parsePrometheus(await host.metrics.text());
}

/** Calls `capability` and ignores the outcome: the metrics are what the test looks at. */
async function attempt(host: Host, capability: string, params?: unknown, timeout?: number): Promise<void> {
  await host.call(capability, params, timeout === undefined ? undefined : { timeout }).catch(() => undefined);
}

describe('call metrics', () => {
  it('counts successes as outcome ok and failures under their error code, exactly', async () => {
    const host = await startedHost([calc]);
    for (const value of [1, 2, 3]) await attempt(host, 'calc.double', value);
    await attempt(host, 'calc.double', 'x');
    await attempt(host, 'calc.double', null);
    await attempt(host, 'calc.fail');
    await attempt(host, 'calc.stall', undefined, 20);
    const samples = await scrape(host);
    expect(sampleValue(samples, 'trellis_calls_total', { capability: 'calc.double', outcome: 'ok' })).toBe(3);
    expect(
      sampleValue(samples, 'trellis_calls_total', { capability: 'calc.double', outcome: 'E_VALIDATION' }),
    ).toBe(2);
    expect(
      sampleValue(samples, 'trellis_calls_total', {
        capability: 'calc.fail',
        outcome: 'E_CAPABILITY_FAILED',
      }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'trellis_calls_total', { capability: 'calc.stall', outcome: 'E_TIMEOUT' }),
    ).toBe(1);
    expect(sampleValue(samples, 'trellis_calls_total', { capability: 'calc.fail', outcome: 'ok' })).toBe(0);
    expect(samplesOf(samples, 'trellis_calls_total', { capability: 'calc.double' })).toHaveLength(2);
  });

  it('counts calls made by plugins and nested calls too', async () => {
    let context: PluginContext | undefined;
    const caller = definePlugin({
      name: 'caller',
      version: '1.0.0',
      permissions: { calls: ['calc.*'] },
      setup: (ctx) => {
        context = ctx;
      },
    });
    const host = await startedHost([calc, caller]);
    await context!.call('calc.double', 4);
    await context!.call('calc.double', 5);
    const samples = await scrape(host);
    expect(sampleValue(samples, 'trellis_calls_total', { capability: 'calc.double', outcome: 'ok' })).toBe(2);
  });

  /** The duration buckets of `capability`, checked to be cumulative with ascending bounds ending at +Inf. */
  function cumulativeBuckets(samples: Sample[], capability: string): Sample[] {
    const buckets = samplesOf(samples, 'trellis_call_duration_seconds_bucket', { capability });
    expect(buckets.length).toBeGreaterThan(2);
    expect(buckets.at(-1)?.labels.le).toBe('+Inf');
    const bounds = buckets.map((bucket) =>
      bucket.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(bucket.labels.le),
    );
    for (let index = 1; index < buckets.length; index += 1) {
      expect(bounds[index]).toBeGreaterThan(bounds[index - 1]!);
      expect(buckets[index]!.value).toBeGreaterThanOrEqual(buckets[index - 1]!.value);
    }
    return buckets;
  }

  it('exports call durations as a cumulative histogram whose count is the number of calls when every call is timed', async () => {
    const host = await startedHost([calc], { durationSampling: 1 });
    for (const value of [1, 2, 3, 4]) await attempt(host, 'calc.double', value);
    await attempt(host, 'calc.double', 'x');
    const samples = await scrape(host);
    expect(cumulativeBuckets(samples, 'calc.double').at(-1)?.value).toBe(5);
    expect(sampleValue(samples, 'trellis_call_duration_seconds_count', { capability: 'calc.double' })).toBe(
      5,
    );
    expect(
      sampleValue(samples, 'trellis_call_duration_seconds_sum', { capability: 'calc.double' }),
    ).toBeGreaterThan(0);
  });

  it('keeps capabilities apart in the histogram', async () => {
    const host = await startedHost([calc], { durationSampling: 1 });
    await attempt(host, 'calc.double', 1);
    await attempt(host, 'calc.fail');
    await attempt(host, 'calc.fail');
    const samples = await scrape(host);
    expect(sampleValue(samples, 'trellis_call_duration_seconds_count', { capability: 'calc.double' })).toBe(
      1,
    );
    expect(sampleValue(samples, 'trellis_call_duration_seconds_count', { capability: 'calc.fail' })).toBe(2);
  });

  it('times a sample of calls by default, yet counts every call and keeps the histogram consistent', async () => {
    const host = await startedHost([calc]);
    for (let value = 0; value < 20; value += 1) await attempt(host, 'calc.double', value);
    const samples = await scrape(host);
    const timed =
      sampleValue(samples, 'trellis_call_duration_seconds_count', { capability: 'calc.double' }) ?? 0;
    expect(timed).toBeGreaterThanOrEqual(1);
    expect(timed).toBeLessThan(20);
    expect(cumulativeBuckets(samples, 'calc.double').at(-1)?.value).toBe(timed);
    expect(sampleValue(samples, 'trellis_calls_total', { capability: 'calc.double', outcome: 'ok' })).toBe(
      20,
    );
  });

  it.each([0, 1.5, -2])('refuses a durationSampling of %s with E_INVALID_ARGUMENT', (durationSampling) => {
    expect(() => silentHost([], { durationSampling })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
  });

  it('keeps the totals of two hosts in one process apart', async () => {
    const first = await startedHost([calc]);
    const second = await startedHost([calc]);
    await attempt(first, 'calc.double', 1);
    await attempt(first, 'calc.double', 2);
    await attempt(second, 'calc.double', 3);
    expect(
      sampleValue(await scrape(first), 'trellis_calls_total', { capability: 'calc.double', outcome: 'ok' }),
    ).toBe(2);
    expect(
      sampleValue(await scrape(second), 'trellis_calls_total', { capability: 'calc.double', outcome: 'ok' }),
    ).toBe(1);
    expect(
      sampleValue(await scrape(second), 'trellis_call_duration_seconds_count', { capability: 'calc.double' }),
    ).toBe(1);
  });
});

describe('plugin and event metrics', () => {
  it('sets trellis_plugin_state to 1 for the current state of each plugin and 0 for the others', async () => {
    const broken = definePlugin({
      name: 'broken',
      version: '1.0.0',
      setup: () => {
        throw new Error('no');
      },
    });
    const host = await startedHost([calc, broken]);
    const samples = await scrape(host);
    const states = (plugin: string) =>
      Object.fromEntries(
        samplesOf(samples, 'trellis_plugin_state', { plugin }).map((sample) => [
          sample.labels.state,
          sample.value,
        ]),
      );
    expect(states('calc')).toEqual({
      registered: 0,
      starting: 0,
      running: 1,
      failed: 0,
      disabled: 0,
      stopping: 0,
      stopped: 0,
    });
    expect(states('broken')).toEqual({
      registered: 0,
      starting: 0,
      running: 0,
      failed: 1,
      disabled: 0,
      stopping: 0,
      stopped: 0,
    });
    await host.disable('calc');
    expect(
      sampleValue(await scrape(host), 'trellis_plugin_state', { plugin: 'calc', state: 'disabled' }),
    ).toBe(1);
    expect(
      sampleValue(await scrape(host), 'trellis_plugin_state', { plugin: 'calc', state: 'running' }),
    ).toBe(0);
  });

  it('counts emitted events by source', async () => {
    let context: PluginContext | undefined;
    const shop = definePlugin({
      name: 'shop',
      version: '1.0.0',
      permissions: { emits: ['orders.*'] },
      setup: (ctx) => {
        context = ctx;
      },
    });
    const host = await startedHost([shop]);
    host.on('orders.*', () => {});
    await context!.emit('orders.created');
    await context!.emit('orders.paid');
    await context!.emit('orders.nobody-listens').catch(() => undefined);
    await context!.emit('users.created').catch(() => undefined);
    await host.emit('orders.created');
    const samples = await scrape(host);
    expect(sampleValue(samples, 'trellis_events_emitted_total', { source: 'shop' })).toBe(3);
    expect(sampleValue(samples, 'trellis_events_emitted_total', { source: 'host' })).toBe(1);
  });
});
