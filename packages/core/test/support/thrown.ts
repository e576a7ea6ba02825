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

/** The TrellisError `promise` rejects with; fails the test when it resolves or rejects with something else. */
export async function rejection(promise: Promise<unknown>): Promise<TrellisError> {
  const outcome = await promise.then(
    (value: unknown) => ({ value }),
    (reason: unknown) => ({ reason }),
  );
  if (!('reason' in outcome))
    throw new Error(`expected a rejection with a TrellisError, got ${String(outcome.value)}`);
  expect(outcome.reason).toBeInstanceOf(TrellisError);
  return outcome.reason as TrellisError;
}
