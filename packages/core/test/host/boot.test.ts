import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHost, definePlugin, type TrellisError } from '../../src/index.js';
import { deferred, settle, testHost } from '../support/host-fixtures.js';

const failure = (error: TrellisError | undefined) => ({
  code: error?.code,
  cause: (error?.cause as TrellisError | undefined)?.code,
});

describe('boot order', () => {
  it('starts a plugin as soon as its own dependencies run, without waiting for unrelated siblings', async () => {
    const events: string[] = [];
    const slow = deferred();
    const plugins = [
      definePlugin({
        name: 'slow',
        version: '1.0.0',
        setup: async () => {
          events.push('slow:start');
          await slow.promise;
          events.push('slow:end');
        },
      }),
      definePlugin({
        name: 'fast',
        version: '1.0.0',
        setup: () => {
          events.push('fast');
        },
      }),
      definePlugin({
        name: 'after-fast',
        version: '1.0.0',
        dependencies: ['fast'],
        setup: () => {
          events.push('after-fast');
        },
      }),
    ];
    const { host } = testHost({ plugins });
    const started = host.start();
    await settle();
    expect(events).toEqual(['slow:start', 'fast', 'after-fast']);
    slow.resolve();
    const report = await started;
    expect(events.at(-1)).toBe('slow:end');
    expect([...report.running].sort()).toEqual(['after-fast', 'fast', 'slow']);
  });

  it('boots one plugin at a time in dependency order when asked to', async () => {
    const events: string[] = [];
    const first = deferred();
    const plugins = [
      definePlugin({
        name: 'b',
        version: '1.0.0',
        dependencies: ['a'],
        setup: () => {
          events.push('b');
        },
      }),
      definePlugin({
        name: 'a',
        version: '1.0.0',
        setup: async () => {
          events.push('a:start');
          await first.promise;
          events.push('a:end');
        },
      }),
      definePlugin({
        name: 'c',
        version: '1.0.0',
        setup: () => {
          events.push('c');
        },
      }),
    ];
    const { host } = testHost({ plugins, boot: 'sequential' });
    const started = host.start();
    await settle();
    expect(events).toEqual(['a:start']);
    first.resolve();
    await started;
    expect(events).toEqual(['a:start', 'a:end', 'b', 'c']);
  });

  it('gives dependents the service their dependency returned, sync or async', async () => {
    const store = definePlugin({
      name: 'store',
      version: '1.0.0',
      setup: async () => ({ read: () => 'stored' }),
    });
    const counter = definePlugin({ name: 'counter', version: '1.0.0', setup: () => ({ next: () => 1 }) });
    let seen = '';
    const users = definePlugin({
      name: 'users',
      version: '1.0.0',
      dependencies: { store: '^1.0.0', counter: '*' },
      setup: (ctx) => {
        seen = `${ctx.service(store).read()}:${ctx.service(counter).next()}`;
      },
    });
    const { host } = testHost({ plugins: [users, counter, store] });
    await host.start();
    expect(seen).toBe('stored:1');
  });

  it('shows the boot plan as batches and the boot as a tree with timings', async () => {
    const plugins = [
      definePlugin({ name: 'db', version: '1.0.0', setup: () => {} }),
      definePlugin({ name: 'cache', version: '1.0.0', setup: () => {} }),
      definePlugin({ name: 'users', version: '1.0.0', dependencies: ['db', 'cache'], setup: () => {} }),
      definePlugin({
        name: 'broken',
        version: '1.0.0',
        setup: () => {
          throw new Error('no');
        },
      }),
    ];
    const { host } = testHost({ plugins });
    await host.start();
    expect(host.bootPlan()).toEqual([['db', 'cache', 'broken'], ['users']]);
    const tree = host.bootTree();
    expect(tree).toMatch(/^host booted 4 plugins in /);
    expect(tree).toMatch(/└─ users +\d/m);
    expect(tree).toContain('[failed: E_SETUP_FAILED]');
  });
});

