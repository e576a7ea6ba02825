import { describe, expect, it } from 'vitest';
import { definePlugin } from '../../src/index.js';
import { deferred, settle, testHost } from '../support/host-fixtures.js';

describe('host.stop', () => {
  it('tears plugins down in reverse dependency order: dependents before what they depend on', async () => {
    const order: string[] = [];
    const plugin = (name: string, dependencies: string[] = []) =>
      definePlugin({
        name,
        version: '1.0.0',
        dependencies,
        setup: () => {},
        teardown: () => {
          order.push(name);
        },
      });
    const { host } = testHost({
      plugins: [plugin('db'), plugin('users', ['db']), plugin('api', ['users']), plugin('jobs', ['db'])],
    });
    await host.start();
    await host.stop();
    expect(order.indexOf('api')).toBeLessThan(order.indexOf('users'));
    expect(order.indexOf('users')).toBeLessThan(order.indexOf('db'));
    expect(order.indexOf('jobs')).toBeLessThan(order.indexOf('db'));
    expect(host.plugins().map((info) => info.state)).toEqual(['stopped', 'stopped', 'stopped', 'stopped']);
  });

  it('collects teardown failures and timeouts without stopping the other teardowns', async () => {
    const tornDown: string[] = [];
    const plugins = [
      definePlugin({
        name: 'throws',
        version: '1.0.0',
        setup: () => {},
        teardown: () => {
          throw new Error('socket already closed');
        },
      }),
      definePlugin({
        name: 'hangs',
        version: '1.0.0',
        teardownTimeout: 25,
        setup: () => {},
        teardown: () => new Promise(() => {}),
      }),
      definePlugin({
        name: 'rejects-string',
        version: '1.0.0',
        setup: () => {},
        teardown: () => Promise.reject('nope'),
      }),
      definePlugin({
        name: 'clean',
        version: '1.0.0',
        setup: () => {},
        teardown: () => {
          tornDown.push('clean');
        },
      }),
    ];
    const { host } = testHost({ plugins });
    await host.start();
    const report = await host.stop();
    expect(report.errors.map((error) => [error.details.plugin, error.code]).sort()).toEqual([
      ['hangs', 'E_TEARDOWN_TIMEOUT'],
      ['rejects-string', 'E_TEARDOWN_FAILED'],
      ['throws', 'E_TEARDOWN_FAILED'],
    ]);
    expect(tornDown).toEqual(['clean']);
    const states = Object.fromEntries(host.plugins().map((info) => [info.name, info.state]));
    expect(states).toEqual({
      throws: 'failed',
      hangs: 'failed',
      'rejects-string': 'failed',
      clean: 'stopped',
    });
  });

  it('lets in-flight calls finish before tearing down, and refuses calls afterwards', async () => {
    const release = deferred<string>();
    const events: string[] = [];
    const plugin = definePlugin({
      name: 'worker',
      version: '1.0.0',
      setup: (ctx) =>
        ctx.provide('worker.run', async () => {
          const value = await release.promise;
          events.push('call done');
          return value;
        }),
      teardown: () => {
        events.push('teardown');
      },
    });
    const { host } = testHost({ plugins: [plugin] });
    await host.start();
    const inFlight = host.call('worker.run');
    const stopped = host.stop();
    await settle();
    expect(events).toEqual([]);
    release.resolve('finished');
    expect(await inFlight).toBe('finished');
    await stopped;
    expect(events).toEqual(['call done', 'teardown']);
    await expect(host.call('worker.run')).rejects.toMatchObject({ code: 'E_HOST_STATE' });
  });

  it('aborts the signal plugins hand to their timers, and removes their subscriptions', async () => {
    let signal: AbortSignal | undefined;
    let received = 0;
    const plugin = definePlugin({
      name: 'ticker',
      version: '1.0.0',
      setup: (ctx) => {
        signal = ctx.signal;
        ctx.on('tick', () => {
          received += 1;
        });
      },
    });
    const { host } = testHost({ plugins: [plugin] });
    await host.start();
    await host.emit('tick');
    await host.stop();
    await host.emit('tick');
    expect(signal?.aborted).toBe(true);
    expect(received).toBe(1);
  });

  it('is idempotent and works on a host that never started', async () => {
    const { host } = testHost({ plugins: [definePlugin({ name: 'p', version: '1.0.0', setup: () => {} })] });
    const first = await host.stop();
    const second = await host.stop();
    expect(second).toBe(first);
    expect(host.state).toBe('stopped');
    expect(host.plugins()[0]?.state).toBe('stopped');
    await expect(host.start()).rejects.toMatchObject({ code: 'E_HOST_STATE' });
  });
});
