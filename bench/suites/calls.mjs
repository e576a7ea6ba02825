/**
 * calls: throughput of a local request/response call, awaited one after another.
 *
 * Every contestant runs the same async handler (returns `{ id, ok }` from `{ id }` params) through the
 * same loop (`measureThroughput`), each in its own process with only its own library loaded, with logging
 * off. Handlers are `async` everywhere, although trellis also accepts a synchronous one, so trellis is
 * not flattered by skipping a promise. Results are checked after measuring, so a contestant that returns
 * the wrong thing fails instead of looking fast.
 */
import { echo, measureCalls, moleculerEchoBroker, PARAMS, trellisEchoHost } from '../lib/echo.mjs';
import { comparison, figure, formatOps } from '../lib/format.mjs';
import { runIfMain } from '../lib/suite.mjs';

export const suite = {
  name: 'calls',
  title: 'Local calls',
  description:
    'Sequential awaited calls of a capability/action returning a small object; median of 7 rounds after a 200k-call warm-up.',
  metrics: ['opsPerSecond'],
  contestants: {
    plain: () => measureCalls(() => echo(PARAMS)),
    'trellis-default': async () => {
      const host = await trellisEchoHost(undefined);
      return measureCalls(() => host.call('bench.echo', PARAMS));
    },
    'trellis-schema': async () => {
      const { z } = await import('zod');
      const host = await trellisEchoHost({ params: z.object({ id: z.number() }) });
      return measureCalls(() => host.call('bench.echo', PARAMS));
    },
    'moleculer-default': async () => {
      const broker = await moleculerEchoBroker({});
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
