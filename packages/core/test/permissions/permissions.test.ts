import { describe, expect, it } from 'vitest';
import { definePlugin, type PermissionsManifest, type PluginContext } from '../../src/index.js';
import { pluginOutcome, startedHost } from '../support/pipeline-hosts.js';
import { rejectionOf } from '../support/thrown.js';

/** Plugins providing `billing.charge`, `billing.invoices.list` and `users.get`. */
const providers = [
  definePlugin({
    name: 'billing',
    version: '1.0.0',
    setup: (ctx) => {
      ctx.provide('billing.charge', () => 'charged');
      ctx.provide('billing.invoices.list', () => []);
    },
  }),
  definePlugin({
    name: 'users',
    version: '1.0.0',
    setup: (ctx) => {
      ctx.provide('users.get', () => ({ id: 1 }));
    },
  }),
];

/** A plugin `client` with `permissions` whose context the test drives after boot. */
async function clientHost(permissions: PermissionsManifest | undefined) {
  let context: PluginContext | undefined;
  const client = definePlugin({
    name: 'client',
    version: '1.0.0',
    ...(permissions === undefined ? {} : { permissions }),
    setup: (ctx) => {
      context = ctx;
      ctx.provide('client.own', () => 'mine');
    },
  });
  const host = await startedHost([...providers, client]);
  if (context === undefined) throw new Error('client did not set up');
  return { host, ctx: context };
}

describe('calls', () => {
  it('lets a plugin call capabilities matching permissions.calls', async () => {
    const { ctx } = await clientHost({ calls: ['billing.*'] });
    expect(await ctx.call('billing.charge')).toBe('charged');
  });

  it('rejects (never throws) a call outside permissions.calls with E_PERMISSION_DENIED naming plugin and capability', async () => {
    const { ctx } = await clientHost({ calls: ['billing.*'] });
    let pending: Promise<unknown> | undefined;
    expect(() => {
      pending = ctx.call('users.get');
    }).not.toThrow();
    const error = await rejectionOf(pending!);
    expect(error.code).toBe('E_PERMISSION_DENIED');
    expect(error.details).toEqual({ plugin: 'client', action: 'call', target: 'users.get' });
    expect(error.message).toContain('permissions.calls');
  });

  it('does not let `billing.*` reach two segments down', async () => {
    const { ctx } = await clientHost({ calls: ['billing.*'] });
    expect((await rejectionOf(ctx.call('billing.invoices.list'))).code).toBe('E_PERMISSION_DENIED');
  });

  it('lets `billing.**` reach any depth', async () => {
    const { ctx } = await clientHost({ calls: ['billing.**'] });
    expect(await ctx.call('billing.invoices.list')).toEqual([]);
    expect(await ctx.call('billing.charge')).toBe('charged');
  });

  it('denies every other plugin capability when the manifest asks for none', async () => {
    const { ctx } = await clientHost(undefined);
    expect((await rejectionOf(ctx.call('billing.charge'))).code).toBe('E_PERMISSION_DENIED');
  });

  it('always lets a plugin call its own capabilities', async () => {
    const { ctx } = await clientHost({ calls: [] });
    expect(await ctx.call('client.own')).toBe('mine');
  });

  it('checks permission before existence: an unknown capability outside the permissions is denied, not missing', async () => {
    const { ctx } = await clientHost({ calls: ['billing.*'] });
    expect((await rejectionOf(ctx.call('ghost.x'))).code).toBe('E_PERMISSION_DENIED');
    expect((await rejectionOf(ctx.call('billing.ghost'))).code).toBe('E_CAPABILITY_NOT_FOUND');
  });

  it('leaves the host unrestricted', async () => {
    const { host } = await clientHost({ calls: [] });
    expect(await host.call('users.get')).toEqual({ id: 1 });
    expect(await host.call('billing.invoices.list')).toEqual([]);
  });

  it('does not let a permitted plugin lend its permission to a nested call of another plugin', async () => {
    const relay = definePlugin({
      name: 'relay',
      version: '1.0.0',
      permissions: { calls: ['users.*'] },
      setup: (ctx) => {
        ctx.provide('relay.forward', (_params, call) => ctx.call('users.get', undefined, { parent: call }));
      },
    });
    let context: PluginContext | undefined;
    const client = definePlugin({
      name: 'client',
      version: '1.0.0',
      permissions: { calls: ['relay.*'] },
      setup: (ctx) => {
        context = ctx;
      },
    });
    await startedHost([...providers, relay, client]);
    expect(await context!.call('relay.forward')).toEqual({ id: 1 });
    expect((await rejectionOf(context!.call('users.get'))).code).toBe('E_PERMISSION_DENIED');
  });
});

