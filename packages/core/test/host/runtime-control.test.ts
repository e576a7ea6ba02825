import { describe, expect, it } from 'vitest';
import { definePlugin, type Plugin } from '../../src/index.js';
import { deferred, settle, testHost } from '../support/host-fixtures.js';

/** A store whose `store.get` answers with its version, and whose service says which instance it is. */
function storePlugin(version: string, hooks: { setup?: () => unknown; calls?: string[] } = {}): Plugin {
  return definePlugin({
    name: 'store',
    version,
    setup: async (ctx) => {
      await hooks.setup?.();
      ctx.provide('store.get', () => `store@${version}`);
      return { version };
    },
    onEnable: () => {
      hooks.calls?.push('onEnable');
    },
    onDisable: () => {
      hooks.calls?.push('onDisable');
    },
    onReload: () => {
      hooks.calls?.push('onReload');
    },
  });
}

const usersPlugin = definePlugin({
  name: 'users',
  version: '1.0.0',
  dependencies: { store: '^1.0.0' },
  permissions: { calls: ['store.*'] },
  setup: (ctx) => {
    const store = ctx.service('store') as { version: string };
    ctx.provide('users.storeVersion', () => store.version);
  },
});

describe('disable and enable', () => {
  it('drains in-flight calls, refuses new ones, disables dependents, and brings all back on enable', async () => {
    const calls: string[] = [];
    const release = deferred();
    const slow = definePlugin({
      name: 'slow-reader',
      version: '1.0.0',
      dependencies: ['store'],
      setup: (ctx) =>
        ctx.provide('slow.read', async () => {
          await release.promise;
          return 'done';
        }),
    });
    const { host } = testHost({ plugins: [storePlugin('1.0.0', { calls }), usersPlugin, slow] });
    await host.start();
    const inFlight = host.call('slow.read');
    const disabling = host.disable('store');
    await settle();
    await expect(host.call('slow.read')).rejects.toMatchObject({ code: 'E_PLUGIN_DISABLED' });
    release.resolve();
    expect(await inFlight).toBe('done');
    await disabling;

    const states = Object.fromEntries(
      host.plugins().map((info) => [info.name, [info.state, info.disabledBy]]),
    );
    expect(states).toEqual({
      store: ['disabled', undefined],
      users: ['disabled', 'store'],
      'slow-reader': ['disabled', 'store'],
    });
    const refused = await host.call('users.storeVersion').catch((error: unknown) => error);
    expect(refused).toMatchObject({
      code: 'E_PLUGIN_DISABLED',
      details: { plugin: 'users', disabledBy: 'store' },
    });

    await host.enable('store');
    expect(host.plugins().map((info) => info.state)).toEqual(['running', 'running', 'running']);
    expect(await host.call('users.storeVersion')).toBe('1.0.0');
    expect(calls).toEqual(['onDisable', 'onEnable']);
  });

  it('tears down after the drain timeout even when a call never finishes', async () => {
    const plugin = definePlugin({
      name: 'stuck',
      version: '1.0.0',
      setup: (ctx) => ctx.provide('stuck.wait', () => new Promise(() => {})),
    });
    const { host, logs } = testHost({ plugins: [plugin], drainTimeout: 20 });
    await host.start();
    void host.call('stuck.wait');
    await host.disable('stuck');
    expect(host.plugins()[0]?.state).toBe('disabled');
    expect(logs.some((log) => log.msg.startsWith('calls still in flight after the drain timeout'))).toBe(
      true,
    );
  });

  it('refuses to enable a plugin whose dependency is disabled, saying which', async () => {
    const { host } = testHost({ plugins: [storePlugin('1.0.0'), usersPlugin] });
    await host.start();
    await host.disable('store');
    await expect(host.enable('users')).rejects.toMatchObject({
      code: 'E_DEPENDENCY_FAILED',
      details: { plugin: 'users', dependency: 'store' },
    });
    expect(host.plugins().find((info) => info.name === 'users')?.state).toBe('disabled');
  });

  it('retries a failed plugin on enable', async () => {
    let attempts = 0;
    const flaky = definePlugin({
      name: 'flaky',
      version: '1.0.0',
      setup: (ctx) => {
        attempts += 1;
        if (attempts === 1) throw new Error('first boot fails');
        ctx.provide('flaky.ok', () => true);
      },
    });
    const { host } = testHost({ plugins: [flaky] });
    await host.start();
    expect(host.plugins()[0]?.state).toBe('failed');
    await expect(host.call('flaky.ok')).rejects.toMatchObject({ code: 'E_CAPABILITY_NOT_FOUND' });
    await host.enable('flaky');
    expect(await host.call('flaky.ok')).toBe(true);
  });
});

