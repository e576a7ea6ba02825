import { describe, expect, it } from 'vitest';
import { type CallContext, definePlugin, type PluginContext } from '../../src/index.js';
import { never, startedHost } from '../support/pipeline-hosts.js';
import { rejectionOf } from '../support/thrown.js';

/** `billing` handles `charge` (replies with a receipt naming the sender) and `stall` (never replies). */
const billing = definePlugin({
  name: 'billing',
  version: '1.0.0',
  setup: (ctx) => {
    ctx.handle('charge', (payload: { amount: number }, call: CallContext) => ({
      receipt: `r-${payload.amount}`,
      from: call.caller,
    }));
    ctx.handle('stall', () => never());
  },
});

/** A host with `billing` and a plugin `shop` with `calls`, whose context the test drives. */
async function shopHost(calls: string[]) {
  let context: PluginContext | undefined;
  const shop = definePlugin({
    name: 'shop',
    version: '1.0.0',
    permissions: { calls },
    setup: (ctx) => {
      context = ctx;
    },
  });
  const host = await startedHost([billing, shop]);
  return { host, ctx: context! };
}

describe('request/reply messaging', () => {
  it('provides a handled message type as the capability <plugin>.<type>', async () => {
    const { host } = await shopHost([]);
    expect(host.capabilities().map((capability) => [capability.name, capability.plugin])).toEqual([
      ['billing.charge', 'billing'],
      ['billing.stall', 'billing'],
    ]);
    expect(await host.call('billing.charge', { amount: 5 })).toEqual({ receipt: 'r-5', from: 'host' });
  });

  it('resolves send() with the reply, the handler seeing the sender as caller', async () => {
    const { ctx } = await shopHost(['billing.*']);
    expect(await ctx.send('billing', 'charge', { amount: 12 })).toEqual({ receipt: 'r-12', from: 'shop' });
  });

  it('needs permission to call <plugin>.<type>', async () => {
    const { ctx } = await shopHost(['users.*']);
    const error = await rejectionOf(ctx.send('billing', 'charge', { amount: 1 }));
    expect(error.code).toBe('E_PERMISSION_DENIED');
    expect(error.details).toEqual({ plugin: 'shop', action: 'call', target: 'billing.charge' });
  });

  it('fails a message type nobody handles with E_CAPABILITY_NOT_FOUND', async () => {
    const { ctx } = await shopHost(['billing.*']);
    const error = await rejectionOf(ctx.send('billing', 'refund', {}));
    expect(error.code).toBe('E_CAPABILITY_NOT_FOUND');
    expect(error.details).toEqual({ capability: 'billing.refund' });
  });

  it('passes call options through: a reply that never comes times out', async () => {
    const { ctx } = await shopHost(['billing.*']);
    expect((await rejectionOf(ctx.send('billing', 'stall', undefined, { timeout: 20 }))).code).toBe(
      'E_TIMEOUT',
    );
  });

  it('lets a plugin send to itself without permission', async () => {
    let context: PluginContext | undefined;
    const echo = definePlugin({
      name: 'echo',
      version: '1.0.0',
      setup: (ctx) => {
        context = ctx;
        ctx.handle('say', (payload: string) => `echo: ${payload}`);
      },
    });
    await startedHost([echo]);
    expect(await context!.send('echo', 'say', 'hi')).toBe('echo: hi');
  });
});
