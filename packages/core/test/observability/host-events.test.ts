import { describe, expect, it } from 'vitest';
import {
  definePlugin,
  type EventHandler,
  type PluginContext,
  type SerializedTrellisError,
  TrellisError,
} from '../../src/index.js';
import { nextTurn, silentHost, startedHost } from '../support/pipeline-hosts.js';
import { parsePrometheus, sampleValue } from '../support/pipeline-prometheus.js';

/** The payload of `trellis.subscriber.failed`. */
interface SubscriberFailedPayload {
  readonly subscriber: string;
  readonly pattern: string;
  readonly topic: string;
  readonly source: string;
  readonly stage: string;
  readonly error: SerializedTrellisError;
}

/**
 * A host where plugin `shop` may emit `orders.*`, plugin `listener` subscribes to `orders.*` with
 * `handler`, and plugin `auditor` (subscribed after it) records what it receives.
 */
async function ordersHost(handler: EventHandler) {
  let shopContext: PluginContext | undefined;
  const audited: unknown[] = [];
  const shop = definePlugin({
    name: 'shop',
    version: '1.0.0',
    permissions: { emits: ['orders.*'] },
    setup: (ctx) => {
      shopContext = ctx;
    },
  });
  const listener = definePlugin({
    name: 'listener',
    version: '1.0.0',
    setup: (ctx) => {
      ctx.on('orders.*', handler);
    },
  });
  const auditor = definePlugin({
    name: 'auditor',
    version: '1.0.0',
    dependencies: ['listener'],
    setup: (ctx) => {
      ctx.on('orders.*', (payload) => {
        audited.push(payload);
      });
    },
  });
  const host = silentHost([shop, listener, auditor]);
  const failures: SubscriberFailedPayload[] = [];
  let failed!: () => void;
  const firstFailure = new Promise<void>((resolve) => {
    failed = resolve;
  });
  host.on<SubscriberFailedPayload>('trellis.subscriber.failed', (payload) => {
    failures.push(payload);
    failed();
  });
  await host.start();
  return { host, shop: shopContext!, audited, failures, firstFailure };
}

