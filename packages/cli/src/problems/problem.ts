import type { TrellisError } from '@trellis/core';

/** How bad a problem is: errors stop `trellis doctor` from passing; warnings are worth a look. */
export type Severity = 'error' | 'warning';

/** Something wrong with a project, found without (or before) starting it. */
export interface Problem {
  readonly severity: Severity;
  /** What the problem is about: a plugin name, a file, `config`, `http`... */
  readonly subject: string;
  /** The error, whose message says what happened and what to do. */
  readonly error: TrellisError;
}

/** The JSON form of a {@link Problem}, as `--json` prints it. */
export interface ProblemJson {
  readonly severity: Severity;
  readonly subject: string;
  readonly code: string;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** An error-severity problem. */
export function errorProblem(subject: string, error: TrellisError): Problem {
  return { severity: 'error', subject, error };
}

/** A warning. */
export function warningProblem(subject: string, error: TrellisError): Problem {
  return { severity: 'warning', subject, error };
}

/** True when at least one problem is an error. */
export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((problem) => problem.severity === 'error');
}

/** The JSON form of a problem. */
export function problemToJson(problem: Problem): ProblemJson {
  return {
    severity: problem.severity,
    subject: problem.subject,
    code: problem.error.code,
    message: problem.error.message,
    details: problem.error.details,
  };
}
