import { type Metric, Registry } from 'prom-client';
import { PLUGIN_STATES } from '../host/plugin-runtime.js';
import type { CircuitState } from '../policies/circuit-breaker.js';
import { collectedCounter, collectedGauge, type Sample } from './collected-metrics.js';
import { type CacheStatsSource, type MetricsSources, registerPolicyMetrics } from './policy-metrics.js';

/** Upper bounds (seconds) of the call-duration buckets: 10 µs to 10 s. */
export const DURATION_BUCKETS = [
  0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10,
] as const;

/**
 * A fixed-bucket latency histogram updated with plain arithmetic. prom-client's own histogram costs about
 * 400 ns per observation (it hashes the labels each time) and its counter about 240 ns, which alone would
 * exceed the call path's whole budget; so the hot path writes here and prom-client reads at scrape time.
 */
export class DurationHistogram {
  /** Observations per bucket (not cumulative); the last slot counts values above every bound. */
  readonly counts = new Float64Array(DURATION_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  /** Records one duration in seconds. */
  observe(seconds: number): void {
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]!) bucket += 1;
    this.counts[bucket]! += 1;
    this.sum += seconds;
    this.count += 1;
  }

  /**
   * The duration below which `quantile` (0–1) of the observations fall, as the upper bound of the bucket
   * it lands in (`Infinity` past the last bound, `undefined` without observations).
   */
  quantile(quantile: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = quantile * this.count;
    let seen = 0;
    for (let bucket = 0; bucket < this.counts.length; bucket += 1) {
      seen += this.counts[bucket]!;
      if (seen >= rank) return DURATION_BUCKETS[bucket] ?? Number.POSITIVE_INFINITY;
    }
    return Number.POSITIVE_INFINITY;
  }
}

/** Counters of one capability, kept across reloads so the exported totals only ever grow. */
export class CallStats {
  /** Calls that returned a result. */
  succeeded = 0;
  /** Attempts made again by the retry policy. */
  retries = 0;
  /** Calls answered by the fallback policy. */
  fallbacks = 0;
  /** Failed calls by error code. */
  readonly failed = new Map<string, number>();
  readonly durations = new DurationHistogram();

  constructor(readonly capability: string) {}

  /** Counts one failed call under its error code. */
  recordFailure(code: string): void {
    this.failed.set(code, (this.failed.get(code) ?? 0) + 1);
  }
}

/** Counters of the events one source (a plugin or the host) emitted. */
export class EventStats {
  emitted = 0;
  /** Handler invocations those events caused. */
  delivered = 0;
}

/** What the metrics read from the host at scrape time. */
export interface PluginSnapshot {
  readonly name: string;
  readonly state: string;
  readonly setupMs: number | undefined;
}

/**
 * The host's metrics: a private prom-client registry (never the global one, so two hosts in one process
 * do not collide) whose series are filled from the hot-path counters when scraped.
 */
export class HostMetrics {
  /** The prom-client registry; adapters (HTTP `/metrics`) serve it, plugins may register their own metrics. */
  readonly registry = new Registry();
  readonly #calls = new Map<string, CallStats>();
  readonly #events = new Map<string, EventStats>();
  readonly #subscriberFailures = new Map<string, number>();
  readonly #caches = new Map<string, CacheStatsSource[]>();
  readonly #circuits = new Map<string, CircuitState>();

