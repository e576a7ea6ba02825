/** One plugin as the boot tree shows it. */
export interface BootTreeNode {
  readonly name: string;
  readonly state: string;
  /** When its setup started, in ms since the boot began (undefined if it never started). */
  readonly startedAtMs: number | undefined;
  readonly setupMs: number | undefined;
  /** Its dependencies; the one that finished last is drawn as its parent. */
  readonly dependencies: readonly string[];
  readonly errorCode: string | undefined;
}

/**
 * Draws the boot as a tree, like avvio's time-tree but for a dependency graph: each plugin hangs under
 * the dependency that finished last (the one it actually waited for), so the deepest branch is the
 * boot's critical path. Each line shows the setup time and when it started.
 */
export function formatBootTree(totalMs: number, nodes: readonly BootTreeNode[]): string {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const finishedAt = (node: BootTreeNode) => (node.startedAtMs ?? 0) + (node.setupMs ?? 0);
  const children = new Map<string | undefined, BootTreeNode[]>();
  for (const node of nodes) {
    let parent: BootTreeNode | undefined;
    for (const dependency of node.dependencies) {
      const candidate = byName.get(dependency);
      if (candidate !== undefined && (parent === undefined || finishedAt(candidate) > finishedAt(parent)))
        parent = candidate;
    }
    const siblings = children.get(parent?.name) ?? [];
    siblings.push(node);
    children.set(parent?.name, siblings);
  }
  const rows: Array<[label: string, text: string]> = [];
  const draw = (parent: string | undefined, indent: string) => {
    const list = (children.get(parent) ?? []).sort(
      (first, second) => (first.startedAtMs ?? Infinity) - (second.startedAtMs ?? Infinity),
    );
    list.forEach((node, index) => {
      const last = index === list.length - 1;
      rows.push([`${indent}${last ? '└─ ' : '├─ '}${node.name}`, describe(node)]);
      draw(node.name, `${indent}${last ? '   ' : '│  '}`);
    });
  };
  draw(undefined, '');
  const width = Math.max(0, ...rows.map(([label]) => label.length)) + 2;
  const lines = [
    `host booted ${nodes.length} plugin${nodes.length === 1 ? '' : 's'} in ${formatMs(totalMs)}`,
  ];
  for (const [label, text] of rows) lines.push(`${label.padEnd(width)}${text}`.trimEnd());
  return lines.join('\n');
}

function describe(node: BootTreeNode): string {
  const timing =
    node.setupMs === undefined
      ? ''
      : `${formatMs(node.setupMs)} (started at +${formatMs(node.startedAtMs ?? 0)})`;
  const state =
    node.state === 'running'
      ? ''
      : ` [${node.state}${node.errorCode === undefined ? '' : `: ${node.errorCode}`}]`;
  return `${timing}${state}`.trim();
}

function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${Math.round(ms)} ms`;
}
