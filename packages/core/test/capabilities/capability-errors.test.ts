import { describe, expect, it } from 'vitest';
import { definePlugin, TrellisError } from '../../src/index.js';
import { pluginOutcome, startedHost } from '../support/pipeline-hosts.js';
import { rejectionOf } from '../support/thrown.js';

/** A plugin `faulty` whose capability `faulty.run` fails the way `fail` does. */
function faultyPlugin(fail: () => unknown) {
  return definePlugin({
    name: 'faulty',
    version: '1.0.0',
    setup: (ctx) => {
      ctx.provide('faulty.run', fail);
    },
  });
}

describe('what handlers throw', () => {
  const thrownError = new Error('disk full');
  const thrownObject = { reason: 'quota' };
  it.each([
    [
      'throws an Error synchronously',
      () => {
        throw thrownError;
      },
      thrownError,
      'disk full',
    ],
    ['rejects with an Error', () => Promise.reject(thrownError), thrownError, 'disk full'],
    [
      'throws a string',
      () => {
        throw 'plain failure';
      },
      'plain failure',
      'plain failure',
    ],
    ['rejects with a string', () => Promise.reject('late failure'), 'late failure', 'late failure'],
    [
      'throws undefined',
      () => {
        throw undefined;
      },
      undefined,
      'undefined',
    ],
    [
      'throws a plain object',
      () => {
        throw thrownObject;
      },
      thrownObject,
      '"quota"',
    ],
    [
      'rejects from an async function',
      async () => {
        throw thrownError;
      },
      thrownError,
      'disk full',
    ],
  ])(
    'wraps a handler that %s into E_CAPABILITY_FAILED naming capability and plugin, keeping the cause',
    async (_label, fail, cause, mention) => {
      const host = await startedHost([faultyPlugin(fail)]);
      const error = await rejectionOf(host.call('faulty.run'));
      expect(error.code).toBe('E_CAPABILITY_FAILED');
      expect(error.details).toEqual({ capability: 'faulty.run', plugin: 'faulty' });
      expect(error.cause).toBe(cause);
      expect(error.message).toContain("'faulty.run'");
      expect(error.message).toContain("'faulty'");
      expect(error.message).toContain(mention);
    },
  );

  it('also wraps failures of calls that have a deadline', async () => {
    const cause = new Error('broken');
    const host = await startedHost([faultyPlugin(() => Promise.reject(cause))]);
    const error = await rejectionOf(host.call('faulty.run', undefined, { timeout: 5_000 }));
    expect(error.code).toBe('E_CAPABILITY_FAILED');
    expect(error.cause).toBe(cause);
  });

  it('passes a TrellisError thrown by the handler through unchanged', async () => {
    const own = new TrellisError('E_OUT_OF_STOCK', 'No more widgets.', { details: { sku: 'w-1' } });
    const host = await startedHost([
      faultyPlugin(() => {
        throw own;
      }),
    ]);
    const error = await rejectionOf(host.call('faulty.run'));
    expect(error).toBe(own);
    expect(error.code).toBe('E_OUT_OF_STOCK');
    expect(error.details).toEqual({ sku: 'w-1' });
  });

  it('passes a rejected TrellisError through unchanged, with or without deadline', async () => {
    const own = new TrellisError('E_PERMISSION_DENIED', 'Not yours.');
    const host = await startedHost([faultyPlugin(() => Promise.reject(own))]);
    expect(await rejectionOf(host.call('faulty.run'))).toBe(own);
    expect(await rejectionOf(host.call('faulty.run', undefined, { timeout: 5_000 }))).toBe(own);
  });

  it('returns what a synchronous handler returns', async () => {
    const host = await startedHost([faultyPlugin(() => ({ sum: 3 }))]);
    await expect(host.call('faulty.run')).resolves.toEqual({ sum: 3 });
    await expect(host.call('faulty.run', undefined, { timeout: 5_000 })).resolves.toEqual({ sum: 3 });
  });

  it('passes params to the handler as its first argument', async () => {
    const echo = definePlugin({
      name: 'echo',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.provide('echo.back', (params: { word: string }) => params.word.toUpperCase());
      },
    });
    const host = await startedHost([echo]);
    expect(await host.call('echo.back', { word: 'hi' })).toBe('HI');
  });
});

