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
import { echo, measureCalls, moleculerEchoBroker, PARAMS, trellisEchoHost } from '../lib/echo.mjs';
import { comparison, figure, formatOps } from '../lib/format.mjs';
import { runIfMain } from '../lib/suite.mjs';

const TIMEOUT = { timeout: 1_000 };
const RETRY = { idempotent: true, retry: { attempts: 3 } };
const BREAKER = { circuitBreaker: { threshold: 5 } };
const BULKHEAD = { bulkhead: { maxConcurrent: 100, maxQueue: 100 } };
const RATE_LIMIT = { rateLimit: { limit: 1e12 } };
const CACHE = { cache: { ttl: 60_000 } };
const FULL_STACK = { ...TIMEOUT, ...RETRY, ...BREAKER, ...BULKHEAD };

async function trellis(capabilityOptions) {
  const host = await trellisEchoHost(capabilityOptions);
  return measureCalls(() => host.call('bench.echo', PARAMS));
}

async function moleculer(brokerOptions, actionOptions) {
  const broker = await moleculerEchoBroker(brokerOptions, actionOptions);
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
