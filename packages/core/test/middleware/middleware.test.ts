import { describe, expect, it } from 'vitest';
import { type CallContext, definePlugin, type Middleware, type Next, TrellisError } from '../../src/index.js';
import { silentHost, startedHost } from '../support/pipeline-hosts.js';
import { rejectionOf } from '../support/thrown.js';

/** A middleware named `name` that records when the call passes through it on the way in and out. */
function tracing(name: string, trace: string[]): Middleware {
  const middleware: Middleware = async (_call: CallContext, next: Next) => {
    trace.push(`in:${name}`);
    const result = await next();
    trace.push(`out:${name}`);
    return result;
  };
  Object.defineProperty(middleware, 'name', { value: name });
  return middleware;
}

/** A plugin `shop` providing `shop.buy`, with its own plugin and capability middleware. */
function shopPlugin(trace: string[], options: { dependencies?: string[] } = {}) {
  return definePlugin({
    name: 'shop',
    version: '1.0.0',
    dependencies: options.dependencies ?? [],
    setup: (ctx) => {
      ctx.use(tracing('shopPlugin', trace));
      ctx.provide(
        'shop.buy',
        () => {
          trace.push('handler');
          return 'bought';
        },
        { middleware: [tracing('buyCapability', trace)] },
      );
    },
  });
}

/** A plugin `auditor` contributing the host-wide middleware `audit`. */
function auditorPlugin(trace: string[]) {
  return definePlugin({
    name: 'auditor',
    version: '1.0.0',
    setup: (ctx) => {
      ctx.use(tracing('audit', trace), { scope: 'host' });
    },
  });
}

describe('the onion order of middleware', () => {
  it('runs host, plugin-contributed host, plugin and capability middleware around the handler, outermost first', async () => {
    const trace: string[] = [];
    const auditor = auditorPlugin(trace);
    const host = silentHost([shopPlugin(trace), auditor], { middleware: [tracing('fromOptions', trace)] });
    host.use(tracing('fromUse', trace));
    await host.start();
    expect(await host.call('shop.buy')).toBe('bought');
    expect(trace).toEqual([
      'in:fromOptions',
      'in:fromUse',
      'in:audit',
      'in:shopPlugin',
      'in:buyCapability',
      'handler',
      'out:buyCapability',
      'out:shopPlugin',
      'out:audit',
      'out:fromUse',
      'out:fromOptions',
    ]);
    expect(host.capabilities().find((capability) => capability.name === 'shop.buy')?.middleware).toEqual([
      'fromOptions',
      'fromUse',
      'audit',
      'shopPlugin',
      'buyCapability',
    ]);
  });

  it('keeps host middleware added after boot outside the middleware plugins contributed', async () => {
    const trace: string[] = [];
    const auditor = auditorPlugin(trace);
    const host = await startedHost([shopPlugin(trace), auditor]);
    host.use(tracing('late', trace));
    await host.call('shop.buy');
    expect(trace.slice(0, 3)).toEqual(['in:late', 'in:audit', 'in:shopPlugin']);
    expect(host.capabilities()[0]?.middleware).toEqual(['late', 'audit', 'shopPlugin', 'buyCapability']);
  });

  it('orders host middleware contributed by independent plugins by their order in the host, not by which setup finished first', async () => {
    const trace: string[] = [];
    let releaseSlow!: () => void;
    const slowGate = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    const slow = definePlugin({
      name: 'slow',
      version: '1.0.0',
      setup: async (ctx) => {
        await slowGate;
        ctx.use(tracing('slowMiddleware', trace), { scope: 'host' });
      },
    });
    const quick = definePlugin({
      name: 'quick',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.use(tracing('quickMiddleware', trace), { scope: 'host' });
        setImmediate(releaseSlow);
      },
    });
    const host = await startedHost([slow, quick, shopPlugin(trace)]);
    expect(host.capabilities()[0]?.middleware.slice(0, 2)).toEqual(['slowMiddleware', 'quickMiddleware']);
  });

  it('orders contributed host middleware by dependency order, even when the dependency contributes last', async () => {
    const trace: string[] = [];
    const base = definePlugin({
      name: 'base',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.provide('base.arm', () => {
          ctx.use(tracing('baseMiddleware', trace), { scope: 'host' });
        });
      },
    });
    const dependent = definePlugin({
      name: 'dependent',
      version: '1.0.0',
      dependencies: ['base'],
      setup: (ctx) => {
        ctx.use(tracing('dependentMiddleware', trace), { scope: 'host' });
      },
    });
    const host = await startedHost([dependent, shopPlugin(trace), base]);
    await host.call('base.arm');
    const chain = host.capabilities().find((capability) => capability.name === 'shop.buy')?.middleware;
    expect(chain).toEqual(['baseMiddleware', 'dependentMiddleware', 'shopPlugin', 'buyCapability']);
    trace.length = 0;
    await host.call('shop.buy');
    expect(trace.slice(0, 2)).toEqual(['in:baseMiddleware', 'in:dependentMiddleware']);
  });

  it("applies a plugin's own middleware to its capabilities only", async () => {
    const trace: string[] = [];
    const other = definePlugin({
      name: 'other',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.provide('other.ping', () => {
          trace.push('ping');
          return 'pong';
        });
      },
    });
    const host = await startedHost([shopPlugin(trace), other]);
    await host.call('other.ping');
    expect(trace).toEqual(['ping']);
    expect(host.capabilities().find((capability) => capability.name === 'other.ping')?.middleware).toEqual(
      [],
    );
  });

  it('names middleware by options.name, then by function name, then after its owner', async () => {
    const named = definePlugin({
      name: 'named',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.use((_call, next) => next(), { name: 'explicit' });
        ctx.use(function declared(_call, next) {
          return next();
        });
        ctx.use([(_call: CallContext, next: Next) => next()][0]!);
        ctx.provide('named.x', () => 1);
      },
    });
    const host = await startedHost([named]);
    expect(host.capabilities()[0]?.middleware).toEqual(['explicit', 'declared', 'named:anonymous']);
  });

  it('refuses middleware that is not a function with E_INVALID_ARGUMENT', async () => {
    const host = silentHost([]);
    expect(() => host.use('nope' as unknown as Middleware)).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
  });
});

