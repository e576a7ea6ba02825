/**
 * boot: wall time from nothing to "every plugin started".
 *
 * (a) 5 independent plugins whose async setup waits 50 ms: trellis starts independent plugins together,
 *     avvio loads plugins one after another by design, so this shows what a dependency-aware boot buys.
 * (b) 1000 trivial plugins with synchronous setup: trellis resolves a seeded random dependency graph
 *     (each plugin depends on up to 3 earlier ones, so it is acyclic) while avvio loads 1000 plugins flat,
 *     without any graph, each plugin in avvio's cheapest (callback) form; trellis must not pay for its
 *     graph.
 *
 * Boot is timed from creating the host (`createHost`, `avvio()`) until ready, with a fresh host or avvio
 * instance each time; the plugins are made beforehand, untimed, for both: defining a plugin happens when
 * its module is imported, as writing avvio's plugin function does. Because `definePlugin` validates the
 * manifest (avvio's plain functions cost nothing to define), an informative row also times trellis from
 * `definePlugin` to ready. The median of 7 runs after one discarded run is reported, and the first (cold)
 * run is kept as an informative figure.
 */
import { comparison, figure, formatMs } from '../lib/format.mjs';
import { measureDuration, seededRandom, sleep } from '../lib/measure.mjs';
import { runIfMain } from '../lib/suite.mjs';

const SLOW_PLUGINS = 5;
const SLOW_SETUP_MS = 50;
const GRAPH_PLUGINS = 1000;
const GRAPH_SEED = 20_240_601;

/** For each plugin index, the indexes of up to 3 distinct earlier plugins it depends on. */
function randomDependencies() {
  const random = seededRandom(GRAPH_SEED);
  const graph = [];
  for (let index = 0; index < GRAPH_PLUGINS; index++) {
    const wanted = Math.min(index, Math.floor(random() * 4));
    const dependencies = new Set();
    while (dependencies.size < wanted) dependencies.add(Math.floor(random() * index));
    graph.push([...dependencies]);
  }
  return graph;
}

async function startTrellis(createHost, plugins) {
  const host = createHost({ plugins, logger: { level: 'silent' } });
  const report = await host.start();
  if (report.running.length !== plugins.length) {
    throw (
      report.failed[0]?.error ?? new Error(`${report.running.length} of ${plugins.length} plugins running`)
    );
  }
  return host;
}

async function trellisSlow() {
  const { createHost, definePlugin } = await import('../../packages/core/dist/index.js');
  const makePlugins = () =>
    Array.from({ length: SLOW_PLUGINS }, (_, index) =>
      definePlugin({
        name: `slow-${index}`,
        version: '1.0.0',
        async setup() {
          await sleep(SLOW_SETUP_MS);
        },
      }),
    );
  return measureDuration((plugins) => startTrellis(createHost, plugins), {
    prepare: makePlugins,
    cleanup: (host) => host.stop(),
  });
}

/** Defines the 1000 plugins of the random graph. */
function graphPlugins(definePlugin, graph) {
  return graph.map((dependencies, index) =>
    definePlugin({
      name: `plugin-${index}`,
      version: '1.0.0',
      dependencies: dependencies.map((dependency) => `plugin-${dependency}`),
      setup() {},
    }),
  );
}

async function trellisGraph() {
  const { createHost, definePlugin } = await import('../../packages/core/dist/index.js');
  const graph = randomDependencies();
  return measureDuration((plugins) => startTrellis(createHost, plugins), {
    prepare: () => graphPlugins(definePlugin, graph),
    cleanup: (host) => host.stop(),
  });
}

async function trellisGraphWithDefinitions() {
  const { createHost, definePlugin } = await import('../../packages/core/dist/index.js');
  const graph = randomDependencies();
  return measureDuration(() => startTrellis(createHost, graphPlugins(definePlugin, graph)), {
    cleanup: (host) => host.stop(),
  });
}

/** Boots avvio with `count` plugins made by `makePlugin(onLoaded)`, checking every one of them loaded. */
async function avvioBoot(count, makePlugin) {
  const { default: avvio } = await import('avvio');
  let loaded = 0;
  const onLoaded = () => {
    loaded++;
  };
  return measureDuration(
    async (plugins) => {
      loaded = 0;
      const app = avvio();
      for (const plugin of plugins) app.use(plugin);
      await app.ready();
      if (loaded !== count) throw new Error(`${loaded} of ${count} avvio plugins loaded`);
    },
    { prepare: () => Array.from({ length: count }, () => makePlugin(onLoaded)) },
  );
}

