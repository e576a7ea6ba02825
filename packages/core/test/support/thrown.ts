import { expect } from 'vitest';
import { TrellisError } from '../../src/index.js';

/** The TrellisError `run` throws synchronously; fails the test when it throws nothing or something else. */
export function thrown(run: () => unknown): TrellisError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TrellisError);
    return error as TrellisError;
  }
  throw new Error('expected a TrellisError to be thrown');
}

/** The code of the TrellisError `action` throws, a description of anything else it throws, or undefined. */
export function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof TrellisError ? error.code : `not a TrellisError: ${String(error)}`;
  }
  return undefined;
}

/** What `promise` rejected with, which must be a TrellisError; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<TrellisError> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    if (error instanceof TrellisError) return error;
    throw new Error(`expected a TrellisError, got ${String(error)}`);
  }
  throw new Error(`expected a rejection, got a result: ${JSON.stringify(outcome)}`);
}
