/**
 * calls: throughput of a local request/response call, awaited one after another.
 *
 * Every contestant runs the same async handler (returns `{ id, ok }` from `{ id }` params) through the
 * same loop (`measureThroughput`), each in its own process with only its own library loaded, with logging
 * off. Handlers are `async` everywhere, although trellis also accepts a synchronous one, so trellis is
 * not flattered by skipping a promise. Results are checked after measuring, so a contestant that returns
 * the wrong thing fails instead of looking fast.
 */
import { comparison, figure, formatOps } from '../lib/format.mjs';
import { measureThroughput } from '../lib/measure.mjs';
import { runIfMain } from '../lib/suite.mjs';

const PARAMS = { id: 1 };

async function echo(params) {
  return { id: params.id, ok: true };
}

/** Measures `call` and checks it still answers correctly afterwards. */
async function measureCalls(call) {
  const result = await measureThroughput(call);
  const answer = await call();
  if (answer?.id !== PARAMS.id || answer.ok !== true)
    throw new Error(`unexpected answer ${JSON.stringify(answer)}`);
  return result;
}

async function trellisHost(capabilityOptions) {
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

async function moleculerBroker(options) {
  const { default: moleculer } = await import('moleculer');
  const broker = new moleculer.ServiceBroker({ logger: false, ...options });
  broker.createService({ name: 'bench', actions: { echo: { handler: (ctx) => echo(ctx.params) } } });
  await broker.start();
  return broker;
}

export const suite = {
  name: 'calls',
  title: 'Local calls',
  description:
    'Sequential awaited calls of a capability/action returning a small object; median of 7 rounds after a 200k-call warm-up.',
  metrics: ['opsPerSecond'],
  contestants: {
    plain: () => measureCalls(() => echo(PARAMS)),
    'trellis-default': async () => {
      const host = await trellisHost(undefined);
      return measureCalls(() => host.call('bench.echo', PARAMS));
    },
    'trellis-schema': async () => {
      const { z } = await import('zod');
      const host = await trellisHost({ params: z.object({ id: z.number() }) });
      return measureCalls(() => host.call('bench.echo', PARAMS));
    },
    'moleculer-default': async () => {
      const broker = await moleculerBroker({});
      return measureCalls(() => broker.call('bench.echo', PARAMS));
    },
  },
  summarize(results) {
    const ops = (contestant) => figure(results, contestant, 'opsPerSecond');
    return {
      rows: [
        comparison({
          benchmark: '`host.call` vs moleculer `broker.call` (default options)',
          trellis: ops('trellis-default'),
          peer: ops('moleculer-default'),
          format: formatOps,
          budget: '≥ 2x',
          check: ({ ratio }) => ratio >= 2,
        }),
        comparison({
          benchmark: '`host.call` vs plain `await fn()` (the ceiling)',
          trellis: ops('trellis-default'),
          peer: ops('plain'),
          format: formatOps,
          budget: '≥ 0.33x',
          check: ({ ratio }) => ratio >= 1 / 3,
        }),
        comparison({
          benchmark: '`host.call` with a zod params schema vs without; what validation costs, informative',
          trellis: ops('trellis-schema'),
          peer: ops('trellis-default'),
          format: formatOps,
        }),
      ],
      figures: [
        ['plain `await fn()`', formatOps(ops('plain'))],
        ['trellis `host.call`, default pipeline', formatOps(ops('trellis-default'))],
        ['trellis `host.call`, zod params schema', formatOps(ops('trellis-schema'))],
        ['moleculer `broker.call`, default options', formatOps(ops('moleculer-default'))],
      ],
    };
  },
};

await runIfMain(import.meta.url, suite);