describe('reload', () => {
  it('swaps in the new version and restarts dependents with its service', async () => {
    const calls: string[] = [];
    const { host } = testHost({ plugins: [storePlugin('1.0.0'), usersPlugin] });
    await host.start();
    await host.reload('store', storePlugin('1.1.0', { calls }));
    expect(await host.call('store.get')).toBe('store@1.1.0');
    expect(await host.call('users.storeVersion')).toBe('1.1.0');
    expect(host.plugins().find((info) => info.name === 'store')?.version).toBe('1.1.0');
    expect(calls).toEqual(['onReload']);
  });

  it('loses no call under a steady stream of calls', async () => {
    const { host } = testHost({ plugins: [storePlugin('1.0.0'), usersPlugin] });
    await host.start();
    const results: Promise<string>[] = [];
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        for (let index = 0; index < 20; index += 1) results.push(host.call<string>('store.get'));
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await settle();
    await host.reload(
      'store',
      storePlugin('1.1.0', { setup: () => new Promise((resolve) => setTimeout(resolve, 15)) }),
    );
    await settle();
    await host.reload('store', storePlugin('1.2.0'));
    await settle();
    streaming = false;
    await stream;
    const settled = await Promise.allSettled(results);
    expect(settled.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    const answers = new Set(settled.map((outcome) => (outcome as PromiseFulfilledResult<string>).value));
    expect(answers).toEqual(new Set(['store@1.0.0', 'store@1.1.0', 'store@1.2.0']));
  });

  it('makes calls arriving during a reload wait for the new version instead of failing', async () => {
    const gate = deferred();
    const { host } = testHost({ plugins: [storePlugin('1.0.0')] });
    await host.start();
    const reloading = host.reload('store', storePlugin('2.0.0', { setup: () => gate.promise }));
    await settle();
    const waiting = host.call('store.get');
    gate.resolve();
    await reloading;
    expect(await waiting).toBe('store@2.0.0');
  });

  it('rolls back to the previous version when the new one fails to start', async () => {
    const { host } = testHost({ plugins: [storePlugin('1.0.0'), usersPlugin] });
    await host.start();
    const broken = storePlugin('1.1.0', {
      setup: () => {
        throw new Error('migration failed');
      },
    });
    const error = await host.reload('store', broken).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'E_RELOAD_FAILED', details: { plugin: 'store', rolledBack: true } });
    expect((error as { cause: { code: string } }).cause.code).toBe('E_SETUP_FAILED');
    expect(await host.call('store.get')).toBe('store@1.0.0');
    expect(await host.call('users.storeVersion')).toBe('1.0.0');
    expect(host.plugins().map((info) => [info.name, info.state, info.version])).toEqual([
      ['store', 'running', '1.0.0'],
      ['users', 'running', '1.0.0'],
    ]);
  });

  it('refuses a new version its dependents cannot use, changing nothing', async () => {
    const { host } = testHost({ plugins: [storePlugin('1.0.0'), usersPlugin] });
    await host.start();
    await expect(host.reload('store', storePlugin('2.0.0'))).rejects.toMatchObject({
      code: 'E_DEPENDENCY_VERSION',
      details: { plugin: 'users', dependency: 'store', range: '^1.0.0', found: '2.0.0' },
    });
    expect(await host.call('store.get')).toBe('store@1.0.0');
  });

  it('refuses a definition with another name', async () => {
    const { host } = testHost({ plugins: [storePlugin('1.0.0')] });
    await host.start();
    await expect(host.reload('store', usersPlugin)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });
});

describe('lazy activation', () => {
  const lazyReports = (onSetup: () => void, received: string[] = []) =>
    definePlugin({
      name: 'reports',
      version: '1.0.0',
      activation: 'lazy',
      provides: ['reports.build'],
      subscribes: ['order.*', 'order.created'],
      setup: (ctx) => {
        onSetup();
        ctx.provide('reports.build', () => 'report');
        ctx.on('order.*', (_payload, event) => {
          received.push(event.topic);
        });
      },
    });

  it('stays dormant at boot and starts once on the first calls to it', async () => {
    let setups = 0;
    const { host } = testHost({
      plugins: [
        lazyReports(() => {
          setups += 1;
        }),
      ],
    });
    const report = await host.start();
    expect(report.dormant).toEqual(['reports']);
    expect(setups).toBe(0);
    const answers = await Promise.all([
      host.call('reports.build'),
      host.call('reports.build'),
      host.call('reports.build'),
    ]);
    expect(answers).toEqual(['report', 'report', 'report']);
    expect(setups).toBe(1);
    expect(host.plugins()[0]?.state).toBe('running');
  });

  it('starts on the first matching event and receives that event exactly once', async () => {
    const received: string[] = [];
    const { host } = testHost({ plugins: [lazyReports(() => {}, received)] });
    await host.start();
    await host.emit('user.created');
    await settle();
    expect(host.plugins()[0]?.state).toBe('registered');
    await host.emit('order.created');
    await settle();
    await host.emit('order.paid');
    expect(received).toEqual(['order.created', 'order.paid']);
  });

  it('starts at boot when an eager plugin depends on it', async () => {
    let setups = 0;
    const dependent = definePlugin({
      name: 'dashboard',
      version: '1.0.0',
      dependencies: ['reports'],
      setup: () => {},
    });
    const { host } = testHost({
      plugins: [
        lazyReports(() => {
          setups += 1;
        }),
        dependent,
      ],
    });
    const report = await host.start();
    expect(report.dormant).toEqual([]);
    expect(setups).toBe(1);
  });
});
