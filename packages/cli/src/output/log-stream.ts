import type { Logger, LoggerInput } from '@trellis/core';
import { type LoggerOptions, pino } from 'pino';
import type { Colors } from './colors.js';
import type { OutputStream } from './output.js';

/** How host logs are written: pino's JSON lines, or one readable line per entry. */
export type LogFormat = 'json' | 'pretty';

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields every pino line has, shown elsewhere in a pretty line or not at all. */
const FRAMING_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'plugin', 'surface']);

/**
 * Renders one pino JSON line for people: time, level, `[plugin]`, message, then the remaining fields as
 * compact JSON. Lines that are not pino JSON pass through unchanged.
 */
export function prettyLogLine(line: string, colors: Colors): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const name = LEVEL_NAMES[level] ?? String(level);
  const paint =
    level >= 50 ? colors.red : level >= 40 ? colors.yellow : level >= 30 ? colors.cyan : colors.dim;
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const origin = entry.plugin ?? entry.surface;
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) if (!FRAMING_FIELDS.has(key)) rest[key] = value;
  const error = rest.err as { message?: unknown; code?: unknown } | undefined;
  if (error !== undefined && typeof error === 'object') {
    delete rest.err;
    rest.error = [error.code, error.message].filter((part) => part !== undefined).join(': ');
  }
  const extra = Object.keys(rest).length === 0 ? '' : ` ${colors.dim(JSON.stringify(rest))}`;
  return `${colors.dim(time)} ${paint(name.padEnd(5))} ${origin === undefined ? '' : `${colors.magenta(`[${String(origin)}]`)} `}${String(entry.msg ?? '')}${extra}\n`;
}

/**
 * The host's logger for `trellis start` and `trellis dev`: pino at `level`, writing to `stream` (stderr,
 * keeping stdout for the CLI's own lines) as JSON or pretty lines. A ready pino logger in the config file
 * is used as it is.
 */
export function createHostLogger(
  input: LoggerInput | undefined,
  options: {
    readonly level?: string;
    readonly format: LogFormat;
    readonly stream: OutputStream;
    readonly colors: Colors;
  },
): Logger {
  if (input !== undefined && typeof (input as Logger).child === 'function') return input as Logger;
  const settings = (input ?? {}) as LoggerOptions;
  const destination =
    options.format === 'pretty'
      ? { write: (line: string) => options.stream.write(prettyLogLine(line, options.colors)) }
      : { write: (line: string) => options.stream.write(line) };
  return pino(
    { name: 'trellis', ...settings, level: options.level ?? settings.level ?? 'info' },
    destination,
  );
}