describe('setup failures stay with their plugin', () => {
  it('marks a plugin whose setup throws as failed, fails its dependents because of it, and runs the rest', async () => {
    const plugins = [
      definePlugin({
        name: 'db',
        version: '1.0.0',
        setup: () => {
          throw new Error('connection refused');
        },
      }),
      definePlugin({ name: 'users', version: '1.0.0', dependencies: ['db'], setup: () => {} }),
      definePlugin({ name: 'audit', version: '1.0.0', dependencies: ['users'], setup: () => {} }),
      definePlugin({ name: 'clock', version: '1.0.0', setup: (ctx) => ctx.provide('clock.now', () => 42) }),
    ];
    const { host } = testHost({ plugins });
    const report = await host.start();
    expect(report.running).toEqual(['clock']);
    const byName = Object.fromEntries(host.plugins().map((plugin) => [plugin.name, plugin]));
    expect(byName.db?.state).toBe('failed');
    expect(byName.db?.error?.code).toBe('E_SETUP_FAILED');
    expect(byName.db?.error?.message).toContain('connection refused');
    expect(byName.users?.error?.code).toBe('E_DEPENDENCY_FAILED');
    expect(byName.users?.error?.details).toEqual({ plugin: 'users', dependency: 'db' });
    expect(byName.audit?.error?.details).toEqual({ plugin: 'audit', dependency: 'users' });
    expect(await host.call('clock.now')).toBe(42);
  });

  it.each([
    ['rejects with an Error', () => Promise.reject(new Error('bad config'))],
    [
      'throws a string',
      () => {
        throw 'plain string';
      },
    ],
    ['rejects with undefined', () => Promise.reject(undefined)],
  ])('reports a setup that %s as E_SETUP_FAILED', async (_label, setup) => {
    const { host } = testHost({ plugins: [definePlugin({ name: 'p', version: '1.0.0', setup })] });
    const report = await host.start();
    expect(report.failed.map((entry) => entry.error.code)).toEqual(['E_SETUP_FAILED']);
  });

  it('times out a setup that never settles, removes what it registered, and keeps booting', async () => {
    const plugins = [
      definePlugin({
        name: 'stuck',
        version: '1.0.0',
        setupTimeout: 30,
        setup: (ctx) => {
          ctx.provide('stuck.ping', () => 'pong');
          return new Promise(() => {});
        },
      }),
      definePlugin({ name: 'fine', version: '1.0.0', setup: () => {} }),
    ];
    const { host } = testHost({ plugins });
    const report = await host.start();
    expect(report.failed[0]?.error.code).toBe('E_SETUP_TIMEOUT');
    expect(report.failed[0]?.error.details).toEqual({ plugin: 'stuck', timeoutMs: 30 });
    expect(report.running).toEqual(['fine']);
    await expect(host.call('stuck.ping')).rejects.toMatchObject({ code: 'E_PLUGIN_FAILED' });
  });

  it('runs teardown when a timed-out setup finishes late, so what it acquired is released', async () => {
    const late = deferred();
    const tornDown = deferred<string>();
    const plugin = definePlugin({
      name: 'late',
      version: '1.0.0',
      setupTimeout: 20,
      setup: async (ctx) => {
        await late.promise;
        expect(() => ctx.provide('late.x', () => 1)).toThrow(
          expect.objectContaining({ code: 'E_PLUGIN_STATE' }),
        );
      },
      teardown: () => tornDown.resolve('torn down'),
    });
    const { host, logs } = testHost({ plugins: [plugin] });
    await host.start();
    late.resolve();
    expect(await tornDown.promise).toBe('torn down');
    expect(logs.some((log) => log.msg.includes('finished after it had timed out'))).toBe(true);
  });

  it('warns about slow setups', async () => {
    const plugin = definePlugin({
      name: 'sluggish',
      version: '1.0.0',
      setup: () => new Promise((resolve) => setTimeout(resolve, 15)),
    });
    const { host, logs } = testHost({ plugins: [plugin], slowSetupThreshold: 1 });
    await host.start();
    expect(logs.find((log) => log.msg.startsWith('slow setup'))).toMatchObject({
      plugin: 'sluggish',
      level: 40,
    });
  });
});

