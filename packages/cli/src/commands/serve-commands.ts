import type { Command } from 'commander';
import type { CommandContext } from '../cli/command-context.js';
import { EXIT_CODES } from '../cli/exit-codes.js';
import { parseMilliseconds, withServeOptions } from '../cli/options.js';
import type { LogFormat } from '../output/log-stream.js';
import type { ServeOptions } from '../runtime/serve.js';

interface ServeFlags {
  readonly config?: string;
  readonly port?: number;
  readonly host?: string;
  readonly logLevel?: string;
  readonly logFormat: LogFormat;
  readonly strict?: boolean;
  readonly debounce?: number;
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Resolves on the first SIGINT or SIGTERM. A second signal while shutting down exits at once: whoever
 * presses Ctrl-C twice wants out now, even if a plugin's teardown hangs.
 */
function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals) => {
      for (const name of SHUTDOWN_SIGNALS) {
        process.off(name, first);
        process.once(name, () => process.exit(EXIT_CODES.failed));
      }
      resolve(signal);
    };
    for (const name of SHUTDOWN_SIGNALS) process.on(name, first);
  });
}

function serveOptions(context: CommandContext, flags: ServeFlags): ServeOptions {
  return {
    out: context.out,
    configFile: flags.config,
    flags: { port: flags.port, host: flags.host, logLevel: flags.logLevel },
    strict: flags.strict === true,
    logFormat: flags.logFormat,
  };
}

async function stopping(
  context: CommandContext,
  signal: NodeJS.Signals,
  stop: () => Promise<unknown>,
): Promise<void> {
  context.out.note(context.out.errorColors.dim(`${signal}: stopping…`));
  await stop();
  context.out.success('stopped');
  context.setExitCode(EXIT_CODES.ok);
}

/** `trellis start` and `trellis dev`. */
export function registerServe(program: Command, context: CommandContext): void {
  const terminal = context.out.io.stderr.isTTY === true;
  withServeOptions(
    program
      .command('start')
      .description('run the host: discovered plugins, HTTP gateway, SQLite state and the admin API'),
    terminal,
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ trellis start\n  $ TRELLIS_HELLO_GREETING=Hi trellis start --port 8080 --log-format json',
    )
    .action(async (flags: ServeFlags) => {
      // Loaded here, not at the top: the gateway and store cost more to import than most commands take.
      const { serve } = await import('../runtime/serve.js');
      const serving = await serve(serveOptions(context, flags));
      const signal = await shutdownSignal();
      await stopping(context, signal, () => serving.stop());
    });

  withServeOptions(
    program
      .command('dev')
      .description('run the host like start, and reload each plugin when its files change'),
    terminal,
  )
    .option(
      '--debounce <ms>',
      'wait this long after the last change before reloading',
      parseMilliseconds,
      100,
    )
    .addHelpText('after', '\nExample:\n  $ trellis dev --port 0')
    .action(async (flags: ServeFlags) => {
      const { DevServer } = await import('../dev/dev-server.js');
      const server = await DevServer.start({
        ...serveOptions(context, flags),
        debounceMs: flags.debounce ?? 100,
      });
      const signal = await shutdownSignal();
      await stopping(context, signal, () => server.close());
    });
}
