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
export function collectedCounter({ registry, name, help, labelNames, read }: CollectedMetric): void {
  new Counter({
    name,
    help,
    labelNames: [...labelNames],
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}

/** A prom-client gauge set from `read()` when scraped. */
export function collectedGauge({ registry, name, help, labelNames, read }: CollectedMetric): void {
  new Gauge({
    name,
    help,
    labelNames: [...labelNames],
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.set(labels, value);
    },
  });
}
