/** How one case went. */
export interface CaseResult {
  readonly name: string;
  readonly passed: boolean;
  /** Real ms the call took. */
  readonly durationMs: number;
  /** Why it failed: Vitest's assertion error, with its diff. */
  readonly failure?: Error;
}

/** What `runCases` returns: each case, the counts and the latency percentiles. */
export interface CaseReport {
  readonly capability: string;
  readonly results: readonly CaseResult[];
  readonly passed: number;
  readonly failed: number;
  /** Median case time, in real ms. */
  readonly p50Ms: number;
  /** 99th percentile case time, in real ms. */
  readonly p99Ms: number;
  /** Throws the first failure (its message prefixed with the summary) when any case failed. */
  assertAllPassed(): void;
  /** The summary and one line per case. */
  toString(): string;
}

/** The `quantile` (0–1) of `values` by the nearest-rank method; 0 without values. */
export function percentile(values: readonly number[], quantile: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((first, second) => first - second);
  const rank = Math.max(1, Math.ceil(quantile * sorted.length));
  return sorted[rank - 1] as number;
}

function milliseconds(value: number): string {
  return `${value.toFixed(2)} ms`;
}

/** The report of `results`, the cases of `capability`. */
export function caseReport(capability: string, results: readonly CaseResult[]): CaseReport {
  const durations = results.map((result) => result.durationMs);
  const failed = results.filter((result) => !result.passed);
  const p50Ms = percentile(durations, 0.5);
  const p99Ms = percentile(durations, 0.99);
  const summary = `${capability}: ${results.length} case${results.length === 1 ? '' : 's'}, ${results.length - failed.length} passed, ${failed.length} failed; p50 ${milliseconds(p50Ms)}, p99 ${milliseconds(p99Ms)}`;
  return {
    capability,
    results,
    passed: results.length - failed.length,
    failed: failed.length,
    p50Ms,
    p99Ms,
    assertAllPassed() {
      const first = failed[0]?.failure;
      if (first === undefined) return;
      first.message = `${summary}\n${first.message}`;
      throw first;
    },
    toString: () =>
      [
        summary,
        ...results.map((result) => {
          const mark = result.passed ? 'pass' : 'FAIL';
          const reason = result.failure === undefined ? '' : `: ${result.failure.message.split('\n')[0]}`;
          return `  ${mark}  ${result.name} (${milliseconds(result.durationMs)})${reason}`;
        }),
      ].join('\n'),
  };
}
