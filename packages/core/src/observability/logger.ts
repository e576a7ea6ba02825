import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line, at any of the first three levels of a logged object. */
export const REDACTED_KEYS = [
  'password',
  'passphrase',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'clientSecret',
  'authorization',
  'Authorization',
  'cookie',
  'apiKey',
  'api_key',
  'privateKey',
] as const;

const REDACTED_PATHS = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

let defaultRoot: Logger | undefined;

/**
 * Hosts configured with a level alone share one root logger and get a child with their level: building
 * a pino root (its stdout stream, its compiled redaction) costs milliseconds, and tests or CLIs create
 * many hosts in one process.
 */
function sharedRoot(): Logger {
  defaultRoot ??= pino({
    name: 'trellis',
    level: 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  });
  return defaultRoot;
}

/** What `createHost({ logger })` accepts: a ready pino logger, or options for the one the host makes. */
export type LoggerInput = Logger | LoggerOptions;

function isLogger(value: LoggerInput): value is Logger {
  return typeof (value as Logger).child === 'function' && typeof (value as Logger).info === 'function';
}

/**
 * The host's root logger. Secrets are redacted by default, in a logger the host makes and in one it is
 * given (through a child that adds the redaction); extra `redact` paths in options are added to the
 * defaults, never replacing them, so a custom config cannot switch redaction off by accident.
 */
export function createLogger(input: LoggerInput = {}): Logger {
  if (isLogger(input)) return input.child({}, { redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
  const { level, ...custom } = input;
  if (Object.keys(custom).length === 0) return sharedRoot().child({}, { level: level ?? 'info' });
  const extraPaths = Array.isArray(input.redact) ? input.redact : (input.redact?.paths ?? []);
  return pino({
    name: 'trellis',
    level: 'info',
    ...input,
    redact: { paths: [...REDACTED_PATHS, ...extraPaths], censor: '[redacted]' },
  });
}