describe('dependency problems are reported per plugin before anything starts', () => {
  it('reports a cycle with its path on every plugin in it, and fails what depends on the cycle', async () => {
    const plugins = [
      definePlugin({ name: 'a', version: '1.0.0', dependencies: ['b'], setup: () => {} }),
      definePlugin({ name: 'b', version: '1.0.0', dependencies: ['c'], setup: () => {} }),
      definePlugin({ name: 'c', version: '1.0.0', dependencies: ['a'], setup: () => {} }),
      definePlugin({ name: 'd', version: '1.0.0', dependencies: ['a'], setup: () => {} }),
      definePlugin({ name: 'e', version: '1.0.0', setup: () => {} }),
    ];
    const { host } = testHost({ plugins });
    const report = await host.start();
    const errorsByName = Object.fromEntries(report.failed.map(({ name, error }) => [name, error]));
    for (const name of ['a', 'b', 'c']) {
      expect(errorsByName[name]?.code).toBe('E_DEPENDENCY_CYCLE');
      expect(errorsByName[name]?.message).toContain('a -> b -> c -> a');
    }
    expect(failure(errorsByName.d)).toEqual({ code: 'E_DEPENDENCY_FAILED', cause: 'E_DEPENDENCY_CYCLE' });
    expect(report.running).toEqual(['e']);
  });

  it('names who asked for what when a dependency is missing or of the wrong version', async () => {
    const plugins = [
      definePlugin({ name: 'store', version: '2.1.0', setup: () => {} }),
      definePlugin({ name: 'users', version: '1.0.0', dependencies: { store: '^1.0.0' }, setup: () => {} }),
      definePlugin({
        name: 'orders',
        version: '1.0.0',
        dependencies: { payments: '^3.0.0' },
        setup: () => {},
      }),
    ];
    const { host } = testHost({ plugins });
    const report = await host.start();
    const errorsByName = Object.fromEntries(report.failed.map(({ name, error }) => [name, error]));
    expect(errorsByName.users?.code).toBe('E_DEPENDENCY_VERSION');
    expect(errorsByName.users?.details).toEqual({
      plugin: 'users',
      dependency: 'store',
      range: '^1.0.0',
      found: '2.1.0',
    });
    expect(errorsByName.orders?.code).toBe('E_DEPENDENCY_MISSING');
    expect(errorsByName.orders?.details).toEqual({
      plugin: 'orders',
      dependency: 'payments',
      range: '^3.0.0',
    });
    expect(report.running).toEqual(['store']);
  });

  it('treats prereleases the way npm does', async () => {
    const plugins = [
      definePlugin({ name: 'beta', version: '1.1.0-beta.2', setup: () => {} }),
      definePlugin({ name: 'strict', version: '1.0.0', dependencies: { beta: '^1.0.0' }, setup: () => {} }),
      definePlugin({
        name: 'opted-in',
        version: '1.0.0',
        dependencies: { beta: '^1.1.0-beta.0' },
        setup: () => {},
      }),
      definePlugin({ name: 'any', version: '1.0.0', dependencies: ['beta'], setup: () => {} }),
    ];
    const { host } = testHost({ plugins });
    const report = await host.start();
    expect(report.failed.map(({ name, error }) => [name, error.code])).toEqual([
      ['strict', 'E_DEPENDENCY_VERSION'],
    ]);
  });

  it('starts optional dependencies first when present and runs without them when absent', async () => {
    const order: string[] = [];
    let seenCache: unknown = 'unset';
    const cache = definePlugin({
      name: 'cache',
      version: '1.0.0',
      setup: async () => {
        await settle();
        order.push('cache');
        return 'cache-service';
      },
    });
    const api = definePlugin({
      name: 'api',
      version: '1.0.0',
      optionalDependencies: { cache: '^1.0.0', metrics: '*' },
      setup: (ctx) => {
        order.push('api');
        seenCache = [ctx.service('cache'), ctx.service('metrics')];
      },
    });
    const { host } = testHost({ plugins: [api, cache] });
    await host.start();
    expect(order).toEqual(['cache', 'api']);
    expect(seenCache).toEqual(['cache-service', undefined]);
  });

  it('refuses plugins built for another host API', async () => {
    const { host } = testHost({
      plugins: [definePlugin({ name: 'future', version: '1.0.0', hostApi: '^2.0.0', setup: () => {} })],
    });
    const report = await host.start();
    expect(report.failed[0]?.error.code).toBe('E_HOST_API_INCOMPATIBLE');
    expect(report.failed[0]?.error.details).toEqual({
      plugin: 'future',
      range: '^2.0.0',
      hostApiVersion: '1.0.0',
    });
  });
});