describe('before, after and on-error', () => {
  /** A host whose `calc.run` handler behaves as `handler`, wrapped by the host middleware `middleware`. */
  async function hostWith(middleware: Middleware, handler: (params: unknown) => unknown) {
    const calc = definePlugin({
      name: 'calc',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.provide('calc.run', handler);
      },
    });
    return startedHost([calc], { middleware: [middleware] });
  }

  it('sees the result after next() and may replace it', async () => {
    const seen: unknown[] = [];
    const host = await hostWith(
      async (_call, next) => {
        const result = await next();
        seen.push(result);
        return { wrapped: result };
      },
      () => 41,
    );
    expect(await host.call('calc.run')).toEqual({ wrapped: 41 });
    expect(seen).toEqual([41]);
  });

  it('sees failures around next() and may recover from them', async () => {
    const seen: unknown[] = [];
    const host = await hostWith(
      async (_call, next) => {
        try {
          return await next();
        } catch (error) {
          seen.push(error);
          return 'fallback';
        }
      },
      () => {
        throw new Error('boom');
      },
    );
    expect(await host.call('calc.run')).toBe('fallback');
    expect(seen).toHaveLength(1);
    expect((seen[0] as Error).message).toBe('boom');
  });

  it('may turn a failure into its own TrellisError, which reaches the caller unchanged', async () => {
    const own = new TrellisError('E_UPSTREAM', 'Upstream failed.');
    const host = await hostWith(
      async (_call, next) => {
        try {
          return await next();
        } catch {
          throw own;
        }
      },
      () => {
        throw new Error('boom');
      },
    );
    expect(await rejectionOf(host.call('calc.run'))).toBe(own);
  });

  it('wraps a plain Error thrown by middleware into E_CAPABILITY_FAILED', async () => {
    let ran = false;
    const host = await hostWith(
      () => {
        throw new Error('middleware broke');
      },
      () => {
        ran = true;
      },
    );
    const error = await rejectionOf(host.call('calc.run'));
    expect(error.code).toBe('E_CAPABILITY_FAILED');
    expect((error.cause as Error).message).toBe('middleware broke');
    expect(ran).toBe(false);
  });

  it('may short-circuit without calling next()', async () => {
    let ran = false;
    const host = await hostWith(
      () => 'cached',
      () => {
        ran = true;
      },
    );
    expect(await host.call('calc.run')).toBe('cached');
    expect(ran).toBe(false);
  });

  it('may rewrite call.params before next()', async () => {
    const received: unknown[] = [];
    const host = await hostWith(
      (call, next) => {
        call.params = { ...(call.params as object), injected: true };
        return next();
      },
      (params) => {
        received.push(params);
        return params;
      },
    );
    expect(await host.call('calc.run', { id: 1 })).toEqual({ id: 1, injected: true });
    expect(received).toEqual([{ id: 1, injected: true }]);
  });

  it('may call next() again to retry', async () => {
    let attempts = 0;
    const host = await hostWith(
      async (_call, next) => {
        try {
          return await next();
        } catch {
          return next();
        }
      },
      () => {
        attempts += 1;
        if (attempts === 1) throw new Error('flaky');
        return `attempt ${attempts}`;
      },
    );
    expect(await host.call('calc.run')).toBe('attempt 2');
    expect(attempts).toBe(2);
  });

  it('sees the call context: caller, capability and metadata', async () => {
    const seen: Array<{ caller: string; capability: string; metadata: unknown }> = [];
    const host = await hostWith(
      (call, next) => {
        seen.push({ caller: call.caller, capability: call.capability, metadata: call.metadata });
        return next();
      },
      () => 1,
    );
    await host.call('calc.run', undefined, { metadata: { traceId: 't-1' } });
    expect(seen).toEqual([{ caller: 'host', capability: 'calc.run', metadata: { traceId: 't-1' } }]);
  });

  it('runs inside validation: middleware sees validated params', async () => {
    const seen: unknown[] = [];
    const calc = definePlugin({
      name: 'calc',
      version: '1.0.0',
      setup: (ctx) => {
        const schema = {
          '~standard': {
            version: 1 as const,
            vendor: 'test',
            validate: (value: unknown) =>
              typeof value === 'number'
                ? { value: value * 2 }
                : { issues: [{ message: 'expected a number' }] },
          },
        };
        ctx.provide('calc.run', (params: number) => params, { params: schema });
      },
    });
    const host = await startedHost([calc], {
      middleware: [
        (call, next) => {
          seen.push(call.params);
          return next();
        },
      ],
    });
    expect(await host.call('calc.run', 4)).toBe(8);
    expect(seen).toEqual([8]);
    expect((await rejectionOf(host.call('calc.run', 'x'))).code).toBe('E_VALIDATION');
    expect(seen).toEqual([8]);
  });
});

