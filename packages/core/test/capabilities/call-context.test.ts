import { describe, expect, it } from 'vitest';
import {
  type CallContext,
  type CallOptions,
  type CapabilityOptions,
  definePlugin,
  type Plugin,
} from '../../src/index.js';
import { never, startedHost } from '../support/pipeline-hosts.js';
import { rejectionOf } from '../support/thrown.js';

/** A plugin providing `<name>.op` that records every call's context and answers with `answer(call)`. */
function recordingPlugin(name: string, answer: (call: CallContext) => unknown, options?: CapabilityOptions) {
  const calls: CallContext[] = [];
  const plugin = definePlugin({
    name,
    version: '1.0.0',
    setup: (ctx) => {
      ctx.provide(
        `${name}.op`,
        (_params, call) => {
          calls.push(call);
          return answer(call);
        },
        options,
      );
    },
  });
  return { plugin, calls };
}

/** A plugin providing `probe.seen`, which answers with the call context it received. */
function probePlugin(options: { timeout?: number } = {}): Plugin {
  return definePlugin({
    name: 'probe',
    version: '1.0.0',
    setup: (ctx) => {
      ctx.provide('probe.seen', (_params: unknown, call: CallContext) => call, options);
    },
  });
}

describe('the call context a handler receives', () => {
  it('names the host as the caller of host.call, at depth 0, without deadline or metadata', async () => {
    const host = await startedHost([probePlugin()]);
    const call = await host.call<CallContext>('probe.seen', { id: 1 });
    expect(call.caller).toBe('host');
    expect(call.capability).toBe('probe.seen');
    expect(call.params).toEqual({ id: 1 });
    expect(call.depth).toBe(0);
    expect(call.deadline).toBeUndefined();
    expect(call.metadata).toEqual({});
  });

  it('names the calling plugin as the caller of ctx.call', async () => {
    const client = definePlugin({
      name: 'client',
      version: '1.0.0',
      permissions: { calls: ['probe.*'] },
      setup: (ctx) => {
        ctx.provide('client.run', () => ctx.call('probe.seen'));
      },
    });
    const host = await startedHost([probePlugin(), client]);
    const call = await host.call<CallContext>('client.run');
    expect(call.caller).toBe('client');
  });

  it('gives every top-level call its own request id', async () => {
    const host = await startedHost([probePlugin()]);
    const ids = new Set<string>();
    for (let index = 0; index < 20; index += 1)
      ids.add((await host.call<CallContext>('probe.seen')).requestId);
    expect(ids.size).toBe(20);
    for (const id of ids) expect(id).toMatch(/\S/);
  });

  it('shares the request id with nested calls made with { parent }, merges metadata over the parent and counts depth', async () => {
    const seen: CallContext[] = [];
    const chain = definePlugin({
      name: 'chain',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.provide('chain.outer', async (_params, call) => {
          seen.push(call);
          return ctx.call('chain.middle', undefined, {
            parent: call,
            metadata: { tenant: 'beta', hop: 'middle' },
          });
        });
        ctx.provide('chain.middle', async (_params, call) => {
          seen.push(call);
          return ctx.call('chain.inner', undefined, { parent: call });
        });
        ctx.provide('chain.inner', (_params, call) => {
          seen.push(call);
          return 'done';
        });
      },
    });
    const host = await startedHost([chain]);
    expect(await host.call('chain.outer', undefined, { metadata: { tenant: 'alpha', user: 'ada' } })).toBe(
      'done',
    );
    const [outer, middle, inner] = seen;
    expect(seen.map((call) => call.depth)).toEqual([0, 1, 2]);
    expect(seen.map((call) => call.caller)).toEqual(['host', 'chain', 'chain']);
    expect(middle?.requestId).toBe(outer?.requestId);
    expect(inner?.requestId).toBe(outer?.requestId);
    expect(outer?.metadata).toEqual({ tenant: 'alpha', user: 'ada' });
    expect(middle?.metadata).toEqual({ tenant: 'beta', user: 'ada', hop: 'middle' });
    expect(inner?.metadata).toEqual({ tenant: 'beta', user: 'ada', hop: 'middle' });
  });

  it('does not share the request id of a nested call made without { parent }', async () => {
    const seen: CallContext[] = [];
    const chain = definePlugin({
      name: 'chain',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.provide('chain.outer', async (_params, call) => {
          seen.push(call);
          return ctx.call('chain.inner');
        });
        ctx.provide('chain.inner', (_params, call) => {
          seen.push(call);
        });
      },
    });
    const host = await startedHost([chain]);
    await host.call('chain.outer');
    expect(seen[1]?.requestId).not.toBe(seen[0]?.requestId);
    expect(seen[1]?.depth).toBe(0);
  });
});

