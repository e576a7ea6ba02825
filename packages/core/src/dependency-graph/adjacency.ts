/**
 * The edges of a dependency graph, stored once in compressed arrays for both directions. Every graph
 * operation (ordering, traversal, cycle search) walks these arrays, so they live apart from the class
 * that answers questions about plugin names, and the algorithms can take them as a plain argument.
 */
import type { GraphNode } from './dependency-graph.js';

/**
 * Compressed adjacency of a graph whose nodes are numbered by registration index. The edges of node
 * `i` are at `[start[i], start[i + 1])` of the matching target and required arrays, sorted by the
 * registration index of the other end. An optional dependency on a registered plugin is an edge with
 * `required` 0; an absent dependency is no edge at all.
 */
export interface Adjacency {
  /** Where each node's dependency edges begin; one entry more than there are nodes. */
  readonly dependencyStart: Int32Array;
  /** The node each dependency edge leads to. */
  readonly dependencyTarget: Int32Array;
  /** 1 when the dependency edge is required, 0 when it is optional. */
  readonly dependencyRequired: Uint8Array;
  /** Where each node's dependent edges begin; one entry more than there are nodes. */
  readonly dependentStart: Int32Array;
  /** The node each dependent edge comes from: the one that depends on this node. */
  readonly dependentSource: Int32Array;
  /** 1 when the dependent edge is required, 0 when it is optional. */
  readonly dependentRequired: Uint8Array;
}

/**
 * Builds the adjacency of `nodes`, where `indexByName` maps each node's name to its position. A name
 * listed both as required and as optional dependency counts once, as required.
 */
export function buildAdjacency(
  nodes: readonly GraphNode[],
  indexByName: ReadonlyMap<string, number>,
): Adjacency {
  const count = nodes.length;
  // Each edge is encoded as target * 2 + required so one numeric sort orders a node's edges.
  const encoded: number[] = [];
  const dependencyStart = new Int32Array(count + 1);
  const scratch: number[] = [];
  for (let index = 0; index < count; index++) {
    const node = nodes[index]!;
    scratch.length = 0;
    for (const name of Object.keys(node.dependencies)) {
      const target = indexByName.get(name);
      if (target !== undefined) scratch.push(target * 2 + 1);
    }
    for (const name of Object.keys(node.optionalDependencies)) {
      const target = indexByName.get(name);
      if (target !== undefined && !Object.hasOwn(node.dependencies, name)) scratch.push(target * 2);
    }
    sortSmall(scratch);
    for (const edge of scratch) encoded.push(edge);
    dependencyStart[index + 1] = encoded.length;
  }
  const edgeCount = encoded.length;
  const dependencyTarget = new Int32Array(edgeCount);
  const dependencyRequired = new Uint8Array(edgeCount);
  const dependentStart = new Int32Array(count + 1);
  for (let edge = 0; edge < edgeCount; edge++) {
    dependencyTarget[edge] = encoded[edge]! >>> 1;
    dependencyRequired[edge] = encoded[edge]! & 1;
    dependentStart[dependencyTarget[edge]! + 1]!++;
  }
  for (let index = 0; index < count; index++) dependentStart[index + 1]! += dependentStart[index]!;
  const cursor = dependentStart.slice(0, count);
  const dependentSource = new Int32Array(edgeCount);
  const dependentRequired = new Uint8Array(edgeCount);
  // Visiting sources in registration order keeps each dependents list sorted without a sort.
  for (let source = 0; source < count; source++) {
    for (let edge = dependencyStart[source]!; edge < dependencyStart[source + 1]!; edge++) {
      const position = cursor[dependencyTarget[edge]!]!++;
      dependentSource[position] = source;
      dependentRequired[position] = dependencyRequired[edge]!;
    }
  }
  return {
    dependencyStart,
    dependencyTarget,
    dependencyRequired,
    dependentStart,
    dependentSource,
    dependentRequired,
  };
}

/** How many nodes a membership array (1 per member, 0 otherwise) holds. */
export function countMembers(member: Uint8Array): number {
  let total = 0;
  for (const flag of member) total += flag;
  return total;
}

/**
 * For each member, how many of its edges in one direction (`start`/`target`: dependencies or
 * dependents) lead to other members: what it still waits for before it may be ordered or visited.
 */
export function pendingCounts(member: Uint8Array, start: Int32Array, target: Int32Array): Int32Array {
  const pending = new Int32Array(member.length);
  for (let index = 0; index < member.length; index++) {
    if (!member[index]) continue;
    let total = 0;
    for (let edge = start[index]!; edge < start[index + 1]!; edge++) total += member[target[edge]!]!;
    pending[index] = total;
  }
  return pending;
}

/**
 * Sorts numbers in place by insertion: a node has a handful of edges, and `Array.prototype.sort` with a
 * comparator copies its input on every call, which showed as the largest allocation of a 1000-plugin boot.
 */
function sortSmall(values: number[]): void {
  for (let index = 1; index < values.length; index++) {
    const value = values[index]!;
    let position = index - 1;
    while (position >= 0 && values[position]! > value) {
      values[position + 1] = values[position]!;
      position--;
    }
    values[position + 1] = value;
  }
}
