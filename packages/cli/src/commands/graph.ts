import type { Command } from 'commander';
import type { CommandContext } from '../cli/command-context.js';
import { graphFormatOption, withConfigOption, withJsonOption } from '../cli/options.js';
import { formatGraph, type GraphFormat, graphReport } from '../graph/format-graph.js';
import { problemToJson } from '../problems/problem.js';
import { openProject } from '../project/project.js';

interface GraphFlags {
  readonly config?: string;
  readonly format: GraphFormat;
  readonly json?: boolean;
}

/** `trellis graph`. */
export function registerGraph(program: Command, context: CommandContext): void {
  withJsonOption(
    withConfigOption(
      program
        .command('graph')
        .description(
          'print the dependency graph of the discovered plugins: boot order, cycles, missing plugins',
        )
        .addOption(graphFormatOption()),
    ),
  )
    .addHelpText(
      'after',
      '\nArrows point from a plugin to what it needs; dashed ones are optional.\n\nExamples:\n  $ trellis graph\n  $ trellis graph --format mermaid >> ARCHITECTURE.md\n  $ trellis graph --format dot | dot -Tsvg > plugins.svg',
    )
    .action(async (flags: GraphFlags) => {
      const { out } = context;
      const project = await openProject({ cwd: out.io.cwd, env: out.io.env, configFile: flags.config });
      const report = graphReport(project.sources.map((source) => source.manifest));
      if (flags.json === true) {
        out.json({ ...report, discoveryProblems: project.problems.map(problemToJson) });
        return;
      }
      for (const problem of project.problems) out.problem(problem);
      context.out.io.stdout.write(formatGraph(report, flags.format, out.colors));
    });
}
