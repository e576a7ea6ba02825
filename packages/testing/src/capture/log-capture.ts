import { errors } from '@trellis/core';

/** pino's level names. */
export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const LEVELS: Readonly<Record<LogLevelName, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

/** One log line a test host wrote, parsed from pino's JSON: `level`, `msg`, `plugin`, `err`... */
export interface CapturedLog {
  /** pino's numeric level (30 is info). */
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** How a log line is looked for: its text contains the string, or matches the pattern. */
export type MessageMatcher = string | RegExp;

function levelNumber(level: LogLevelName | number): number {
  const number = typeof level === 'number' ? level : LEVELS[level];
  if (number === undefined)
    throw errors.invalidArgument(
      'A log level',
      `one of ${Object.keys(LEVELS).join(', ')} or a number`,
      level,
    );
  return number;
}

function matchesMessage(log: CapturedLog, message: MessageMatcher | undefined): boolean {
  if (message === undefined) return true;
  const text = typeof log.msg === 'string' ? log.msg : '';
  return typeof message === 'string' ? text.includes(message) : message.test(text);
}

/** The log lines a test host wrote, parsed; nothing is printed. */
export class LogCapture {
  readonly #logs: CapturedLog[] = [];

  /** Every captured line, oldest first. The array grows as lines are written. */
  get all(): readonly CapturedLog[] {
    return this.#logs;
  }

  /** The first line at `level` whose message contains (or matches) `message`. */
  find(level: LogLevelName | number, message?: MessageMatcher): CapturedLog | undefined {
    const wanted = levelNumber(level);
    return this.#logs.find((log) => log.level === wanted && matchesMessage(log, message));
  }

  /** Every line at `level` (any level when undefined) whose message contains (or matches) `message`. */
  filter(level?: LogLevelName | number, message?: MessageMatcher): CapturedLog[] {
    const wanted = level === undefined ? undefined : levelNumber(level);
    return this.#logs.filter(
      (log) => (wanted === undefined || log.level === wanted) && matchesMessage(log, message),
    );
  }

  /** Forgets the lines captured so far. */
  clear(): void {
    this.#logs.length = 0;
  }

  /** The stream the test host's pino logger writes to. @internal */
  readonly stream = {
    write: (line: string): void => {
      this.#logs.push(JSON.parse(line) as CapturedLog);
    },
  };
}
