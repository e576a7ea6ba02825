import { DependencyGraph, type GraphNode } from '@trellis/core';
import type { Colors } from '../output/colors.js';

/** The formats `trellis graph --format` prints. */
export const GRAPH_FORMATS = ['text', 'mermaid', 'dot'] as const;

/** One of {@link GRAPH_FORMATS}. */
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

/** One declared dependency: `from` needs `to`. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly range: string;
  readonly optional: boolean;
  /** `ok`, `missing` (required and absent), `absent` (optional and absent), or `version` (present, wrong version). */
  readonly status: 'ok' | 'missing' | 'absent' | 'version';
}

/** The dependency graph as `trellis graph --json` prints it. */
export interface GraphReport {
  readonly nodes: ReadonlyArray<{ readonly name: string; readonly version: string }>;
  readonly edges: readonly GraphEdge[];
  /** Boot batches: each plugin's dependencies are in earlier batches. Plugins on or behind a cycle are left out. */
  readonly batches: readonly (readonly string[])[];
  /** Each cycle as a path whose first plugin is repeated last. */
  readonly cycles: readonly (readonly string[])[];
  readonly problems: ReadonlyArray<{
    readonly plugin: string;
    readonly code: string;
    readonly message: string;
  }>;
}

/**
 * Analyses the plugins' declared dependencies with the kernel's own graph, so what is printed is what a
 * host would do: its boot batches, cycles, and missing or incompatible dependencies.
 */
export function graphReport(nodes: readonly GraphNode[]): GraphReport {
  const graph = new DependencyGraph(nodes);
  const problems = graph.findUnsatisfiedDependencies();
  const wrongVersion = new Set(
    problems
      .filter((problem) => problem.error.code === 'E_DEPENDENCY_VERSION')
      .map((problem) => `${problem.plugin}\u0000${String(problem.error.details.dependency)}`),
  );
  const edges: GraphEdge[] = [];
  for (const node of nodes) {
    const declared = [
      ...Object.entries(node.dependencies).map(([to, range]) => ({ to, range, optional: false })),
      ...Object.entries(node.optionalDependencies)
        .filter(([to]) => !Object.hasOwn(node.dependencies, to))
        .map(([to, range]) => ({ to, range, optional: true })),
    ];
    for (const { to, range, optional } of declared) {
      const status = !graph.has(to)
        ? optional
          ? 'absent'
          : 'missing'
        : wrongVersion.has(`${node.name}\u0000${to}`)
          ? 'version'
          : 'ok';
      edges.push({ from: node.name, to, range, optional, status });
    }
  }
  return {
    nodes: nodes.map((node) => ({ name: node.name, version: node.version })),
    edges,
    batches: graph.batches(),
    cycles: graph.detectCircularDependencies(),
    problems: problems.map((problem) => ({
      plugin: problem.plugin,
      code: problem.error.code,
      message: problem.error.message,
    })),
  };
}

function edgeLabel(edge: GraphEdge): string {
  const suffix =
    edge.status === 'ok' ? '' : ` (${edge.status === 'version' ? 'wrong version' : edge.status})`;
  return `${edge.range}${edge.optional ? ', optional' : ''}${suffix}`;
}

/** A text rendering: each plugin with what it needs, then the boot batches, cycles and problems. */
export function formatText(report: GraphReport, colors: Colors): string {
  const lines: string[] = [];
  if (report.nodes.length === 0) return 'No plugins found.\n';
  lines.push(colors.bold('Dependencies'));
  for (const node of report.nodes) {
    lines.push(`  ${colors.cyan(node.name)}@${node.version}`);
    const edges = report.edges.filter((edge) => edge.from === node.name);
    edges.forEach((edge, index) => {
      const branch = index === edges.length - 1 ? '└─' : '├─';
      const label = edgeLabel(edge);
      const painted =
        edge.status === 'ok' || edge.status === 'absent' ? colors.dim(label) : colors.red(label);
      lines.push(`    ${branch} ${edge.to} ${painted}`);
    });
  }
  lines.push('', colors.bold('Boot order'));
  report.batches.forEach((batch, index) => {
    lines.push(`  ${index + 1}. ${batch.join(', ')}`);
  });
  if (report.cycles.length > 0) {
    lines.push('', colors.bold(colors.red('Cycles')));
    for (const cycle of report.cycles) lines.push(`  ${cycle.join(' -> ')}`);
  }
  if (report.problems.length > 0) {
    lines.push('', colors.bold(colors.red('Problems')));
    for (const problem of report.problems) lines.push(`  ${problem.plugin}: ${problem.code}`);
  }
  return `${lines.join('\n')}\n`;
}

