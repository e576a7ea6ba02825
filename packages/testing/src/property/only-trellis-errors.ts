import { type CallOptions, errors, type Schema } from '@trellis/core';
import * as fc from 'fast-check';
import { describeValue, foreignThrowOf, isTrellisErrorLike } from '../errors/error-shape.js';
import { testingErrors } from '../errors/testing-errors.js';
import type { TestHost } from '../host/test-host.js';
import { arbitraryFromSchema } from './arbitrary-from-schema.js';
import type { JsonSchema } from './json-schema-arbitrary.js';

/**
 * When a call counts as never answering: nothing left to run on the fake clock for 50 real ms, or 10
 * minutes of fake time.
 */
const NEVER_ANSWERED = { within: 10 * 60 * 1000, idleMs: 50 };

/** Options of {@link assertOnlyTrellisErrors}. */
export interface OnlyTrellisErrorsOptions {
  /** How many generated params to try (100). */
  readonly numRuns?: number;
  /** fast-check's seed, to replay a failure. */
  readonly seed?: number;
  /**
   * The params to try: an arbitrary, or a schema to derive one from. Default: the params schema the
   * capability was provided with.
   */
  readonly params?: fc.Arbitrary<unknown> | Schema | JsonSchema;
  /** Options of each call (a timeout, metadata...). */
  readonly callOptions?: CallOptions;
}

/**
 * Calls `capability` with generated valid params and fails with `E_PROPERTY_FAILED`, giving the shrunk
 * counterexample and the seed to replay it, when a call fails with anything but a TrellisError (a handler
 * that throws a string, a plain `Error`, or lets a library's error escape unwrapped) or never answers.
 * Successes and TrellisErrors both pass. The fake clock moves while each call waits, so timeouts and
 * retries play out.
 */
export async function assertOnlyTrellisErrors(
  testHost: TestHost,
  capability: string,
  options: OnlyTrellisErrorsOptions = {},
): Promise<void> {
  const given = options.params ?? testHost.paramsSchemaOf(capability);
  if (given === undefined) {
    throw errors.invalidArgument(
      `The params of '${capability}'`,
      'a schema or an arbitrary (the capability has no params schema to generate them from): pass options.params',
      undefined,
    );
  }
  const arbitrary = given instanceof fc.Arbitrary ? given : arbitraryFromSchema(given);
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (params) => {
      let settled = false;
      const call = testHost.call(capability, params, options.callOptions).finally(() => {
        settled = true;
      });
      try {
        await testHost.clock.runUntilSettled(call, NEVER_ANSWERED);
      } catch (error) {
        if (!settled) {
          call.catch(() => undefined);
          throw new Error(
            `'${capability}' did not answer within ${NEVER_ANSWERED.within / 60_000} minutes of fake time; give it a timeout or make every path resolve.`,
          );
        }
        const foreign = foreignThrowOf(error, capability);
        if (foreign !== undefined) {
          throw new Error(
            `'${capability}' threw ${describeValue(foreign.thrown)} instead of a TrellisError; throw new TrellisError('E_...', message) for failures callers should handle.`,
          );
        }
        if (!isTrellisErrorLike(error))
          throw new Error(
            `'${capability}' failed with ${describeValue(error)}, which is not a TrellisError.`,
          );
      }
    }),
    { numRuns: options.numRuns ?? 100, ...(options.seed === undefined ? {} : { seed: options.seed }) },
  );
  if (!details.failed) return;
  const reason =
    details.errorInstance instanceof Error
      ? details.errorInstance.message
      : `The property over '${capability}' could not run (${details.interrupted ? 'interrupted' : 'too many skipped values'}).`;
  throw testingErrors.propertyFailed(
    capability,
    reason,
    details.counterexample === null ? '(none)' : fc.stringify(details.counterexample),
    details.seed,
    details.counterexamplePath,
  );
}
