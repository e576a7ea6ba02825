import type { GraphNode } from '@trellis/core';
import picocolors from 'picocolors';
import { describe, expect, it } from 'vitest';
import {
  formatDot,
  formatGraph,
  formatMermaid,
  formatText,
  graphReport,
} from '../../src/graph/format-graph.js';

const plain = picocolors.createColors(false);

function node(
  name: string,
  dependencies: Record<string, string> = {},
  optional: Record<string, string> = {},
  version = '1.0.0',
): GraphNode {
  return { name, version, dependencies, optionalDependencies: optional };
}

const shop = [
  node('store', {}, {}, '1.2.0'),
  node('users', { store: '^1.0.0' }),
  node('orders', { users: '^1.0.0', store: '^2.0.0' }, { audit: '*' }),
  node('billing', { ledger: '^1.0.0' }),
  node('a', { b: '*' }),
  node('b', { a: '*' }),
];

describe('graphReport', () => {
  it('classifies every declared dependency and finds the boot batches and cycles', () => {
    const report = graphReport(shop);
    expect(report.edges).toEqual([
      { from: 'users', to: 'store', range: '^1.0.0', optional: false, status: 'ok' },
      { from: 'orders', to: 'users', range: '^1.0.0', optional: false, status: 'ok' },
      { from: 'orders', to: 'store', range: '^2.0.0', optional: false, status: 'version' },
      { from: 'orders', to: 'audit', range: '*', optional: true, status: 'absent' },
      { from: 'billing', to: 'ledger', range: '^1.0.0', optional: false, status: 'missing' },
      { from: 'a', to: 'b', range: '*', optional: false, status: 'ok' },
      { from: 'b', to: 'a', range: '*', optional: false, status: 'ok' },
    ]);
    expect(report.batches).toEqual([['store', 'billing'], ['users'], ['orders']]);
    expect(report.cycles).toEqual([['a', 'b', 'a']]);
    expect(report.problems.map((problem) => [problem.plugin, problem.code])).toEqual([
      ['orders', 'E_DEPENDENCY_VERSION'],
      ['billing', 'E_DEPENDENCY_MISSING'],
    ]);
  });

  it('is empty for no plugins', () => {
    expect(graphReport([])).toEqual({ nodes: [], edges: [], batches: [], cycles: [], problems: [] });
    expect(formatText(graphReport([]), plain)).toBe('No plugins found.\n');
  });
});

describe('graph formats', () => {
  const report = graphReport(shop);

  it('prints text with dependencies, boot order, cycles and problems', () => {
    const text = formatText(report, plain);
    expect(text).toContain(
      '  orders@1.0.0\n    ├─ users ^1.0.0\n    ├─ store ^2.0.0 (wrong version)\n    └─ audit *, optional (absent)',
    );
    expect(text).toContain('Boot order\n  1. store, billing\n  2. users\n  3. orders');
    expect(text).toContain('Cycles\n  a -> b -> a');
    expect(text).toContain('billing: E_DEPENDENCY_MISSING');
  });

  it('prints a Mermaid flowchart with ids for any plugin name', () => {
    const mermaid = formatMermaid(
      graphReport([node('@acme/users', { '@acme/store': '^1.0.0' }), node('@acme/store')]),
    );
    expect(mermaid).toBe(
      [
        'flowchart TD',
        '  p0["@acme/users@1.0.0"]',
        '  p1["@acme/store@1.0.0"]',
        '  p0 -->|"^1.0.0"| p1',
        '',
      ].join('\n'),
    );
    const full = formatMermaid(report);
    expect(full).toContain('-.->|"*"|');
    expect(full).toMatch(/p\d+\["ledger \(not found\)"\]/);
    expect(full).toContain('linkStyle 2 stroke:#d33');
  });

  it('prints a Graphviz digraph with quoted names', () => {
    const dot = formatDot(report);
    expect(dot.startsWith('digraph trellis {\n')).toBe(true);
    expect(dot.endsWith('}\n')).toBe(true);
    expect(dot).toContain('"orders" -> "store" [label="^2.0.0", color=red];');
    expect(dot).toContain('"orders" -> "audit" [label="*", style=dashed];');
    expect(dot).toContain('"ledger" [label="ledger (not found)", style=dashed, color=red];');
    expect(formatDot(graphReport([node('we"ird')]))).toContain('"we\\"ird" [label="we\\"ird@1.0.0"];');
  });

  it('dispatches on the format', () => {
    expect(formatGraph(report, 'dot', plain)).toBe(formatDot(report));
    expect(formatGraph(report, 'mermaid', plain)).toBe(formatMermaid(report));
    expect(formatGraph(report, 'text', plain)).toBe(formatText(report, plain));
  });
});
