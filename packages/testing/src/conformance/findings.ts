import {
  CONFORMANCE_CHECKS,
  type ConformanceCheck,
  type ConformanceFinding,
  type ConformanceReport,
} from './conformance-types.js';

/** The findings of one run of the suite, each worded the same way: plugin, check, problem, fix. */
export class FindingList {
  readonly #plugin: string;
  readonly #findings: ConformanceFinding[] = [];

  constructor(plugin: string) {
    this.#plugin = plugin;
  }

  /** Records that `plugin` fails `check` because of `problem`; `fix` says what to change. */
  add(check: ConformanceCheck, problem: string, fix: string, details: Record<string, unknown> = {}): void {
    this.#findings.push({
      plugin: this.#plugin,
      check,
      message: `Plugin '${this.#plugin}' fails the ${check} check: ${problem}. ${fix}`,
      details,
    });
  }

  /** True when `check` already has a finding matching `problem` (to report a repeated failure once). */
  has(check: ConformanceCheck, detail: (details: Readonly<Record<string, unknown>>) => boolean): boolean {
    return this.#findings.some((finding) => finding.check === check && detail(finding.details));
  }

  /** The report of the run. */
  report(setupMs: number | undefined, setupBudgetMs: number): ConformanceReport {
    const order = (finding: ConformanceFinding) => CONFORMANCE_CHECKS.indexOf(finding.check);
    const findings = [...this.#findings].sort((first, second) => order(first) - order(second));
    const plugin = this.#plugin;
    return {
      plugin,
      passed: findings.length === 0,
      findings,
      setupMs,
      setupBudgetMs,
      findingsOf: (check) => findings.filter((finding) => finding.check === check),
      toString: () =>
        findings.length === 0
          ? `Plugin '${plugin}' passes every conformance check.`
          : findings.map((finding) => `- ${finding.message}`).join('\n'),
    };
  }
}