/** An avvio plugin doing what a slow trellis setup does: wait, asynchronously. */
function slowAvvioPlugin(onLoaded) {
  return async () => {
    await sleep(SLOW_SETUP_MS);
    onLoaded();
  };
}

/** A trivial avvio plugin in avvio's cheapest form (callback style, no promise), like a sync setup. */
function trivialAvvioPlugin(onLoaded) {
  return (_instance, _options, done) => {
    onLoaded();
    done();
  };
}

export const suite = {
  name: 'boot',
  title: 'Boot',
  description:
    'Wall time from creating the host to ready, plugins defined beforehand (lower is better); median of 7 fresh boots after one discarded boot.',
  metrics: ['ms', 'firstMs'],
  contestants: {
    'trellis-slow': trellisSlow,
    'avvio-slow': () => avvioBoot(SLOW_PLUGINS, slowAvvioPlugin),
    'trellis-graph': trellisGraph,
    'trellis-graph-defined': trellisGraphWithDefinitions,
    'avvio-flat': () => avvioBoot(GRAPH_PLUGINS, trivialAvvioPlugin),
  },
  summarize(results) {
    const ms = (contestant) => figure(results, contestant, 'ms');
    const firstMs = (contestant) => figure(results, contestant, 'firstMs');
    return {
      rows: [
        comparison({
          benchmark: `${SLOW_PLUGINS} independent plugins, ${SLOW_SETUP_MS} ms async setup each, vs avvio`,
          trellis: ms('trellis-slow'),
          peer: ms('avvio-slow'),
          format: formatMs,
          budget: '≤ 55 ms',
          check: ({ trellis }) => trellis <= 55,
        }),
        comparison({
          benchmark: `${GRAPH_PLUGINS} trivial plugins, random dependency graph, vs avvio ${GRAPH_PLUGINS} flat`,
          trellis: ms('trellis-graph'),
          peer: ms('avvio-flat'),
          format: formatMs,
          budget: '≤ 1x',
          check: ({ ratio }) => ratio <= 1,
        }),
        comparison({
          benchmark: `host overhead per plugin (the ${GRAPH_PLUGINS}-plugin boot divided by ${GRAPH_PLUGINS})`,
          trellis: ms('trellis-graph') === undefined ? undefined : ms('trellis-graph') / GRAPH_PLUGINS,
          peer: null,
          format: formatMs,
          budget: '< 1 ms',
          check: ({ trellis }) => trellis < 1,
        }),
        comparison({
          benchmark: `the same, trellis timed from \`definePlugin\` (manifest validation) to ready; informative`,
          trellis: ms('trellis-graph-defined'),
          peer: ms('avvio-flat'),
          format: formatMs,
        }),
      ],
      figures: [
        [
          `trellis, ${SLOW_PLUGINS} × ${SLOW_SETUP_MS} ms (median / first run)`,
          `${formatMs(ms('trellis-slow'))} / ${formatMs(firstMs('trellis-slow'))}`,
        ],
        [
          `avvio, ${SLOW_PLUGINS} × ${SLOW_SETUP_MS} ms (median / first run)`,
          `${formatMs(ms('avvio-slow'))} / ${formatMs(firstMs('avvio-slow'))}`,
        ],
        [
          `trellis, ${GRAPH_PLUGINS} plugins in a graph (median / first run)`,
          `${formatMs(ms('trellis-graph'))} / ${formatMs(firstMs('trellis-graph'))}`,
        ],
        [
          `trellis, ${GRAPH_PLUGINS} plugins in a graph, from definePlugin (median / first run)`,
          `${formatMs(ms('trellis-graph-defined'))} / ${formatMs(firstMs('trellis-graph-defined'))}`,
        ],
        [
          `avvio, ${GRAPH_PLUGINS} plugins flat (median / first run)`,
          `${formatMs(ms('avvio-flat'))} / ${formatMs(firstMs('avvio-flat'))}`,
        ],
      ],
    };
  },
};

await runIfMain(import.meta.url, suite);
