/**
 * memory: resident set size of a process holding a started host with 100 plugins, against a moleculer
 * broker with 100 services and an empty node process.
 *
 * Each trellis plugin provides one capability and subscribes to one event; each moleculer service has
 * one action and one event handler, so both hold the same amount of user code. Each contestant runs in
 * its own process (started with `--expose-gc`) that loads only its own library, then measures after a
 * full collection, a settle period and a second collection.
 */
import { comparison, figure, formatMb } from '../lib/format.mjs';
import { settledMemory } from '../lib/measure.mjs';
import { runIfMain } from '../lib/suite.mjs';

const UNITS = 100;
const BUDGET_MB = 80;

async function trellis() {
  const { createHost, definePlugin } = await import('../../packages/core/dist/index.js');
  const plugins = [];
  for (let index = 0; index < UNITS; index++) {
    plugins.push(
      definePlugin({
        name: `plugin-${index}`,
        version: '1.0.0',
        setup(ctx) {
          let seen = 0;
          ctx.provide(`plugin-${index}.echo`, async (params) => ({ id: params.id, seen }));
          ctx.on('bench.event', () => {
            seen++;
          });
        },
      }),
    );
  }
  const host = createHost({ plugins, logger: { level: 'silent' } });
  const report = await host.start();
  if (report.running.length !== UNITS)
    throw report.failed[0]?.error ?? new Error('not every plugin is running');
  const memory = await settledMemory();
  // Keeps the host reachable (and used) until after the measurement.
  await host.emit('bench.event', {});
  await host.call('plugin-0.echo', { id: 1 });
  return memory;
}

async function moleculer() {
  const { default: moleculerModule } = await import('moleculer');
  const broker = new moleculerModule.ServiceBroker({ logger: false });
  for (let index = 0; index < UNITS; index++) {
    let seen = 0;
    broker.createService({
      name: `service-${index}`,
      actions: { echo: async (ctx) => ({ id: ctx.params.id, seen }) },
      events: {
        'bench.event'() {
          seen++;
        },
      },
    });
  }
  await broker.start();
  const memory = await settledMemory();
  broker.emit('bench.event', {});
  await broker.call('service-0.echo', { id: 1 });
  return memory;
}

export const suite = {
  name: 'memory',
  title: 'Memory',
  description: `RSS after start and a settled full GC, ${UNITS} plugins or services, each in its own process (lower is better).`,
  metrics: ['rssMb', 'heapUsedMb'],
  contestants: {
    baseline: () => settledMemory(),
    trellis,
    moleculer,
  },
  summarize(results) {
    const rss = (contestant) => figure(results, contestant, 'rssMb');
    const heap = (contestant) => figure(results, contestant, 'heapUsedMb');
    const baseline = rss('baseline');
    const overBaseline = (value) =>
      value === undefined || baseline === undefined ? 'failed' : `+${formatMb(value - baseline)}`;
    return {
      rows: [
        comparison({
          benchmark: `host with ${UNITS} plugins vs moleculer broker with ${UNITS} services, RSS`,
          trellis: rss('trellis'),
          peer: rss('moleculer'),
          format: formatMb,
          budget: '≤ 1x',
          check: ({ ratio }) => ratio <= 1,
        }),
        comparison({
          benchmark: `host with ${UNITS} plugins, RSS`,
          trellis: rss('trellis'),
          peer: null,
          format: formatMb,
          budget: `< ${BUDGET_MB} MB`,
          check: ({ trellis: value }) => value < BUDGET_MB,
        }),
      ],
      figures: [
        ['empty node process (RSS / heap used)', `${formatMb(baseline)} / ${formatMb(heap('baseline'))}`],
        [
          `trellis, ${UNITS} plugins (RSS / heap used / RSS over baseline)`,
          `${formatMb(rss('trellis'))} / ${formatMb(heap('trellis'))} / ${overBaseline(rss('trellis'))}`,
        ],
        [
          `moleculer, ${UNITS} services (RSS / heap used / RSS over baseline)`,
          `${formatMb(rss('moleculer'))} / ${formatMb(heap('moleculer'))} / ${overBaseline(rss('moleculer'))}`,
        ],
      ],
    };
  },
};

await runIfMain(import.meta.url, suite);