describe('emits', () => {
  it('lets a plugin emit topics matching permissions.emits and delivers them', async () => {
    const { host, ctx } = await clientHost({ emits: ['orders.*'] });
    const received: unknown[] = [];
    host.on('orders.*', (payload) => received.push(payload));
    await ctx.emit('orders.created', { id: 7 });
    expect(received).toEqual([{ id: 7 }]);
  });

  it('rejects an emit outside permissions.emits with E_PERMISSION_DENIED, delivering nothing', async () => {
    const { host, ctx } = await clientHost({ emits: ['orders.*'] });
    const received: unknown[] = [];
    host.on('**', (payload, event) => {
      if (event.topic === 'users.created') received.push(payload);
    });
    let pending: Promise<void> | undefined;
    expect(() => {
      pending = ctx.emit('users.created', { id: 1 });
    }).not.toThrow();
    const error = await rejectionOf(pending!);
    expect(error.code).toBe('E_PERMISSION_DENIED');
    expect(error.details).toEqual({ plugin: 'client', action: 'emit', target: 'users.created' });
    expect(received).toEqual([]);
  });

  it('denies every emit when the manifest asks for none', async () => {
    const { ctx } = await clientHost(undefined);
    expect((await rejectionOf(ctx.emit('anything'))).code).toBe('E_PERMISSION_DENIED');
  });

  it('lets the host emit anything', async () => {
    const { host } = await clientHost({ emits: [] });
    const received: string[] = [];
    host.on('**', (_payload, event) => {
      if (!event.topic.startsWith('trellis.')) received.push(event.topic);
    });
    await host.emit('users.deleted', {});
    expect(received).toEqual(['users.deleted']);
  });
});

describe('observes', () => {
  /** Starts a plugin `watcher` with `observes` that subscribes to `pattern`; reports whether `on` threw synchronously. */
  async function watch(observes: string[] | undefined, pattern: string) {
    let threw: unknown;
    const watcher = definePlugin({
      name: 'watcher',
      version: '1.0.0',
      ...(observes === undefined ? {} : { permissions: { observes } }),
      setup: (ctx) => {
        try {
          ctx.on(pattern, () => {});
        } catch (error) {
          threw = error;
          throw error;
        }
      },
    });
    const host = await startedHost([watcher]);
    return { host, threw, outcome: pluginOutcome(host, 'watcher') };
  }

  it.each([
    [['orders.*'], 'orders.created'],
    [['orders.*'], 'orders.*'],
    [['orders.**'], 'orders.**'],
    [['orders.**'], 'orders.eu.created'],
    [['orders.**'], 'orders.*.created'],
    [['users.*', 'orders.**'], 'orders.*'],
    [['**'], '**'],
    [['orders.*.**'], 'orders.**.created'],
  ])('with observes %j allows a subscription to %j', async (observes, pattern) => {
    const { threw, outcome } = await watch(observes, pattern);
    expect(threw).toBeUndefined();
    expect(outcome.state).toBe('running');
  });

  it.each([
    [['orders.*'], 'orders.**'],
    [['orders.*'], 'orders.eu.created'],
    [['orders.*'], 'users.created'],
    [['orders.created'], 'orders.*'],
    [['orders.*.created'], 'orders.**'],
    [[], 'orders.created'],
  ])(
    'with observes %j refuses a subscription to %j synchronously, failing setup with E_PERMISSION_DENIED',
    async (observes, pattern) => {
      const { threw, outcome } = await watch(observes, pattern);
      expect(threw).toMatchObject({
        code: 'E_PERMISSION_DENIED',
        details: { plugin: 'watcher', action: 'observe', target: pattern },
      });
      expect(outcome).toEqual({ state: 'failed', code: 'E_SETUP_FAILED', cause: 'E_PERMISSION_DENIED' });
    },
  );

  it('allows every subscription when observes is not declared', async () => {
    const { outcome } = await watch(undefined, '**');
    expect(outcome.state).toBe('running');
  });

  it('lets the host subscribe to anything', async () => {
    const { host } = await clientHost({ observes: [] });
    expect(() => host.on('**', () => {})).not.toThrow();
  });
});
