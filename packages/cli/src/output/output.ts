import type { TrellisError } from '@trellis/core';
import type { Problem } from '../problems/problem.js';
import { type Colors, colorsFor } from './colors.js';
import { type Spinner, startSpinner } from './spinner.js';

/** A stream the CLI writes to (process.stdout and process.stderr in practice). */
export interface OutputStream {
  readonly isTTY?: boolean;
  write(chunk: string): unknown;
}

/** What a CLI run reads and writes: passed in, so that the CLI can run inside another program or a test. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/**
 * How commands talk to people and scripts: results on stdout (plain or `--json`), everything else
 * (progress, warnings, errors) on stderr, so `trellis list --json | jq` always receives clean JSON.
 */
export class Output {
  /** Colours for stdout. */
  readonly colors: Colors;
  /** Colours for stderr. */
  readonly errorColors: Colors;
  readonly #io: CliIo;

  constructor(io: CliIo, colorFlag?: boolean) {
    this.#io = io;
    this.colors = colorsFor(io.stdout, { env: io.env, flag: colorFlag });
    this.errorColors = colorsFor(io.stderr, { env: io.env, flag: colorFlag });
  }

  /** The streams and environment of this run. */
  get io(): CliIo {
    return this.#io;
  }

  /** Writes a line of results to stdout. */
  line(text = ''): void {
    this.#io.stdout.write(`${text}\n`);
  }

  /** Writes a value as pretty JSON to stdout. */
  json(value: unknown): void {
    this.#io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Writes a line to stderr. */
  note(text: string): void {
    this.#io.stderr.write(`${text}\n`);
  }

  /** A success line (stderr: it reports on the work, it is not the work's result). */
  success(text: string): void {
    this.note(`${this.errorColors.green('✔')} ${text}`);
  }

  /** A warning line on stderr. */
  warn(text: string): void {
    this.note(`${this.errorColors.yellow('⚠')} ${text}`);
  }

  /** A failure with its code and message, on stderr. */
  error(error: TrellisError | Error): void {
    const colors = this.errorColors;
    const code = 'code' in error && typeof error.code === 'string' ? ` ${colors.dim(error.code)}` : '';
    this.note(`${colors.red('✖')}${code} ${indentRest(error.message)}`);
  }

  /** A problem, coloured by severity, with its subject and message. */
  problem(problem: Problem): void {
    const colors = this.errorColors;
    const mark = problem.severity === 'error' ? colors.red('✖') : colors.yellow('⚠');
    this.note(
      `${mark} ${colors.bold(problem.subject)} ${colors.dim(problem.error.code)}\n  ${indentRest(problem.error.message)}`,
    );
  }

  /** A spinner on stderr while long work runs (drawn on terminals only). */
  spinner(text: string): Spinner {
    return startSpinner(this.#io.stderr, text);
  }
}

/** Indents every line after the first, so multi-line messages stay under their mark. */
function indentRest(text: string): string {
  return text.replaceAll('\n', '\n  ');
}
