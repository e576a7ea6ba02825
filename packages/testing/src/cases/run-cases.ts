import { type CallOptions, errors } from '@trellis/core';
import { expect } from 'vitest';
import { realNow } from '../clock/real-time.js';
import { isTrellisErrorLike } from '../errors/error-shape.js';
import { createTestHost } from '../host/create-test-host.js';
import { TestHost } from '../host/test-host.js';
import type { TestHostOptions } from '../host/test-host-options.js';
import { type CaseReport, type CaseResult, caseReport } from './case-report.js';

/** A value matched like `toMatchObject`: objects need only the keys given, at any depth. */
export type DeepPartial<Value> = Value extends readonly (infer Item)[]
  ? readonly DeepPartial<Item>[]
  : Value extends object
    ? { readonly [Key in keyof Value]?: DeepPartial<Value[Key]> }
    : Value;

/** The error a case expects: its code, and optionally its message (contained, or matching) and details. */
export interface ExpectedError {
  readonly code: string;
  readonly message?: string | RegExp;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** One case of a capability: the params to call it with and what must come back. */
export interface CapabilityCase<Params = unknown, Result = unknown> {
  /** Names the case in the report (and the test, with `describeCases`). */
  readonly name: string;
  readonly params: Params;
  /** What the result must match, like `toMatchObject` (primitives must be equal). */
  readonly expected?: DeepPartial<Result>;
  /** The error the call must fail with. Without `expected` or `error`, the call must just succeed. */
  readonly error?: ExpectedError;
  /**
   * Config of the plugin providing the capability for this case only: the case runs on a host of its
   * own, made with the same options.
   */
  readonly config?: unknown;
  readonly callOptions?: CallOptions;
}

/** Where cases run: a started test host, or the options to make one (stopped after the cases). */
export type CaseTarget = TestHost | TestHostOptions;

/** Makes the host a case with its own config runs on; stopped by the caller. */
async function hostWithConfig(testHost: TestHost, capability: string, config: unknown): Promise<TestHost> {
  const provider = testHost.host.capabilities().find((described) => described.name === capability)?.plugin;
  if (provider === undefined)
    throw errors.invalidArgument(
      `The capability of a case with config`,
      'a capability registered in the host',
      capability,
    );
  return createTestHost({
    ...testHost.options,
    clock: testHost.clock.now(),
    store: undefined,
    config: { ...testHost.options.config, [provider]: config },
  });
}

/**
 * Runs one case on `testHost` (or on a host with the case's config), with the fake clock moving while the
 * call waits. Never throws for a failing case: its assertion error, with Vitest's diff, is in the result.
 */
export async function runCase(
  testHost: TestHost,
  capability: string,
  testCase: CapabilityCase,
): Promise<CaseResult> {
  const target =
    testCase.config === undefined ? testHost : await hostWithConfig(testHost, capability, testCase.config);
  try {
    const started = realNow();
    let ended = started;
    const call = target.call(capability, testCase.params, testCase.callOptions).finally(() => {
      ended = realNow();
    });
    let outcome: { readonly result: unknown } | { readonly error: unknown };
    try {
      outcome = { result: await target.clock.runUntilSettled(call) };
    } catch (error) {
      outcome = { error };
    }
    const durationMs = ended - started;
    try {
      assertOutcome(testCase, outcome);
      return { name: testCase.name, passed: true, durationMs };
    } catch (failure) {
      return { name: testCase.name, passed: false, durationMs, failure: failure as Error };
    }
  } finally {
    if (target !== testHost) await target.stop();
  }
}

function describeError(error: unknown): Record<string, unknown> {
  if (isTrellisErrorLike(error)) return { code: error.code, message: error.message, details: error.details };
  return { thrown: error instanceof Error ? `${error.name}: ${error.message}` : error };
}

/** Asserts with Vitest's `toMatchObject`, so failures carry its readable diff. */
function assertOutcome(
  testCase: CapabilityCase,
  outcome: { readonly result: unknown } | { readonly error: unknown },
): void {
  const label = `case '${testCase.name}'`;
  const actual = 'error' in outcome ? { error: describeError(outcome.error) } : { result: outcome.result };
  const wanted = testCase.error;
  if (wanted !== undefined) {
    const message = wanted.message;
    expect(actual, `${label} should fail with ${wanted.code}`).toMatchObject({
      error: {
        code: wanted.code,
        ...(message === undefined
          ? {}
          : {
              message:
                typeof message === 'string'
                  ? expect.stringContaining(message)
                  : expect.stringMatching(message),
            }),
        ...(wanted.details === undefined ? {} : { details: wanted.details }),
      },
    });
    return;
  }
  if ('error' in actual) expect(actual.error, `${label} should succeed`).toBeUndefined();
  if (testCase.expected !== undefined)
    expect(actual, `${label} returned an unexpected result`).toMatchObject({ result: testCase.expected });
}

/**
 * Runs table-driven cases of `capability` and returns a report (passed, failed, per-case time, p50/p99)
 * that prints as a table; `report.assertAllPassed()` throws the first failure with its diff. Given options
 * instead of a test host, makes one and stops it after the cases.
 */
export async function runCases<Params = unknown, Result = unknown>(
  target: CaseTarget,
  capability: string,
  cases: ReadonlyArray<CapabilityCase<Params, Result>>,
): Promise<CaseReport> {
  if (!Array.isArray(cases))
    throw errors.invalidArgument('The cases', 'an array of { name, params, expected | error }', cases);
  const testHost = target instanceof TestHost ? target : await createTestHost(target);
  try {
    const results: CaseResult[] = [];
    for (const testCase of cases)
      results.push(await runCase(testHost, capability, testCase as CapabilityCase));
    return caseReport(capability, results);
  } finally {
    if (testHost !== target) await testHost.stop();
  }
}