describe('capability names', () => {
  it('fails a call to an unknown capability with E_CAPABILITY_NOT_FOUND naming it', async () => {
    const host = await startedHost([faultyPlugin(() => 1)]);
    const error = await rejectionOf(host.call('nobody.here'));
    expect(error.code).toBe('E_CAPABILITY_NOT_FOUND');
    expect(error.details).toEqual({ capability: 'nobody.here' });
  });

  it('fails the setup of the second plugin providing a taken name, and keeps the first serving', async () => {
    const first = definePlugin({
      name: 'first',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.provide('shared.get', () => 'first');
      },
    });
    const second = definePlugin({
      name: 'second',
      version: '1.0.0',
      dependencies: ['first'],
      setup: (ctx) => {
        ctx.provide('shared.get', () => 'second');
      },
    });
    const host = await startedHost([second, first]);
    expect(pluginOutcome(host, 'second')).toEqual({
      state: 'failed',
      code: 'E_SETUP_FAILED',
      cause: 'E_CAPABILITY_DUPLICATE',
    });
    const cause = host.plugins().find((plugin) => plugin.name === 'second')?.error?.cause as TrellisError;
    expect(cause.details).toEqual({ capability: 'shared.get', owner: 'first', claimant: 'second' });
    expect(pluginOutcome(host, 'first').state).toBe('running');
    expect(await host.call('shared.get')).toBe('first');
  });

  it('fails a setup that provides the same name twice with E_CAPABILITY_DUPLICATE', async () => {
    const twice = definePlugin({
      name: 'twice',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.provide('twice.get', () => 1);
        ctx.provide('twice.get', () => 2);
      },
    });
    const host = await startedHost([twice]);
    expect(pluginOutcome(host, 'twice')).toEqual({
      state: 'failed',
      code: 'E_SETUP_FAILED',
      cause: 'E_CAPABILITY_DUPLICATE',
    });
  });

  it.each(['bad name', 'a..b', 'a.*', '.leading', 'trailing.', ''])(
    'fails the setup of a plugin providing the invalid name %j with cause E_INVALID_ARGUMENT',
    async (name) => {
      const invalid = definePlugin({
        name: 'invalid',
        version: '1.0.0',
        setup: (ctx) => {
          ctx.provide(name, () => 1);
        },
      });
      const host = await startedHost([invalid]);
      expect(pluginOutcome(host, 'invalid')).toEqual({
        state: 'failed',
        code: 'E_SETUP_FAILED',
        cause: 'E_INVALID_ARGUMENT',
      });
      expect(host.capabilities()).toEqual([]);
    },
  );

  it('fails the setup of a plugin providing a non-function handler or a bad timeout with E_INVALID_ARGUMENT', async () => {
    const noHandler = definePlugin({
      name: 'no-handler',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.provide('no-handler.x', 'not a function' as unknown as () => unknown);
      },
    });
    const badTimeout = definePlugin({
      name: 'bad-timeout',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.provide('bad-timeout.x', () => 1, { timeout: -1 });
      },
    });
    const host = await startedHost([noHandler, badTimeout]);
    expect(pluginOutcome(host, 'no-handler').cause).toBe('E_INVALID_ARGUMENT');
    expect(pluginOutcome(host, 'bad-timeout').cause).toBe('E_INVALID_ARGUMENT');
  });

  it('lists capabilities with their plugin, description, timeout and validation flags', async () => {
    const listed = definePlugin({
      name: 'listed',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.provide('listed.b', () => 1, { description: 'Second one', timeout: 250 });
        ctx.provide('listed.a', () => 1);
      },
    });
    const host = await startedHost([listed]);
    expect(host.capabilities()).toEqual([
      {
        name: 'listed.a',
        plugin: 'listed',
        description: undefined,
        timeout: undefined,
        validatesParams: false,
        validatesResult: false,
        middleware: [],
      },
      {
        name: 'listed.b',
        plugin: 'listed',
        description: 'Second one',
        timeout: 250,
        validatesParams: false,
        validatesResult: false,
        middleware: [],
      },
    ]);
  });
});