describe('events emitted through the host', () => {
  it('resolves ctx.emit and host.emit once subscribers received the event', async () => {
    const received: unknown[] = [];
    const { host, shop } = await ordersHost((payload) => {
      received.push(payload);
    });
    await shop.emit('orders.created', { id: 1 });
    expect(received).toEqual([{ id: 1 }]);
    await host.emit('orders.paid', { id: 2 });
    expect(received).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('tells subscribers the topic and the emitting plugin', async () => {
    const seen: Array<{ topic: string; source: string }> = [];
    const { host, shop } = await ordersHost((_payload, event) => {
      seen.push({ topic: event.topic, source: event.source });
    });
    await shop.emit('orders.created');
    await host.emit('orders.paid');
    expect(seen).toEqual([
      { topic: 'orders.created', source: 'shop' },
      { topic: 'orders.paid', source: 'host' },
    ]);
  });

  it.each([
    [
      'throws an Error',
      () => {
        throw new Error('listener broke');
      },
      'listener broke',
    ],
    [
      'rejects',
      async () => {
        throw new Error('listener rejected');
      },
      'listener rejected',
    ],
    [
      'throws a string',
      () => {
        throw 'just a string';
      },
      'just a string',
    ],
  ])(
    'isolates a subscriber that %s and reports it as trellis.subscriber.failed',
    async (_label, handler, message) => {
      const { host, shop, audited, failures, firstFailure } = await ordersHost(handler);
      await expect(shop.emit('orders.created', { id: 9 })).resolves.toBeUndefined();
      expect(audited).toEqual([{ id: 9 }]);
      await firstFailure;
      expect(failures).toHaveLength(1);
      const [failure] = failures;
      expect(failure).toMatchObject({
        subscriber: 'listener',
        pattern: 'orders.*',
        topic: 'orders.created',
        source: 'shop',
        stage: 'handler',
      });
      expect(failure?.error).toMatchObject({
        name: 'TrellisError',
        code: 'E_SUBSCRIBER_FAILED',
        details: { subscriber: 'listener', topic: 'orders.created' },
      });
      expect(failure?.error.message).toContain(message);
      expect(failure?.error).not.toHaveProperty('stack');
      const samples = parsePrometheus(await host.metrics.text());
      expect(sampleValue(samples, 'trellis_subscriber_failures_total', { subscriber: 'listener' })).toBe(1);
    },
  );

  it('serialises a TrellisError thrown by a subscriber as the cause of the failure', async () => {
    const { shop, failures, firstFailure } = await ordersHost(() => {
      throw new TrellisError('E_OUT_OF_STOCK', 'No widgets.', { details: { sku: 'w' } });
    });
    await shop.emit('orders.created');
    await firstFailure;
    expect(failures[0]?.error.cause).toEqual({
      name: 'TrellisError',
      code: 'E_OUT_OF_STOCK',
      message: 'No widgets.',
      details: { sku: 'w' },
    });
  });

  it('reports a failing filter with stage filter', async () => {
    const failures: SubscriberFailedPayload[] = [];
    const picky = definePlugin({
      name: 'picky',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.on('orders.*', () => {}, {
          filter: () => {
            throw new Error('filter broke');
          },
        });
      },
    });
    const host = await startedHost([picky]);
    host.on<SubscriberFailedPayload>('trellis.subscriber.failed', (payload) => {
      failures.push(payload);
    });
    await host.emit('orders.created');
    expect(failures.map((failure) => [failure.subscriber, failure.stage])).toEqual([['picky', 'filter']]);
  });

  it('counts every failure of a subscriber', async () => {
    const { host, shop } = await ordersHost(() => {
      throw new Error('again');
    });
    for (let index = 0; index < 3; index += 1) await shop.emit('orders.created');
    const samples = parsePrometheus(await host.metrics.text());
    expect(sampleValue(samples, 'trellis_subscriber_failures_total', { subscriber: 'listener' })).toBe(3);
  });

  it('does not loop when a subscriber of trellis.subscriber.failed throws too', async () => {
    const { host, shop, failures } = await ordersHost(() => {
      throw new Error('first');
    });
    let watcherCalls = 0;
    host.on('trellis.subscriber.failed', () => {
      watcherCalls += 1;
      throw new Error('watcher broke too');
    });
    await shop.emit('orders.created');
    for (let turn = 0; turn < 5; turn += 1) await nextTurn();
    expect(watcherCalls).toBe(1);
    expect(failures).toHaveLength(1);
    const samples = parsePrometheus(await host.metrics.text());
    expect(sampleValue(samples, 'trellis_subscriber_failures_total', { subscriber: 'listener' })).toBe(1);
    expect(sampleValue(samples, 'trellis_subscriber_failures_total', { subscriber: 'host' })).toBe(1);
  });

  it('does not loop when an async subscriber of trellis.subscriber.failed rejects', async () => {
    const { host, shop } = await ordersHost(async () => {
      throw new Error('first');
    });
    let watcherCalls = 0;
    host.on('trellis.subscriber.failed', async () => {
      watcherCalls += 1;
      throw new Error('watcher rejected');
    });
    await shop.emit('orders.created');
    for (let turn = 0; turn < 5; turn += 1) await nextTurn();
    expect(watcherCalls).toBe(1);
  });
});

describe('trellis.plugin.state', () => {
  it('announces every transition at boot and stop with plugin, from and to', async () => {
    const base = definePlugin({ name: 'base', version: '1.0.0', setup: () => {} });
    const top = definePlugin({ name: 'top', version: '1.0.0', dependencies: ['base'], setup: () => {} });
    const host = silentHost([top, base]);
    const changes: Array<{ plugin: string; from: string; to: string }> = [];
    host.on<{ plugin: string; from: string; to: string }>(
      'trellis.plugin.state',
      ({ plugin, from, to }, event) => {
        expect(event.source).toBe('host');
        changes.push({ plugin, from, to });
      },
    );
    await host.start();
    const byPlugin = (name: string) =>
      changes.filter((change) => change.plugin === name).map((change) => `${change.from}->${change.to}`);
    expect(byPlugin('base')).toEqual(['registered->starting', 'starting->running']);
    expect(byPlugin('top')).toEqual(['registered->starting', 'starting->running']);
    expect(changes.findIndex((change) => change.plugin === 'base' && change.to === 'running')).toBeLessThan(
      changes.findIndex((change) => change.plugin === 'top' && change.to === 'starting'),
    );
    changes.length = 0;
    await host.stop();
    expect(byPlugin('top')).toEqual(['running->stopping', 'stopping->stopped']);
    expect(byPlugin('base')).toEqual(['running->stopping', 'stopping->stopped']);
  });

  it('carries the serialised error of a plugin that fails', async () => {
    const broken = definePlugin({
      name: 'broken',
      version: '1.0.0',
      setup: () => {
        throw new Error('no database');
      },
    });
    const host = silentHost([broken]);
    const changes: Array<{ from: string; to: string; error?: SerializedTrellisError }> = [];
    host.on<{ from: string; to: string; error?: SerializedTrellisError }>(
      'trellis.plugin.state',
      (payload) => {
        changes.push(payload);
      },
    );
    await host.start();
    expect(changes.map((change) => `${change.from}->${change.to}`)).toEqual([
      'registered->starting',
      'starting->failed',
    ]);
    expect(changes[0]?.error).toBeUndefined();
    expect(changes[1]?.error).toMatchObject({
      name: 'TrellisError',
      code: 'E_SETUP_FAILED',
      details: { plugin: 'broken' },
    });
  });
});