function quoted(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * A Mermaid flowchart (paste it into Markdown): an arrow from each plugin to what it needs, dashed for
 * optional dependencies, missing plugins in red, cycle edges in red.
 */
export function formatMermaid(report: GraphReport): string {
  const ids = new Map<string, string>();
  const id = (name: string) => {
    let found = ids.get(name);
    if (found === undefined) {
      found = `p${ids.size}`;
      ids.set(name, found);
    }
    return found;
  };
  const label = (text: string) => text.replaceAll('"', '#quot;');
  const lines = ['flowchart TD'];
  for (const node of report.nodes)
    lines.push(`  ${id(node.name)}["${label(`${node.name}@${node.version}`)}"]`);
  const missing = new Set<string>();
  for (const edge of report.edges) {
    if (edge.status === 'missing' || edge.status === 'absent') {
      if (!missing.has(edge.to)) lines.push(`  ${id(edge.to)}["${label(`${edge.to} (not found)`)}"]`);
      missing.add(edge.to);
    }
  }
  const cycleEdges = cycleEdgeSet(report);
  report.edges.forEach((edge) => {
    const arrow = edge.optional ? '-.->' : '-->';
    lines.push(`  ${id(edge.from)} ${arrow}|"${label(edge.range)}"| ${id(edge.to)}`);
  });
  for (const name of missing) lines.push(`  style ${id(name)} stroke:#d33,stroke-dasharray:4`);
  report.edges.forEach((edge, index) => {
    if (edge.status === 'version' || cycleEdges.has(`${edge.from}\u0000${edge.to}`))
      lines.push(`  linkStyle ${index} stroke:#d33`);
  });
  return `${lines.join('\n')}\n`;
}

function cycleEdgeSet(report: GraphReport): Set<string> {
  const set = new Set<string>();
  for (const cycle of report.cycles)
    for (let index = 0; index + 1 < cycle.length; index++)
      set.add(`${cycle[index]}\u0000${cycle[index + 1]}`);
  return set;
}

/** A Graphviz digraph (`trellis graph --format dot | dot -Tsvg > graph.svg`). */
export function formatDot(report: GraphReport): string {
  const lines = ['digraph trellis {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
  for (const node of report.nodes)
    lines.push(`  ${quoted(node.name)} [label=${quoted(`${node.name}@${node.version}`)}];`);
  const missing = new Set(
    report.edges
      .filter((edge) => edge.status === 'missing' || edge.status === 'absent')
      .map((edge) => edge.to),
  );
  for (const name of missing)
    lines.push(`  ${quoted(name)} [label=${quoted(`${name} (not found)`)}, style=dashed, color=red];`);
  const cycleEdges = cycleEdgeSet(report);
  for (const edge of report.edges) {
    const attributes = [`label=${quoted(edge.range)}`];
    if (edge.optional) attributes.push('style=dashed');
    if (
      edge.status === 'version' ||
      edge.status === 'missing' ||
      cycleEdges.has(`${edge.from}\u0000${edge.to}`)
    )
      attributes.push('color=red');
    lines.push(`  ${quoted(edge.from)} -> ${quoted(edge.to)} [${attributes.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** Renders the report in `format`. */
export function formatGraph(report: GraphReport, format: GraphFormat, colors: Colors): string {
  if (format === 'mermaid') return formatMermaid(report);
  if (format === 'dot') return formatDot(report);
  return formatText(report, colors);
}
