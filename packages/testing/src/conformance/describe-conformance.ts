import { isPlugin, type Plugin } from '@trellis/core';
import { beforeAll, describe, it } from 'vitest';
import { testingErrors } from '../errors/testing-errors.js';
import { checkPluginConformance } from './check-conformance.js';
import {
  CHECK_TITLES,
  CONFORMANCE_CHECKS,
  type ConformanceOptions,
  type ConformanceReport,
} from './conformance-types.js';

/** Options of {@link describePluginConformance}. */
export interface DescribeConformanceOptions extends ConformanceOptions {
  /** Real ms the whole run may take (60 000). */
  readonly timeout?: number;
}

/**
 * Defines the conformance suite as Vitest tests: one `describe` for the plugin and one test per check,
 * each failing with the findings of its check (`E_CONFORMANCE`, naming the plugin, the check and the fix).
 * The checks run once, before the tests; see `checkPluginConformance` for what they verify.
 *
 * ```ts
 * describePluginConformance(usersPlugin, { config: { pageSize: 10 }, dependencies: [{ 'store.get': null }] });
 * ```
 */
export function describePluginConformance(plugin: Plugin, options: DescribeConformanceOptions = {}): void {
  const name = isPlugin(plugin) ? plugin.manifest.name : 'not a plugin';
  describe(`plugin '${name}' conformance`, () => {
    let report: ConformanceReport | undefined;
    beforeAll(async () => {
      report = await checkPluginConformance(plugin, options);
    }, options.timeout ?? 60_000);
    for (const check of CONFORMANCE_CHECKS) {
      it(CHECK_TITLES[check], () => {
        // Made by beforeAll: Vitest runs no test of the block when it failed.
        const findings = report!.findingsOf(check);
        if (findings.length > 0)
          throw testingErrors.conformance(
            name,
            check,
            findings.map((finding) => finding.message),
          );
      });
    }
  });
}