describe('config', () => {
  const ConfigSchema = z.object({
    pageSize: z.number().int().positive().default(20),
    region: z.enum(['eu', 'us']),
  });

  it('validates each plugin config against its schema and hands the parsed value to setup', async () => {
    let seen: unknown;
    const users = definePlugin({
      name: 'users',
      version: '1.0.0',
      config: ConfigSchema,
      setup: (ctx) => {
        seen = ctx.config;
      },
    });
    const { host } = testHost({ plugins: [users], config: { users: { region: 'eu' } } });
    await host.start();
    expect(seen).toEqual({ pageSize: 20, region: 'eu' });
  });

  it('validates an absent config as an empty object, so defaults apply and missing fields are named', async () => {
    let seen: unknown;
    const withDefaults = definePlugin({
      name: 'defaults',
      version: '1.0.0',
      config: z.object({ pageSize: z.number().default(20) }),
      setup: (ctx) => {
        seen = ctx.config;
      },
    });
    const needsKey = definePlugin({
      name: 'needs-key',
      version: '1.0.0',
      config: z.object({ apiKey: z.string() }),
      setup: () => undefined,
    });
    const { host } = testHost({ plugins: [withDefaults, needsKey] });
    const report = await host.start();
    expect(seen).toEqual({ pageSize: 20 });
    expect(report.failed[0]?.error.code).toBe('E_CONFIG_INVALID');
    expect(report.failed[0]?.error.details.issues).toEqual([{ path: 'apiKey', message: expect.any(String) }]);
  });

  it('fails a plugin with invalid config before its setup runs, naming each field', async () => {
    let setupRan = false;
    const users = definePlugin({
      name: 'users',
      version: '1.0.0',
      config: ConfigSchema,
      setup: () => {
        setupRan = true;
      },
    });
    const { host } = testHost({ plugins: [users], config: { users: { pageSize: -1, region: 'mars' } } });
    const report = await host.start();
    const error = report.failed[0]!.error;
    expect(error.code).toBe('E_CONFIG_INVALID');
    expect((error.details.issues as { path: string }[]).map((issue) => issue.path).sort()).toEqual([
      'pageSize',
      'region',
    ]);
    expect(setupRan).toBe(false);
  });
});

describe('host misuse', () => {
  const plugin = definePlugin({ name: 'p', version: '1.0.0', setup: () => {} });

  it('rejects duplicate plugins, non-plugins and bad options at createHost', () => {
    expect(() => createHost({ plugins: [plugin, plugin], logger: { level: 'silent' } })).toThrow(
      expect.objectContaining({ code: 'E_PLUGIN_DUPLICATE' }),
    );
    expect(() => createHost({ plugins: [{ name: 'x' } as never], logger: { level: 'silent' } })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
    expect(() => createHost({ setupTimeout: -5, logger: { level: 'silent' } })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
    expect(() => createHost({ maxCallDepth: 1.5, logger: { level: 'silent' } })).toThrow(
      expect.objectContaining({
        code: 'E_INVALID_ARGUMENT',
        details: expect.objectContaining({ expected: 'a positive integer' }),
      }),
    );
    expect(() => createHost({ boot: 'random' as never, logger: { level: 'silent' } })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
  });

  it('starts once, and refuses calls before start', async () => {
    const { host } = testHost({ plugins: [plugin] });
    await expect(host.call('p.anything')).rejects.toMatchObject({ code: 'E_HOST_STATE' });
    await expect(host.disable('p')).rejects.toMatchObject({ code: 'E_HOST_STATE' });
    await host.start();
    await expect(host.start()).rejects.toMatchObject({ code: 'E_HOST_STATE' });
    await expect(host.disable('ghost')).rejects.toMatchObject({ code: 'E_PLUGIN_NOT_FOUND' });
  });

  it('announces every state transition on trellis.plugin.state', async () => {
    const { host } = testHost({ plugins: [plugin] });
    const changes: string[] = [];
    host.on<{ plugin: string; from: string; to: string }>('trellis.plugin.state', (change) => {
      changes.push(`${change.plugin}:${change.from}->${change.to}`);
    });
    await host.start();
    await host.stop();
    expect(changes).toEqual([
      'p:registered->starting',
      'p:starting->running',
      'p:running->stopping',
      'p:stopping->stopped',
    ]);
  });
});