describe('middleware that changes at runtime', () => {
  it('applies host middleware added after capabilities exist', async () => {
    const trace: string[] = [];
    const host = await startedHost([shopPlugin(trace)]);
    await host.call('shop.buy');
    expect(trace).not.toContain('in:late');
    trace.length = 0;
    host.use(tracing('late', trace));
    await host.call('shop.buy');
    expect(trace[0]).toBe('in:late');
    expect(trace.at(-1)).toBe('out:late');
  });

  it('applies plugin middleware added after its capabilities exist', async () => {
    const trace: string[] = [];
    const shop = definePlugin({
      name: 'shop',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.provide('shop.buy', () => 'bought');
        ctx.provide('shop.arm', () => {
          ctx.use(tracing('armed', trace));
        });
      },
    });
    const host = await startedHost([shop]);
    await host.call('shop.arm');
    await host.call('shop.buy');
    expect(trace).toEqual(['in:armed', 'out:armed']);
  });

  it('removes the middleware a plugin contributed when the plugin is disabled', async () => {
    const trace: string[] = [];
    const auditor = auditorPlugin(trace);
    const host = await startedHost([shopPlugin(trace), auditor]);
    await host.call('shop.buy');
    expect(trace).toContain('in:audit');
    await host.disable('auditor');
    trace.length = 0;
    expect(await host.call('shop.buy')).toBe('bought');
    expect(trace).not.toContain('in:audit');
    expect(host.capabilities()[0]?.middleware).toEqual(['shopPlugin', 'buyCapability']);
  });

  it('brings contributed middleware back when the plugin is enabled again', async () => {
    const trace: string[] = [];
    const auditor = auditorPlugin(trace);
    const host = await startedHost([shopPlugin(trace), auditor]);
    await host.disable('auditor');
    await host.enable('auditor');
    expect(host.capabilities()[0]?.middleware).toEqual(['audit', 'shopPlugin', 'buyCapability']);
  });
});
