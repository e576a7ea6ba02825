import { expect } from 'vitest';
import type { ValidationIssue } from '../../src/errors/errors.js';
import { TrellisError } from '../../src/errors/trellis-error.js';

/** Runs `validate`, asserts it threw `E_MANIFEST_INVALID`, and returns the error and its issues. */
export function manifestFailure(validate: () => unknown): { error: TrellisError; issues: ValidationIssue[] } {
  let thrown: unknown;
  try {
    validate();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected the manifest to be rejected').toBeInstanceOf(TrellisError);
  const error = thrown as TrellisError;
  expect(error.code).toBe('E_MANIFEST_INVALID');
  return { error, issues: error.details.issues as ValidationIssue[] };
}

/** The paths of the issues `validate` reports, in order. */
export function issuePaths(validate: () => unknown): string[] {
  return manifestFailure(validate).issues.map((issue) => issue.path);
}
