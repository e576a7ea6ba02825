import type { Command } from 'commander';
import type { CommandContext } from '../cli/command-context.js';
import { EXIT_CODES } from '../cli/exit-codes.js';
import { parsePort, withConfigOption, withJsonOption } from '../cli/options.js';
import { runDoctor } from '../doctor/doctor.js';
import { hasErrors, problemToJson } from '../problems/problem.js';

interface DoctorFlags {
  readonly config?: string;
  readonly json?: boolean;
  readonly port?: number;
  readonly host?: string;
}

/** `trellis doctor`. */
export function registerDoctor(
  program: Command,
  context: CommandContext,
  builtinCommands: () => ReadonlySet<string>,
): void {
  withJsonOption(
    withConfigOption(
      program
        .command('doctor')
        .description('check the project without starting it; exits 1 when it finds problems')
        .option('-p, --port <port>', 'check this port instead of the configured one', parsePort)
        .option('--host <host>', 'check this interface instead of the configured one'),
    ),
  )
    .addHelpText(
      'after',
      "\nChecks: the config file; each plugin package (manifest, entry, code, commands); the dependency graph\n(cycles, missing and incompatible plugins, host API); each plugin's config (environment over file) against\nits schema; whether the port is free and the state store writable.\n\nExample:\n  $ trellis doctor --json | jq '.problems[].message'",
    )
    .action(async (flags: DoctorFlags) => {
      const { out } = context;
      const spinner = out.spinner('Checking the project…');
      const report = await runDoctor({
        cwd: out.io.cwd,
        env: out.io.env,
        configFile: flags.config,
        flags: { port: flags.port, host: flags.host },
        builtinCommands: builtinCommands(),
        onLoaded: (plugin) => spinner.update(`Checked ${plugin}`),
      }).finally(() => spinner.stop());
      const failed = hasErrors(report.problems);
      context.setExitCode(failed ? EXIT_CODES.failed : EXIT_CODES.ok);
      const plugins = report.inspected?.loaded.map((entry) => entry.plugin.manifest.name) ?? [];
      if (flags.json === true) {
        out.json({ ok: !failed, plugins, problems: report.problems.map(problemToJson) });
        return;
      }
      for (const problem of report.problems) out.problem(problem);
      const errorsFound = report.problems.filter((problem) => problem.severity === 'error').length;
      const warnings = report.problems.length - errorsFound;
      const summary = `${plugins.length} plugin${plugins.length === 1 ? '' : 's'} checked`;
      if (report.problems.length === 0) out.success(`no problems found (${summary})`);
      else
        out.note(
          `${failed ? out.errorColors.red('✖') : out.errorColors.yellow('⚠')} ${errorsFound} error${errorsFound === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} (${summary})`,
        );
    });
}
