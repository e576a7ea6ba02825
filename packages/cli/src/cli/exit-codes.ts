/**
 * The exit codes of `trellis`: 0 when the command did what was asked, 1 when it failed or (doctor) found
 * problems, 2 when the command line itself was wrong (unknown command or option, missing argument).
 */
export const EXIT_CODES = {
  ok: 0,
  failed: 1,
  usage: 2,
} as const;
