import type { Registry } from 'prom-client';
import { CIRCUIT_STATES, type CircuitState } from '../policies/circuit-breaker.js';
import { collectedCounter, collectedGauge, type Sample } from './collected-metrics.js';
import type { CallStats, PluginSnapshot } from './metrics.js';

/** What a capability cache exposes to metrics. */
export interface CacheStatsSource {
  readonly stats: {
    readonly hits: number;
    readonly misses: number;
    readonly coalesced: number;
    readonly evictions: number;
    readonly expirations: number;
  };
  readonly size: number;
}

/** A pool as metrics see it. */
export interface PoolSnapshot {
  readonly plugin: string;
  readonly pool: string;
  readonly borrowed: number;
  readonly idle: number;
  readonly pending: number;
  readonly timeouts: number;
}

/** Where the host's live state is read at scrape time. */
export interface MetricsSources {
  readonly plugins: () => readonly PluginSnapshot[];
  /** Bulkheads of registered capabilities. */
  readonly bulkheads: () => Iterable<
    readonly [capability: string, bulkhead: { readonly active: number; readonly queued: number }]
  >;
  readonly pools: () => Iterable<PoolSnapshot>;
  /** Budgets each plugin exceeds now (see `host.report()`). */
  readonly budgets: () => Iterable<readonly [plugin: string, budget: string, exceeded: boolean]>;
}

/** Registers the metrics of retries, fallbacks, caches, circuit breakers, bulkheads, pools and budgets. */
export function registerPolicyMetrics(
  registry: Registry,
  calls: ReadonlyMap<string, CallStats>,
  caches: ReadonlyMap<string, readonly CacheStatsSource[]>,
  circuits: ReadonlyMap<string, CircuitState>,
  sources: MetricsSources,
): void {
  const perCapability = (pick: (stats: CallStats) => number) => () =>
    [...calls.values()].map((stats): Sample => [{ capability: stats.capability }, pick(stats)]);
  collectedCounter({
    registry,
    name: 'trellis_call_retries_total',
    help: 'Attempts made again by the retry policy, by capability.',
    labelNames: ['capability'],
    read: perCapability((stats) => stats.retries),
  });
  collectedCounter({
    registry,
    name: 'trellis_call_fallbacks_total',
    help: 'Calls answered by the fallback policy, by capability.',
    labelNames: ['capability'],
    read: perCapability((stats) => stats.fallbacks),
  });
  const cacheTotals = (pick: (source: CacheStatsSource) => number) =>
    [...caches].map(
      ([capability, sources]) =>
        [capability, sources.reduce((sum, source) => sum + pick(source), 0)] as const,
    );
  collectedCounter({
    registry,
    name: 'trellis_cache_requests_total',
    help: 'Cache lookups by capability and result: hit, miss, or coalesced (joined a load already running).',
    labelNames: ['capability', 'result'],
    read: () =>
      (['hits', 'misses', 'coalesced'] as const).flatMap((result) =>
        cacheTotals((source) => source.stats[result]).map(
          ([capability, count]): Sample => [
            { capability, result: result === 'hits' ? 'hit' : result === 'misses' ? 'miss' : 'coalesced' },
            count,
          ],
        ),
      ),
  });
  collectedCounter({
    registry,
    name: 'trellis_cache_evictions_total',
    help: 'Cache entries removed by capability and reason: evicted (LRU bounds) or expired (TTL).',
    labelNames: ['capability', 'reason'],
    read: () => [
      ...cacheTotals((source) => source.stats.evictions).map(
        ([capability, count]): Sample => [{ capability, reason: 'evicted' }, count],
      ),
      ...cacheTotals((source) => source.stats.expirations).map(
        ([capability, count]): Sample => [{ capability, reason: 'expired' }, count],
      ),
    ],
  });
  collectedGauge({
    registry,
    name: 'trellis_cache_entries',
    help: 'Entries in each capability cache.',
    labelNames: ['capability'],
    read: () =>
      cacheTotals((source) => source.size).map(([capability, size]): Sample => [{ capability }, size]),
  });
  collectedGauge({
    registry,
    name: 'trellis_circuit_state',
    help: '1 for the state each capability circuit breaker is in, 0 for the others.',
    labelNames: ['capability', 'state'],
    read: () =>
      [...circuits].flatMap(([capability, current]) =>
        CIRCUIT_STATES.map((state): Sample => [{ capability, state }, state === current ? 1 : 0]),
      ),
  });
  collectedGauge({
    registry,
    name: 'trellis_bulkhead_calls',
    help: 'Calls running (active) and waiting (queued) in each capability bulkhead.',
    labelNames: ['capability', 'state'],
    read: () =>
      [...sources.bulkheads()].flatMap(([capability, bulkhead]): Sample[] => [
        [{ capability, state: 'active' }, bulkhead.active],
        [{ capability, state: 'queued' }, bulkhead.queued],
      ]),
  });
  collectedGauge({
    registry,
    name: 'trellis_pool_resources',
    help: 'Resources of each plugin pool by state: borrowed, idle, or pending (acquires waiting).',
    labelNames: ['plugin', 'pool', 'state'],
    read: () =>
      [...sources.pools()].flatMap(({ plugin, pool, borrowed, idle, pending }): Sample[] => [
        [{ plugin, pool, state: 'borrowed' }, borrowed],
        [{ plugin, pool, state: 'idle' }, idle],
        [{ plugin, pool, state: 'pending' }, pending],
      ]),
  });
  collectedCounter({
    registry,
    name: 'trellis_pool_acquire_timeouts_total',
    help: 'Acquires that found no free resource in time, by plugin and pool.',
    labelNames: ['plugin', 'pool'],
    read: () =>
      [...sources.pools()].map(({ plugin, pool, timeouts }): Sample => [{ plugin, pool }, timeouts]),
  });
  collectedGauge({
    registry,
    name: 'trellis_plugin_budget_exceeded',
    help: '1 when a plugin exceeds its budget (setup, call latency p99, task duration), 0 otherwise.',
    labelNames: ['plugin', 'budget'],
    read: () =>
      [...sources.budgets()].map(
        ([plugin, budget, exceeded]): Sample => [{ plugin, budget }, exceeded ? 1 : 0],
      ),
  });
}