  constructor(sources: MetricsSources) {
    const registry = this.registry;
    collectedCounter({
      registry,
      name: 'trellis_calls_total',
      help: 'Capability calls by capability and outcome (ok, or the error code).',
      labelNames: ['capability', 'outcome'],
      read: () =>
        [...this.#calls.values()].flatMap((stats): Sample[] => [
          [{ capability: stats.capability, outcome: 'ok' }, stats.succeeded],
          ...[...stats.failed].map(
            ([code, count]): Sample => [{ capability: stats.capability, outcome: code }, count],
          ),
        ]),
    });
    registry.registerMetric(durationMetric(this.#calls));
    const perSource = (pick: (stats: EventStats) => number) => () =>
      [...this.#events].map(([source, stats]): Sample => [{ source }, pick(stats)]);
    collectedCounter({
      registry,
      name: 'trellis_events_emitted_total',
      help: 'Events emitted, by source plugin (or host).',
      labelNames: ['source'],
      read: perSource((stats) => stats.emitted),
    });
    collectedCounter({
      registry,
      name: 'trellis_event_deliveries_total',
      help: 'Subscriber invocations caused by events, by source plugin (or host).',
      labelNames: ['source'],
      read: perSource((stats) => stats.delivered),
    });
    collectedCounter({
      registry,
      name: 'trellis_subscriber_failures_total',
      help: 'Event subscribers that threw or rejected, by subscribing plugin.',
      labelNames: ['subscriber'],
      read: () => [...this.#subscriberFailures].map(([subscriber, count]): Sample => [{ subscriber }, count]),
    });
    collectedGauge({
      registry,
      name: 'trellis_plugin_state',
      help: '1 for the state each plugin is in, 0 for the others.',
      labelNames: ['plugin', 'state'],
      read: () =>
        sources
          .plugins()
          .flatMap((plugin) =>
            PLUGIN_STATES.map(
              (state): Sample => [{ plugin: plugin.name, state }, plugin.state === state ? 1 : 0],
            ),
          ),
    });
    collectedGauge({
      registry,
      name: 'trellis_plugin_setup_duration_seconds',
      help: 'How long each plugin took to set up, the last time it did.',
      labelNames: ['plugin'],
      read: () =>
        sources
          .plugins()
          .flatMap((plugin): Sample[] =>
            plugin.setupMs === undefined ? [] : [[{ plugin: plugin.name }, plugin.setupMs / 1000]],
          ),
    });
    registerPolicyMetrics(registry, this.#calls, this.#caches, this.#circuits, sources);
  }

  /** The counters of a capability, created on first use and kept for the host's life. */
  callStats(capability: string): CallStats {
    let stats = this.#calls.get(capability);
    if (stats === undefined) {
      stats = new CallStats(capability);
      this.#calls.set(capability, stats);
    }
    return stats;
  }

  /** The counters of one event source, created on first use. */
  eventStats(source: string): EventStats {
    let stats = this.#events.get(source);
    if (stats === undefined) {
      stats = new EventStats();
      this.#events.set(source, stats);
    }
    return stats;
  }

  /** Keeps a capability cache's counters (and those of its earlier instances) for scraping. */
  trackCache(capability: string, cache: CacheStatsSource): void {
    const caches = this.#caches.get(capability) ?? [];
    caches.push(cache);
    this.#caches.set(capability, caches);
  }

  /** Records the current state of a capability's circuit breaker. */
  recordCircuitState(capability: string, state: CircuitState): void {
    this.#circuits.set(capability, state);
  }

  /** Counts a subscriber that threw or rejected. */
  recordSubscriberFailure(subscriber: string): void {
    this.#subscriberFailures.set(subscriber, (this.#subscriberFailures.get(subscriber) ?? 0) + 1);
  }

  /** The registry's content in the Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Exposes every capability's {@link DurationHistogram} as one prom-client histogram family. */
function durationMetric(calls: ReadonlyMap<string, CallStats>): Metric {
  const name = 'trellis_call_duration_seconds';
  const help =
    'Capability call durations in seconds, by capability (a sample: one call in durationSampling is timed).';
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    reset() {},
    async get() {
      const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
      for (const stats of calls.values()) {
        const { counts, sum, count } = stats.durations;
        let cumulative = 0;
        for (let bucket = 0; bucket < counts.length; bucket += 1) {
          cumulative += counts[bucket]!;
          const le = bucket < DURATION_BUCKETS.length ? DURATION_BUCKETS[bucket]! : '+Inf';
          values.push({
            labels: { le, capability: stats.capability },
            value: cumulative,
            metricName: `${name}_bucket`,
          });
        }
        values.push({ labels: { capability: stats.capability }, value: sum, metricName: `${name}_sum` });
        values.push({ labels: { capability: stats.capability }, value: count, metricName: `${name}_count` });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  };
  // prom-client's registry only needs `name`, `get()` and `reset()`; its typings name the Metric class.
  return metric as unknown as Metric;
}
