/**
 * The capability every call benchmark measures, shared so that suites compare like with like: an async
 * handler answering `{ id, ok }` to `{ id }`, and a check after measuring so that a contestant returning
 * the wrong thing fails instead of looking fast.
 */
import { measureThroughput } from './measure.mjs';

export const PARAMS = { id: 1 };

export async function echo(params) {
  return { id: params.id, ok: true };
}

/** Measures `call` and checks it still answers correctly afterwards. */
export async function measureCalls(call) {
  const result = await measureThroughput(call);
  const answer = await call();
  if (answer?.id !== PARAMS.id || answer.ok !== true)
    throw new Error(`unexpected answer ${JSON.stringify(answer)}`);
  return result;
}

/** A started host whose one plugin provides `bench.echo` with `capabilityOptions`; logging off. */
export async function trellisEchoHost(capabilityOptions) {
  const { createHost, definePlugin } = await import('../../packages/core/dist/index.js');
  const plugin = definePlugin({
    name: 'bench',
    version: '1.0.0',
    setup(ctx) {
      ctx.provide('bench.echo', echo, capabilityOptions);
    },
  });
  const host = createHost({ plugins: [plugin], logger: { level: 'silent' } });
  const report = await host.start();
  if (report.failed.length > 0) throw report.failed[0].error;
  return host;
}

/** A started moleculer broker with a `bench.echo` action; `actionOptions` go on the action. */
export async function moleculerEchoBroker(brokerOptions, actionOptions = {}) {
  const { default: moleculer } = await import('moleculer');
  const broker = new moleculer.ServiceBroker({ logger: false, ...brokerOptions });
  broker.createService({
    name: 'bench',
    actions: { echo: { ...actionOptions, handler: (ctx) => echo(ctx.params) } },
  });
  await broker.start();
  return broker;
}
