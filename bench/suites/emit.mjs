/**
 * emit: throughput of publishing an event to 1 and to 10 subscribers, each publish awaited.
 *
 * Subscribers do the same trivial work everywhere (add a payload field to a counter), and every publish
 * goes through the same awaited loop, node's synchronous `EventEmitter.emit` included (so its figure
 * carries one microtask turn, as it would for a caller that awaits whatever it emits). Each contestant
 * runs in its own process. After measuring, the counter is checked against the number of publishes
 * times subscribers, so an emitter that skips deliveries fails instead of looking fast.
 */
import { comparison, figure, formatOps } from '../lib/format.mjs';
import { measureThroughput } from '../lib/measure.mjs';
import { runIfMain } from '../lib/suite.mjs';

const TOPIC = 'bench.topic';
const PAYLOAD = { id: 1, value: 1 };

/**
 * Measures `publish` with `subscribe` called `subscribers` times beforehand, checking every subscriber
 * got every event. Emittery and trellis may deliver after the publish resolves, hence the short wait.
 */
async function measureEmits(subscribers, subscribe, publish) {
  let received = 0;
  for (let index = 0; index < subscribers; index++) {
    subscribe((payload) => {
      received += payload.value;
    });
  }
  let published = 0;
  const result = await measureThroughput(() => {
    published++;
    return publish();
  });
  await new Promise((resolve) => setImmediate(resolve));
  if (received !== published * subscribers) {
    throw new Error(`subscribers received ${received} events, expected ${published * subscribers}`);
  }
  return result;
}

async function trellis(subscribers) {
  const { createHost } = await import('../../packages/core/dist/index.js');
  const host = createHost({ logger: { level: 'silent' } });
  await host.start();
  return measureEmits(
    subscribers,
    (handler) => host.on(TOPIC, handler),
    () => host.emit(TOPIC, PAYLOAD),
  );
}

async function eventEmitter(subscribers) {
  const { EventEmitter } = await import('node:events');
  const emitter = new EventEmitter();
  emitter.setMaxListeners(subscribers + 1);
  return measureEmits(
    subscribers,
    (handler) => emitter.on(TOPIC, handler),
    () => emitter.emit(TOPIC, PAYLOAD),
  );
}

async function emittery(subscribers) {
  const { default: Emittery } = await import('emittery');
  const emitter = new Emittery();
  return measureEmits(
    subscribers,
    (handler) => emitter.on(TOPIC, handler),
    () => emitter.emit(TOPIC, PAYLOAD),
  );
}

export const suite = {
  name: 'emit',
  title: 'Events',
  description: 'Awaited publishes of a small payload; median of 7 rounds after a 200k-publish warm-up.',
  metrics: ['opsPerSecond'],
  contestants: {
    'trellis-1': () => trellis(1),
    'trellis-10': () => trellis(10),
    'emittery-1': () => emittery(1),
    'emittery-10': () => emittery(10),
    'eventemitter-1': () => eventEmitter(1),
    'eventemitter-10': () => eventEmitter(10),
  },
  summarize(results) {
    const ops = (contestant) => figure(results, contestant, 'opsPerSecond');
    const rows = [];
    for (const subscribers of [1, 10]) {
      const label = subscribers === 1 ? '1 subscriber' : `${subscribers} subscribers`;
      rows.push(
        comparison({
          benchmark: `\`host.emit\` vs emittery \`emit\`, ${label}`,
          trellis: ops(`trellis-${subscribers}`),
          peer: ops(`emittery-${subscribers}`),
          format: formatOps,
          budget: '≥ 10x',
          check: ({ ratio }) => ratio >= 10,
        }),
        comparison({
          benchmark: `\`host.emit\` vs node \`EventEmitter.emit\`, ${label}; informative`,
          trellis: ops(`trellis-${subscribers}`),
          peer: ops(`eventemitter-${subscribers}`),
          format: formatOps,
        }),
      );
    }
    const figures = [];
    for (const [name, contestant] of [
      ['trellis `host.emit`', 'trellis'],
      ['emittery `emit`', 'emittery'],
      ['node `EventEmitter.emit`', 'eventemitter'],
    ]) {
      figures.push([
        `${name}, 1 / 10 subscribers`,
        `${formatOps(ops(`${contestant}-1`))} / ${formatOps(ops(`${contestant}-10`))}`,
      ]);
    }
    return { rows, figures };
  },
};

await runIfMain(import.meta.url, suite);
