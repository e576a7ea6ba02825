import type { Host } from '@trellis/core';

type Registry = Host['metrics']['registry'];
type RegisteredMetric = Parameters<Registry['registerMetric']>[0];

/** Upper bounds (seconds) of the request-duration buckets: 1 ms to 10 s. */
export const HTTP_DURATION_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** Counters of one method and route pattern: responses by status, and their durations. */
interface RouteSeries {
  readonly method: string;
  readonly route: string;
  readonly statuses: Map<number, number>;
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

interface MetricValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

/**
 * The gateway's request metrics, kept as plain numbers on the request path (prom-client's own counters
 * cost hundreds of nanoseconds per update) and handed to the host's Prometheus registry when scraped:
 * `trellis_http_requests_total{method,route,status}` and
 * `trellis_http_request_duration_seconds{method,route}`. `route` is the route pattern, never the raw
 * URL, so the series stay few.
 */
export class HttpMetrics {
  readonly #series = new Map<string, RouteSeries>();

  /** Counts one answered request and its duration. */
  record(method: string, route: string, statusCode: number, seconds: number): void {
    const key = `${method} ${route}`;
    let series = this.#series.get(key);
    if (series === undefined) {
      series = {
        method,
        route,
        statuses: new Map(),
        counts: new Float64Array(HTTP_DURATION_BUCKETS.length + 1),
        sum: 0,
        count: 0,
      };
      this.#series.set(key, series);
    }
    series.statuses.set(statusCode, (series.statuses.get(statusCode) ?? 0) + 1);
    let bucket = 0;
    while (bucket < HTTP_DURATION_BUCKETS.length && seconds > HTTP_DURATION_BUCKETS[bucket]!) bucket += 1;
    series.counts[bucket]! += 1;
    series.sum += seconds;
    series.count += 1;
  }

  /** Registers both metrics on `registry`; returns the function that removes them again. */
  register(registry: Registry): () => void {
    const requestsName = 'trellis_http_requests_total';
    const durationName = 'trellis_http_request_duration_seconds';
    registry.registerMetric(
      collected(
        requestsName,
        'HTTP requests answered by the gateway, by method, route pattern and status.',
        'counter',
        () =>
          [...this.#series.values()].flatMap((series) =>
            [...series.statuses].map(([status, count]) => ({
              labels: { method: series.method, route: series.route, status: String(status) },
              value: count,
            })),
          ),
      ),
    );
    registry.registerMetric(
      collected(
        durationName,
        'Time to answer HTTP requests in seconds, by method and route pattern.',
        'histogram',
        () => [...this.#series.values()].flatMap((series) => histogramValues(durationName, series)),
      ),
    );
    return () => {
      registry.removeSingleMetric(requestsName);
      registry.removeSingleMetric(durationName);
    };
  }
}

function histogramValues(name: string, series: RouteSeries): MetricValue[] {
  const labels = { method: series.method, route: series.route };
  const values: MetricValue[] = [];
  let cumulative = 0;
  for (let bucket = 0; bucket < series.counts.length; bucket += 1) {
    cumulative += series.counts[bucket]!;
    const le = bucket < HTTP_DURATION_BUCKETS.length ? HTTP_DURATION_BUCKETS[bucket]! : '+Inf';
    values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${name}_bucket` });
  }
  values.push({ labels, value: series.sum, metricName: `${name}_sum` });
  values.push({ labels, value: series.count, metricName: `${name}_count` });
  return values;
}

/**
 * A metric read from plain numbers at scrape time. prom-client's registry only needs `name`, `get()` and
 * `reset()`; its typings name the Metric class, hence the cast.
 */
function collected(
  name: string,
  help: string,
  type: 'counter' | 'histogram',
  read: () => MetricValue[],
): RegisteredMetric {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    reset() {},
    async get() {
      return { name, help, type, aggregator: 'sum', values: read() };
    },
  };
  return metric as unknown as RegisteredMetric;
}
