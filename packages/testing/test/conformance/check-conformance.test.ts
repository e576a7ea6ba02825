import { createServer, type Server } from 'node:net';
import {
  createHost,
  definePlugin,
  type EventHandler,
  type Plugin,
  type PluginContext,
  type PluginDefinition,
  TrellisError,
} from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type ConformanceReport,
  checkPluginConformance,
  describePluginConformance,
  FakeClock,
  type HostFactory,
  mock,
} from '../../src/index.js';
import { type User, users } from '../support/plugins.js';

const ada: User = { id: 1, name: 'Ada' };
const usersDependencies = [{ 'store.get': mock(ada) }];

function messagesOf(
  report: ConformanceReport,
  check: Parameters<ConformanceReport['findingsOf']>[0],
): string[] {
  return report.findingsOf(check).map((finding) => finding.message);
}

describe('checkPluginConformance', () => {
  it('passes a well-behaved plugin, with its setup time measured against its budget', async () => {
    const report = await checkPluginConformance(users, {
      dependencies: usersDependencies,
      config: { greeting: 'Hi' },
      exercise: async (testHost) => {
        await testHost.call('users.get', { id: 1 });
        await testHost.waitForEvent('task.completed', undefined, { timeout: 2 * 60 * 60 * 1000 });
      },
    });
    expect(report.toString()).toBe("Plugin 'users' passes every conformance check.");
    expect(report.passed).toBe(true);
    expect(report.setupBudgetMs).toBe(10);
    expect(report.setupMs).toBeTypeOf('number');
  });

  it('catches a plugin that leaks a timer, emits an undeclared event and throws a plain string', async () => {
    let leaked: NodeJS.Timeout | undefined;
    const broken = definePlugin({
      name: 'broken',
      version: '1.0.0',
      permissions: { emits: ['broken.ok'] },
      setup(ctx) {
        leaked = setInterval(() => undefined, 1_000);
        ctx.provide('broken.explode', () => {
          throw 'kaboom';
        });
        ctx.provide('broken.announce', async () => {
          await ctx.emit('secret.leaked', { all: true });
          return 'announced';
        });
      },
    });
    const report = await checkPluginConformance(broken);
    expect(report.passed).toBe(false);

    const leaks = report.findingsOf('leaks');
    expect(leaks.length).toBeGreaterThan(0);
    expect(leaks[0]?.message).toMatch(
      /^Plugin 'broken' fails the leaks check: a setInterval of 1000 ms it made at .*check-conformance\.test\.ts:\d+:\d+.* is still pending after it stopped\. Clear it in teardown/,
    );
    // The suite clears what it reports, so the broken plugin does not keep the test process busy.
    expect((leaked as unknown as { _destroyed: boolean })._destroyed).toBe(true);

    expect(messagesOf(report, 'permissions')).toEqual([
      "Plugin 'broken' fails the permissions check: it tried to emit 'secret.leaked', which its manifest does not allow (the kernel refused with E_PERMISSION_DENIED). Add 'secret.leaked' (or a pattern covering it) to permissions.emits in its manifest.",
    ]);
    expect(messagesOf(report, 'errors')).toEqual([
      expect.stringMatching(
        /^Plugin 'broken' fails the errors check: 'broken\.explode' threw the string "kaboom" instead of a TrellisError .*Throw new TrellisError\('E_YOUR_CODE'/,
      ),
    ]);
    for (const check of ['manifest', 'lifecycle', 'enable-disable', 'reload', 'budget', 'exercise'] as const)
      expect(report.findingsOf(check)).toEqual([]);
  });

  it('reports a setup that waits on the host clock past its budget, with the measured time', async () => {
    const clock = new FakeClock();
    const slow = definePlugin({ name: 'slow', version: '1.0.0', setup: () => clock.sleep(50) });
    const report = await checkPluginConformance(slow, { clock });
    const [finding] = report.findingsOf('budget');
    expect(finding?.message).toMatch(
      /^Plugin 'slow' fails the budget check: its fastest of 4 setups took 5\d\.\d ms, over its budget of 10 ms\. .*budgets\.setupMs/,
    );
    expect(report.setupMs).toBeGreaterThanOrEqual(50);
    expect(finding?.details.setupMs).toBe(report.setupMs);
    const declared = definePlugin({ ...slow.definition, budgets: { setupMs: 200 } } as PluginDefinition);
    const within = await checkPluginConformance(declared, { clock });
    expect(within.findingsOf('budget')).toEqual([]);
    expect(within.setupBudgetMs).toBe(200);
  });

  it('reports a server left listening, and a pool resource never released', async () => {
    let server: Server | undefined;
    let release: (() => void) | undefined;
    const leaky = definePlugin({
      name: 'leaky',
      version: '1.0.0',
      teardownTimeout: 1_000,
      async setup(ctx) {
        server = createServer();
        await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
        const pool = ctx.pool(() => ({ connection: true }), { name: 'db' });
        const resource = await pool.acquire();
        release = () => pool.release(resource);
      },
    });
    const report = await checkPluginConformance(leaky);
    try {
      expect(messagesOf(report, 'leaks')).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /TCPServerWrap handle\(s\) opened while it ran are still open after it stopped/,
          ),
          expect.stringMatching(/its pool 'db' still holds 1 resource\(s\) \(1 borrowed\) after it stopped/),
        ]),
      );
      expect(messagesOf(report, 'lifecycle').join('\n')).toContain('E_TEARDOWN_TIMEOUT');
    } finally {
      release?.();
      await new Promise((resolve) => server?.close(resolve));
    }
  });

  it('reports undeclared calls the plugin swallowed, and subscriptions outside what it may observe', async () => {
    const sneaky = definePlugin({
      name: 'sneaky',
      version: '1.0.0',
      setup(ctx) {
        ctx.provide('sneaky.peek', async () => {
          try {
            await ctx.call('payments.refund', { all: true });
          } catch {
            return 'nothing to see';
          }
          return 'refunded';
        });
      },
    });
    const calls = await checkPluginConformance(sneaky);
    expect(messagesOf(calls, 'permissions')).toEqual([
      expect.stringContaining("it tried to call 'payments.refund'"),
    ]);
    expect(calls.findingsOf('permissions')[0]?.message).toContain('permissions.calls');

    const nosy = definePlugin({
      name: 'nosy',
      version: '1.0.0',
      permissions: { observes: ['orders.*'] },
      setup(ctx) {
        ctx.on('payments.**', () => undefined);
      },
    });
    const observes = await checkPluginConformance(nosy);
    expect(messagesOf(observes, 'permissions')).toEqual([
      expect.stringContaining("it tried to observe 'payments.**'"),
    ]);
    expect(messagesOf(observes, 'lifecycle')[0]).toContain('E_SETUP_FAILED');
  });

  it('reports a plugin that provides its capabilities only once per process', async () => {
    let registered = false;
    const once = definePlugin({
      name: 'once',
      version: '1.0.0',
      setup(ctx) {
        if (registered) return;
        registered = true;
        ctx.provide('once.ping', () => 'pong');
      },
    });
    const report = await checkPluginConformance(once);
    expect(messagesOf(report, 'enable-disable').join('\n')).toContain(
      "'once.ping' does not answer after host.enable()",
    );
    expect(messagesOf(report, 'lifecycle').join('\n')).toContain('on a fresh host it provides []');
  });

  it('reports a service that changes shape across a reload, and a teardown that cannot run twice', async () => {
    // Setups on the first host: at boot, on enable, on reload.
    let setups = 0;
    const tornDown = new WeakSet<object>();
    const shifting = definePlugin({
      name: 'shifting',
      version: '1.0.0',
      setup(): { read(): number; write?(): number } {
        setups += 1;
        return setups < 3 ? { read: () => 1 } : { read: () => 1, write: () => 2 };
      },
      teardown(ctx) {
        if (tornDown.has(ctx)) throw new Error('already torn down');
        tornDown.add(ctx);
      },
    });
    const report = await checkPluginConformance(shifting);
    expect(messagesOf(report, 'reload')).toEqual([
      expect.stringContaining(
        'its service changed shape across the reload, from { read: function } to { read: function, write: function }',
      ),
    ]);
    expect(messagesOf(report, 'lifecycle')).toEqual([
      expect.stringContaining('its teardown threw when run a second time: Error: already torn down'),
    ]);
  });

  it('reports a capability that never answers, and a failing exercise', async () => {
    const silent = definePlugin({
      name: 'silent',
      version: '1.0.0',
      setup(ctx) {
        ctx.provide('silent.wait', () => new Promise(() => undefined));
      },
    });
    const report = await checkPluginConformance(silent, {
      exercise: () => {
        throw new TrellisError('E_EXPECTED', 'the scenario found a bug');
      },
    });
    expect(messagesOf(report, 'errors')).toEqual([
      expect.stringContaining("'silent.wait' never answered when called"),
    ]);
    expect(messagesOf(report, 'exercise')).toEqual([
      expect.stringContaining('its exercise failed: TrellisError: the scenario found a bug'),
    ]);
  });

  it('reports a manifest whose provides differs from what setup provides, and an invalid hand-made manifest', async () => {
    const mislabelled = definePlugin({
      name: 'mislabelled',
      version: '1.0.0',
      provides: ['mislabelled.a'],
      setup(ctx) {
        ctx.provide('mislabelled.b', () => 'b');
      },
    });
    const report = await checkPluginConformance(mislabelled);
    expect(messagesOf(report, 'manifest')).toEqual([
      expect.stringContaining('add mislabelled.b, remove mislabelled.a'),
    ]);
    const forged = {
      manifest: users.manifest,
      definition: { ...users.definition, version: 'v1.0.0' },
    } as unknown as Plugin;
    const invalid = await checkPluginConformance(forged, { dependencies: usersDependencies });
    expect(messagesOf(invalid, 'manifest')[0]).toContain("drop the leading 'v'");
  });

  it('generates params from schemas, uses given samples, and wakes lazy plugins', async () => {
    const seen: unknown[] = [];
    const lazy = definePlugin({
      name: 'lazy',
      version: '1.0.0',
      activation: 'lazy',
      provides: ['lazy.echo', 'lazy.add'],
      setup(ctx) {
        ctx.provide(
          'lazy.echo',
          (params: { word: string }) => {
            seen.push(params);
            return params.word;
          },
          { params: z.object({ word: z.string().min(3).max(5) }) },
        );
        ctx.provide('lazy.add', ({ a, b }: { a: number; b: number }) => a + b);
      },
    });
    const report = await checkPluginConformance(lazy, {
      samples: { 'lazy.add': [{ a: 1, b: 2 }] },
      seed: 42,
    });
    expect(report.toString()).toBe("Plugin 'lazy' passes every conformance check.");
    expect(seen.length).toBeGreaterThan(3);
    for (const params of seen) expect((params as { word: string }).word).toMatch(/^.{3,5}$/);
  });

  it('reports subscriptions that still deliver after the plugin stopped', async () => {
    // A host factory whose plugins subscribe through the host instead of their context: the host keeps
    // those subscriptions when the plugin stops, as a kernel that forgot to end them would.
    const leakyKernel: HostFactory = (options) => {
      const subscribeThroughHost = (ctx: PluginContext): PluginContext =>
        new Proxy(ctx, {
          get(target, key) {
            if (key === 'on') return (pattern: string, handler: EventHandler) => host.on(pattern, handler);
            const value: unknown = Reflect.get(target, key, target);
            return typeof value === 'function' && !Object.hasOwn(target, key) ? value.bind(target) : value;
          },
        });
      const plugins = (options.plugins ?? []).map((plugin) => ({
        manifest: plugin.manifest,
        definition: {
          ...plugin.definition,
          setup: (ctx: PluginContext) => plugin.definition.setup(subscribeThroughHost(ctx)),
        },
      }));
      const host = createHost({ ...options, plugins });
      return host;
    };
    const listener = definePlugin({
      name: 'listener',
      version: '1.0.0',
      setup(ctx) {
        ctx.on('orders.*', () => undefined);
      },
    });
    const report = await checkPluginConformance(listener, { createHost: leakyKernel });
    expect(messagesOf(report, 'leaks')).toEqual([
      "Plugin 'listener' fails the leaks check: its subscription to 'orders.*' still received events after it stopped. Subscribe through ctx.on only (the host ends those subscriptions), not through another plugin or host object.",
    ]);
    expect(await checkPluginConformance(listener)).toMatchObject({ passed: true });
  });

  it('refuses something that is not a plugin', async () => {
    await expect(checkPluginConformance({} as Plugin)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });
});

describePluginConformance(users, { dependencies: usersDependencies });
