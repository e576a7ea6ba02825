import { type Command, InvalidArgumentError, Option } from 'commander';
import { GRAPH_FORMATS } from '../graph/format-graph.js';

/** Parses `--port`: a whole number from 0 to 65535 (commander reports anything else as a usage error). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535)
    throw new InvalidArgumentError('expected a whole number from 0 to 65535.');
  return port;
}

/** Parses a duration in ms: a whole number, 0 or more. */
export function parseMilliseconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number of milliseconds.');
  return Number(value);
}

/** The log levels `--log-level` accepts. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** `-c, --config <file>`: every command that reads the project has it. */
export function withConfigOption(command: Command): Command {
  return command.option(
    '-c, --config <file>',
    'the config file (default: trellis.config.* found from the working directory)',
  );
}

/** `--json`: machine-readable output on stdout. */
export function withJsonOption(command: Command): Command {
  return command.option('--json', 'print JSON on stdout (for scripts)');
}

/** The options of commands that talk to a running host's admin API. */
export function withAdminOptions(command: Command, urlOptional: boolean): Command {
  return command
    .option(
      urlOptional ? '--url [url]' : '--url <url>',
      urlOptional
        ? 'ask a running host (the project\'s own when no url is given: see "Finding the host" in the README)'
        : "the running host (default: TRELLIS_URL, then the one the project started, then the config's address)",
    )
    .option(
      '--token <token>',
      'admin token (default: TRELLIS_ADMIN_TOKEN, then adminToken, then .trellis/admin-token)',
    );
}

/** The options `trellis start` and `trellis dev` share. */
export function withServeOptions(command: Command, streamIsTerminal: boolean): Command {
  return withConfigOption(command)
    .option(
      '-p, --port <port>',
      'port of the HTTP gateway (0 picks a free one; default: TRELLIS_PORT, http.port, 3000)',
      parsePort,
    )
    .option('--host <host>', 'interface to listen on (default: TRELLIS_HOST, http.host, 127.0.0.1)')
    .addOption(
      new Option(
        '--log-level <level>',
        'host log level (default: TRELLIS_LOG_LEVEL, logger.level, info)',
      ).choices(LOG_LEVELS),
    )
    .addOption(
      new Option('--log-format <format>', 'host log lines as pino JSON or readable text')
        .choices(['json', 'pretty'])
        .default(streamIsTerminal ? 'pretty' : 'json'),
    )
    .option('--strict', 'refuse to start when any plugin is broken or fails to start');
}

/** `--format` of `trellis graph`. */
export function graphFormatOption(): Option {
  return new Option('-f, --format <format>', 'output format').choices(GRAPH_FORMATS).default('text');
}
