import type { Output } from '../output/output.js';

/** What each command's action uses: the output and a way to set the run's exit code. */
export interface CommandContext {
  readonly out: Output;
  /** Sets the exit code of this run (0 unless a command sets another). */
  setExitCode(code: number): void;
}