/**
 * A plugin whose `chain.outer` calls `chain.inner` once per entry of `nested` (with `{ parent: call }`
 * and that entry's options); both record their call contexts, outer first.
 */
function nestingPlugin(nested: ReadonlyArray<Omit<CallOptions, 'parent'>>) {
  const seen: CallContext[] = [];
  const plugin = definePlugin({
    name: 'chain',
    version: '1.0.0',
    setup: (ctx) => {
      ctx.provide('chain.outer', async (_params, call) => {
        seen.push(call);
        for (const options of nested) await ctx.call('chain.inner', undefined, { ...options, parent: call });
      });
      ctx.provide('chain.inner', (_params, call) => {
        seen.push(call);
      });
    },
  });
  return { plugin, seen };
}

describe('deadlines', () => {
  it.each([
    ["the capability's own timeout when the caller gives none", 5_000, undefined, 5_000],
    ["the caller's timeout when it is tighter than the capability's", 60_000, 4_000, 4_000],
    ["the capability's timeout when it is tighter than the caller's", 3_000, 60_000, 3_000],
  ])('uses %s', async (_case, capabilityTimeout, callerTimeout, expectedMs) => {
    const host = await startedHost([probePlugin({ timeout: capabilityTimeout })]);
    const before = Date.now();
    const options = callerTimeout === undefined ? undefined : { timeout: callerTimeout };
    const call = await host.call<CallContext>('probe.seen', undefined, options);
    const after = Date.now();
    expect(call.deadline).toBeGreaterThanOrEqual(before + expectedMs);
    expect(call.deadline).toBeLessThanOrEqual(after + expectedMs);
  });

  it("keeps the parent's deadline in a nested call when it is the tightest", async () => {
    const { plugin, seen } = nestingPlugin([{ timeout: 60_000 }, {}]);
    const host = await startedHost([plugin]);
    await host.call('chain.outer', undefined, { timeout: 5_000 });
    expect(seen).toHaveLength(3);
    expect(seen[0]?.deadline).toBeDefined();
    expect(seen[1]?.deadline).toBe(seen[0]?.deadline);
    expect(seen[2]?.deadline).toBe(seen[0]?.deadline);
  });

  it("tightens a nested call's deadline below the parent's when the nested timeout is shorter", async () => {
    const { plugin, seen } = nestingPlugin([{ timeout: 1_000 }]);
    const host = await startedHost([plugin]);
    await host.call('chain.outer', undefined, { timeout: 60_000 });
    const [outer, inner] = seen;
    expect(inner?.deadline).toBeLessThan(outer?.deadline ?? 0);
    expect((outer?.deadline ?? 0) - (inner?.deadline ?? 0)).toBeGreaterThan(50_000);
  });

  it('fails with E_TIMEOUT when the deadline passes, and aborts the handler signal with that error', async () => {
    let handlerSignal: AbortSignal | undefined;
    const slow = recordingPlugin('slow', (call) => {
      handlerSignal = call.signal;
      return never();
    });
    const host = await startedHost([slow.plugin]);
    const error = await rejectionOf(host.call('slow.op', undefined, { timeout: 20 }));
    expect(error.code).toBe('E_TIMEOUT');
    expect(error.details).toMatchObject({ capability: 'slow.op' });
    expect(handlerSignal?.aborted).toBe(true);
    expect(handlerSignal?.reason).toBe(error);
  });

  it("fails with E_TIMEOUT when the capability's own timeout passes", async () => {
    const slow = recordingPlugin('slow', () => never(), { timeout: 20 });
    const host = await startedHost([slow.plugin]);
    expect((await rejectionOf(host.call('slow.op'))).code).toBe('E_TIMEOUT');
  });

  it('aborts a signal the handler reads only after the timeout (the signal is created lazily)', async () => {
    const slow = recordingPlugin('slow', () => never());
    const host = await startedHost([slow.plugin]);
    const error = await rejectionOf(host.call('slow.op', undefined, { timeout: 20 }));
    const [seen] = slow.calls;
    expect(seen?.signal.aborted).toBe(true);
    expect(seen?.signal.reason).toBe(error);
  });

  it('leaves the handler signal alone when the call finishes in time', async () => {
    let handlerSignal: AbortSignal | undefined;
    const quick = recordingPlugin('quick', (call) => {
      handlerSignal = call.signal;
      return 'ok';
    });
    const host = await startedHost([quick.plugin]);
    expect(await host.call('quick.op', undefined, { timeout: 5_000 })).toBe('ok');
    expect(handlerSignal?.aborted).toBe(false);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects a call timeout of %s with E_INVALID_ARGUMENT',
    async (timeout) => {
      const quick = recordingPlugin('quick', () => 'ok');
      const host = await startedHost([quick.plugin]);
      expect((await rejectionOf(host.call('quick.op', undefined, { timeout }))).code).toBe(
        'E_INVALID_ARGUMENT',
      );
      expect(quick.calls).toEqual([]);
    },
  );
});

describe("the caller's abort signal", () => {
  it('fails the call with E_ABORTED when the caller aborts, and aborts the handler signal', async () => {
    let handlerSignal: AbortSignal | undefined;
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const slow = recordingPlugin('slow', (call) => {
      handlerSignal = call.signal;
      started();
      return never();
    });
    const host = await startedHost([slow.plugin]);
    const controller = new AbortController();
    const pending = rejectionOf(host.call('slow.op', undefined, { signal: controller.signal }));
    await running;
    controller.abort(new Error('user left'));
    const error = await pending;
    expect(error.code).toBe('E_ABORTED');
    expect(error.message).toContain('user left');
    expect(handlerSignal?.aborted).toBe(true);
  });

  it('fails with E_ABORTED without running the handler when the signal is already aborted', async () => {
    const quick = recordingPlugin('quick', () => 'ok');
    const host = await startedHost([quick.plugin]);
    const error = await rejectionOf(host.call('quick.op', undefined, { signal: AbortSignal.abort() }));
    expect(error.code).toBe('E_ABORTED');
    expect(quick.calls).toEqual([]);
  });
});

describe('call depth', () => {
  it('stops a capability that calls itself with { parent } at maxCallDepth with E_CALL_DEPTH', async () => {
    const depths: number[] = [];
    const loop = definePlugin({
      name: 'loop',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.provide('loop.again', (_params, call) => {
          depths.push(call.depth);
          return ctx.call('loop.again', undefined, { parent: call });
        });
      },
    });
    const host = await startedHost([loop], { maxCallDepth: 3 });
    const error = await rejectionOf(host.call('loop.again'));
    expect(error.code).toBe('E_CALL_DEPTH');
    expect(error.details).toEqual({ capability: 'loop.again', maxDepth: 3 });
    expect(depths).toEqual([0, 1, 2, 3]);
  });

  it('allows nesting up to the default limit of 64 and stops right after it', async () => {
    const depths: number[] = [];
    const loop = definePlugin({
      name: 'loop',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.provide('loop.again', (_params, call) => {
          depths.push(call.depth);
          return ctx.call('loop.again', undefined, { parent: call });
        });
      },
    });
    const host = await startedHost([loop]);
    expect((await rejectionOf(host.call('loop.again'))).code).toBe('E_CALL_DEPTH');
    expect(depths.at(-1)).toBe(64);
  });
});
