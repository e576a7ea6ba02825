import type { CallStats } from '../observability/metrics.js';

/** Performance budgets of a plugin, in milliseconds. */
export interface Budgets {
  /** How long setup may take. */
  readonly setupMs?: number;
  /** The p99 latency each of its capabilities may have. */
  readonly callP99Ms?: number;
  /** How long each of its tasks may run. */
  readonly taskMs?: number;
}

/** The platform's budgets, used where neither the plugin's manifest nor the host options set one. */
export const PLATFORM_BUDGETS: Required<Budgets> = Object.freeze({
  setupMs: 10,
  callP99Ms: 50,
  taskMs: 2_000,
});

/** Which budget a plugin exceeds. */
export type BudgetName = 'setup' | 'calls' | 'tasks';

/** One plugin's measurements against its budgets. */
export interface PluginBudgetReport {
  readonly plugin: string;
  readonly budgets: Required<Budgets>;
  /** Its last setup time. */
  readonly setupMs: number | undefined;
  /**
   * The highest p99 latency among its capabilities, as the upper bound of the histogram bucket the p99
   * falls in (call timing is sampled; see `durationSampling`), or undefined before any timed call.
   */
  readonly callP99Ms: number | undefined;
  /** The longest run of one of its tasks so far, or undefined before any finished. */
  readonly longestTaskMs: number | undefined;
  /** The budgets it exceeds now. */
  readonly exceeded: readonly BudgetName[];
}

/** What `host.report()` returns. */
export interface BudgetReport {
  readonly plugins: readonly PluginBudgetReport[];
  /** Names of the plugins exceeding at least one budget. */
  readonly overBudget: readonly string[];
}

/** What is measured of one plugin. */
export interface PluginMeasurements {
  readonly plugin: string;
  readonly budgets: Budgets | undefined;
  readonly setupMs: number | undefined;
  readonly calls: Iterable<CallStats>;
  /** The longest run of any of its tasks so far, in ms. */
  readonly longestTaskMs?: number | undefined;
}

/**
 * Compares each plugin's measurements with its budgets: the manifest's, else the host's, else the
 * platform's.
 */
export function budgetReport(plugins: Iterable<PluginMeasurements>, hostBudgets: Budgets): BudgetReport {
  const reports: PluginBudgetReport[] = [];
  for (const measured of plugins) {
    const budgets = { ...PLATFORM_BUDGETS, ...hostBudgets, ...measured.budgets };
    let callP99Ms: number | undefined;
    for (const stats of measured.calls) {
      const p99 = stats.durations.quantile(0.99);
      if (p99 !== undefined) callP99Ms = Math.max(callP99Ms ?? 0, p99 * 1000);
    }
    const exceeded: BudgetName[] = [];
    if (measured.setupMs !== undefined && measured.setupMs > budgets.setupMs) exceeded.push('setup');
    if (callP99Ms !== undefined && callP99Ms > budgets.callP99Ms) exceeded.push('calls');
    const longestTaskMs = measured.longestTaskMs;
    if (longestTaskMs !== undefined && longestTaskMs > budgets.taskMs) exceeded.push('tasks');
    reports.push({
      plugin: measured.plugin,
      budgets,
      setupMs: measured.setupMs,
      callP99Ms,
      longestTaskMs,
      exceeded,
    });
  }
  return {
    plugins: reports,
    overBudget: reports.filter((report) => report.exceeded.length > 0).map((report) => report.plugin),
  };
}
