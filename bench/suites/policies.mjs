/**
 * policies: what each resilience policy costs on the call path, the full stack against moleculer's and
 * cockatiel's equivalents, and a cache hit against moleculer's memory cacher.
 *
 * Same handler, loop and checks as the calls suite. Each policy is configured so that it admits every
 * call (generous limits), which is the hot path that matters: the cost of protection when nothing is
 * wrong. The full stack is timeout + retry + circuit breaker + bulkhead with metrics on, for all three
 * contestants (trellis always counts calls; moleculer gets `metrics: { enabled: true }`; cockatiel has no
 * metrics, so it is flattered). Cache hits call with the same params every time.
 */
import { comparison, figure, formatOps } from '../lib/format.mjs';
import { measureThroughput } from '../lib/measure.mjs';
import { runIfMain } from '../lib/suite.mjs';

const PARAMS = { id: 1 };

async function echo(params) {
  return { id: params.id, ok: true };
}

async function measureCalls(call) {
  const result = await measureThroughput(call);
  const answer = await call();
  if (answer?.id !== PARAMS.id || answer.ok !== true)
    throw new Error(`unexpected answer ${JSON.stringify(answer)}`);
  return result;
}

const TIMEOUT = { timeout: 1_000 };
const RETRY = { idempotent: true, retry: { attempts: 3 } };
const BREAKER = { circuitBreaker: { threshold: 5 } };
const BULKHEAD = { bulkhead: { maxConcurrent: 100, maxQueue: 100 } };
const RATE_LIMIT = { rateLimit: { limit: 1e12 } };
const CACHE = { cache: { ttl: 60_000 } };
const FULL_STACK = { ...TIMEOUT, ...RETRY, ...BREAKER, ...BULKHEAD };

async function trellis(capabilityOptions) {
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
  return measureCalls(() => host.call('bench.echo', PARAMS));
}

async function moleculer(brokerOptions, actionOptions = {}) {
  const { default: library } = await import('moleculer');
  const broker = new library.ServiceBroker({ logger: false, ...brokerOptions });
  broker.createService({
    name: 'bench',
    actions: { echo: { ...actionOptions, handler: (ctx) => echo(ctx.params) } },
  });
  await broker.start();
  return measureCalls(() => broker.call('bench.echo', PARAMS));
}

async function cockatiel() {
  const library = await import('cockatiel');
  const policy = library.wrap(
    library.retry(library.handleAll, { maxAttempts: 2, backoff: new library.ExponentialBackoff() }),
    library.circuitBreaker(library.handleAll, {
      halfOpenAfter: 10_000,
      breaker: new library.ConsecutiveBreaker(5),
    }),
    library.bulkhead(100, 100),
    library.timeout(1_000, library.TimeoutStrategy.Aggressive),
  );
  return measureCalls(() => policy.execute(() => echo(PARAMS)));
}

export const suite = {
  name: 'policies',
  title: 'Resilience policies and cache',
  description:
    'Sequential awaited calls through each policy (admitting every call) and through the full stack; median of 7 rounds after a 200k-call warm-up.',
  metrics: ['opsPerSecond'],
  contestants: {
    'trellis-none': () => trellis(undefined),
    'trellis-timeout': () => trellis(TIMEOUT),
    'trellis-retry': () => trellis(RETRY),
    'trellis-breaker': () => trellis(BREAKER),
    'trellis-bulkhead': () => trellis(BULKHEAD),
    'trellis-rate-limit': () => trellis(RATE_LIMIT),
    'trellis-full': () => trellis(FULL_STACK),
    'moleculer-full': () =>
      moleculer({
        circuitBreaker: { enabled: true },
        bulkhead: { enabled: true },
        retryPolicy: { enabled: true },
        requestTimeout: 1_000,
        metrics: { enabled: true },
      }),
    'cockatiel-full': () => cockatiel(),
    'trellis-cache-hit': () => trellis(CACHE),
    'moleculer-cache-hit': () => moleculer({ cacher: 'Memory' }, { cache: true }),
  },
  summarize(results) {
    const ops = (contestant) => figure(results, contestant, 'opsPerSecond');
    const policyRow = (label, contestant) =>
      comparison({
        benchmark: `${label} on vs off; what it costs, informative`,
        trellis: ops(contestant),
        peer: ops('trellis-none'),
        format: formatOps,
      });
    return {
      rows: [
        policyRow('timeout (1 s)', 'trellis-timeout'),
        policyRow('retry (idempotent, 3 attempts)', 'trellis-retry'),
        policyRow('circuit breaker (consecutive)', 'trellis-breaker'),
        policyRow('bulkhead (100 + 100 queued)', 'trellis-bulkhead'),
        policyRow('rate limit (token bucket)', 'trellis-rate-limit'),
        comparison({
          benchmark: 'timeout + retry + breaker + bulkhead + metrics vs moleculer with the same',
          trellis: ops('trellis-full'),
          peer: ops('moleculer-full'),
          format: formatOps,
          budget: '≥ 5x',
          check: ({ ratio }) => ratio >= 5,
        }),
        comparison({
          benchmark:
            'the same full stack vs cockatiel (timeout, retry, breaker, bulkhead; no metrics); informative',
          trellis: ops('trellis-full'),
          peer: ops('cockatiel-full'),
          format: formatOps,
        }),
        comparison({
          benchmark: 'cache hit vs moleculer memory cacher hit',
          trellis: ops('trellis-cache-hit'),
          peer: ops('moleculer-cache-hit'),
          format: formatOps,
          budget: '≥ 4x',
          check: ({ ratio }) => ratio >= 4,
        }),
      ],
      figures: Object.keys(suite.contestants).map((contestant) => [contestant, formatOps(ops(contestant))]),
    };
  },
};

await runIfMain(import.meta.url, suite);
