import { Counter, Gauge, type Registry } from 'prom-client';

/** One series: its label values and its value. */
export type Sample = readonly [labels: Readonly<Record<string, string>>, value: number];

interface CollectedMetric {
  readonly registry: Registry;
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Read at scrape time from the plain counters the hot path updates. */
  readonly read: () => Iterable<Sample>;
}

/**
 * A prom-client counter filled from `read()` when scraped. The hot path keeps plain numbers (prom-client
 * costs hundreds of nanoseconds per update); totals only ever grow, so resetting and re-adding them at
 * scrape time yields a proper counter.
 */
export function collectedCounter(metric: CollectedMetric): void {
  new Counter(collectingConfig<Counter>(metric, (counter, labels, value) => counter.inc(labels, value)));
}

/** A prom-client gauge set from `read()` when scraped. */
export function collectedGauge(metric: CollectedMetric): void {
  new Gauge(collectingConfig<Gauge>(metric, (gauge, labels, value) => gauge.set(labels, value)));
}

/** The prom-client configuration shared by both kinds: reset, then write every sample read. */
function collectingConfig<Kind extends Counter | Gauge>(
  { registry, name, help, labelNames, read }: CollectedMetric,
  write: (metric: Kind, labels: Readonly<Record<string, string>>, value: number) => void,
) {
  return {
    name,
    help,
    labelNames: [...labelNames],
    registers: [registry],
    collect(this: Kind) {
      this.reset();
      for (const [labels, value] of read()) write(this, labels, value);
    },
  };
}
