import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTestHost } from '../host/create-test-host.js';
import type { TestHost } from '../host/test-host.js';
import type { TestHostOptions } from '../host/test-host-options.js';
import { type CaseResult, caseReport } from './case-report.js';
import { type CapabilityCase, runCase } from './run-cases.js';

/** Options of {@link describeCases}. */
export interface DescribeCasesOptions {
  /** Print the summary table (counts, p50/p99) after the cases (false). */
  readonly printSummary?: boolean;
}

/**
 * Defines one Vitest test per case of `capability`, each failing with Vitest's diff. The cases share one
 * test host, made before them from `target` (options, or a function making the host) and stopped after.
 */
export function describeCases<Params = unknown, Result = unknown>(
  target: TestHostOptions | (() => Promise<TestHost>),
  capability: string,
  cases: ReadonlyArray<CapabilityCase<Params, Result>>,
  options: DescribeCasesOptions = {},
): void {
  describe(`${capability} cases`, () => {
    let testHost: TestHost | undefined;
    const results: CaseResult[] = [];
    beforeAll(async () => {
      testHost = await (typeof target === 'function' ? target() : createTestHost(target));
    });
    afterAll(async () => {
      await testHost?.stop();
      if (options.printSummary === true) console.log(caseReport(capability, results).toString());
    });
    for (const testCase of cases) {
      it(testCase.name, async () => {
        // Made by beforeAll: Vitest runs no test of the block when it failed.
        const result = await runCase(testHost!, capability, testCase as CapabilityCase);
        results.push(result);
        if (result.failure !== undefined) throw result.failure;
      });
    }
  });
}
