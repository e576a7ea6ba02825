/**
 * Finding dependency cycles and writing them as paths users can act on. The search (Tarjan's
 * strongly connected components, then a cover of each component by simple cycles) is the most
 * intricate part of the graph and runs only when something is wrong, so it lives on its own. Every
 * step is iterative: deep graphs cannot overflow the stack.
 */
import type { Adjacency } from './adjacency.js';

/**
 * The dependency cycles of the graph, each as a path of names in dependency direction with its first
 * node repeated last; a self-dependency is `['a', 'a']`. Every node on any cycle appears in at least
 * one path, each path starts at its earliest-registered node, and paths are ordered by that node.
 */
export function circularDependencies(adjacency: Adjacency, names: readonly string[]): string[][] {
  const count = names.length;
  const { dependencyStart, dependencyTarget } = adjacency;
  const component = stronglyConnectedComponents(adjacency, count);
  const groups: number[][] = [];
  for (let index = 0; index < count; index++) {
    const id = component[index]!;
    if (groups[id] === undefined) groups[id] = [index];
    else groups[id].push(index);
  }
  const cycles: number[][] = [];
  const covered = new Uint8Array(count);
  const fromRoot = new Int32Array(count);
  const toRoot = new Int32Array(count);
  const mark = new Int32Array(count);
  const position = new Int32Array(count);
  const queue = new Int32Array(count);
  let stamp = 0;
  for (const group of groups) {
    for (const index of group) {
      for (let edge = dependencyStart[index]!; edge < dependencyStart[index + 1]!; edge++) {
        if (dependencyTarget[edge] !== index) continue;
        cycles.push([index, index]);
        covered[index] = 1;
      }
    }
    if (group.length < 2) continue;
    // Shortest-path trees from and to the component's earliest node give, for any other node, a
    // closed walk through it; cycleThrough cuts a simple cycle out of that walk near the node.
    const root = group[0]!;
    breadthFirst(adjacency, root, component, true, fromRoot, queue, mark, ++stamp);
    breadthFirst(adjacency, root, component, false, toRoot, queue, mark, ++stamp);
    for (const target of group) {
      if (covered[target]) continue;
      stamp += 2;
      const cycle =
        target === root
          ? cycleThroughRoot(adjacency, root, component, fromRoot)
          : cycleThrough(target, root, fromRoot, toRoot, mark, position, stamp);
      for (const index of cycle) covered[index] = 1;
      cycles.push(cycle);
    }
  }
  return cycles
    .map((cycle) => rotateToEarliest(cycle))
    .sort((left, right) => left[0]! - right[0]!)
    .map((cycle) => cycle.map((index) => names[index]!));
}

/**
 * One cycle among the members Kahn's algorithm could not order (`ordered` is what it did order), as
 * a path of names starting and ending at its earliest-registered node. Each unordered member has a
 * dependency among them (else it would have been ordered), so following those edges must loop.
 */
export function unorderedCycle(
  adjacency: Adjacency,
  names: readonly string[],
  member: Uint8Array,
  ordered: Int32Array,
): string[] {
  const { dependencyStart, dependencyTarget } = adjacency;
  const left = member.slice();
  for (const index of ordered) left[index] = 0;
  const position = new Int32Array(left.length).fill(-1);
  const path: number[] = [];
  let current = left.indexOf(1);
  while (position[current] === -1) {
    position[current] = path.length;
    path.push(current);
    let edge = dependencyStart[current]!;
    while (!left[dependencyTarget[edge]!]) edge++;
    current = dependencyTarget[edge]!;
  }
  const cycle = [...path.slice(position[current]!), current];
  return rotateToEarliest(cycle).map((index) => names[index]!);
}

/** root → … → p → root, where p is the first other node of root's component that depends on root. */
function cycleThroughRoot(
  adjacency: Adjacency,
  root: number,
  component: Int32Array,
  fromRoot: Int32Array,
): number[] {
  const { dependentStart, dependentSource } = adjacency;
  let edge = dependentStart[root]!;
  for (; ; edge++) {
    const dependent = dependentSource[edge]!;
    if (dependent !== root && component[dependent] === component[root]) break;
  }
  const path: number[] = [];
  for (let step = dependentSource[edge]!; step !== root; step = fromRoot[step]!) path.push(step);
  path.push(root);
  path.reverse();
  path.push(root);
  return path;
}

/**
 * Breadth-first search from `root` inside its component, along dependencies (`forward`) or
 * dependents; `link[x]` is the node x was reached from. `mark[x] === stamp` means reached in
 * this search, so the array never needs clearing.
 */
function breadthFirst(
  adjacency: Adjacency,
  root: number,
  component: Int32Array,
  forward: boolean,
  link: Int32Array,
  queue: Int32Array,
  mark: Int32Array,
  stamp: number,
): void {
  const start = forward ? adjacency.dependencyStart : adjacency.dependentStart;
  const target = forward ? adjacency.dependencyTarget : adjacency.dependentSource;
  const id = component[root]!;
  let tail = 0;
  queue[tail++] = root;
  mark[root] = stamp;
  for (let head = 0; head < tail; head++) {
    const index = queue[head]!;
    for (let edge = start[index]!; edge < start[index + 1]!; edge++) {
      const next = target[edge]!;
      if (component[next] !== id || mark[next] === stamp) continue;
      mark[next] = stamp;
      link[next] = index;
      queue[tail++] = next;
    }
  }
}

/** Tarjan's algorithm with an explicit call stack; returns each node's component id. */
function stronglyConnectedComponents(adjacency: Adjacency, count: number): Int32Array {
  const start = adjacency.dependencyStart;
  const target = adjacency.dependencyTarget;
  const order = new Int32Array(count).fill(-1);
  const lowLink = new Int32Array(count);
  const onStack = new Uint8Array(count);
  const stack = new Int32Array(count);
  const callNode = new Int32Array(count);
  const callEdge = new Int32Array(count);
  const component = new Int32Array(count);
  let stackSize = 0;
  let counter = 0;
  let components = 0;
  let depth = 0;
  const enter = (index: number): void => {
    order[index] = lowLink[index] = counter++;
    stack[stackSize++] = index;
    onStack[index] = 1;
    callNode[depth] = index;
    callEdge[depth++] = start[index]!;
  };
  for (let root = 0; root < count; root++) {
    if (order[root] !== -1) continue;
    enter(root);
    while (depth > 0) {
      const index = callNode[depth - 1]!;
      const edge = callEdge[depth - 1]!;
      if (edge < start[index + 1]!) {
        callEdge[depth - 1] = edge + 1;
        const next = target[edge]!;
        if (order[next] === -1) enter(next);
        else if (onStack[next]) lowLink[index] = Math.min(lowLink[index]!, order[next]!);
        continue;
      }
      depth--;
      if (lowLink[index] === order[index]) {
        let popped: number;
        do {
          popped = stack[--stackSize]!;
          onStack[popped] = 0;
          component[popped] = components;
        } while (popped !== index);
        components++;
      }
      if (depth > 0) {
        const parent = callNode[depth - 1]!;
        lowLink[parent] = Math.min(lowLink[parent]!, lowLink[index]!);
      }
    }
  }
  return component;
}

/**
 * A simple cycle through `target`. `ahead` follows shortest paths target → root (`toRoot`), `behind`
 * follows root → target backwards (`fromRoot`); both end at root, so stepping them in turn they meet
 * at some node m. Everything walked before meeting is distinct, so behind reversed from m to target,
 * then ahead from target to m, is a simple cycle, found in time proportional to its length.
 * `stamp - 1` and `stamp` must be marks never used before.
 */
function cycleThrough(
  target: number,
  root: number,
  fromRoot: Int32Array,
  toRoot: Int32Array,
  mark: Int32Array,
  position: Int32Array,
  stamp: number,
): number[] {
  const ahead = [target];
  const behind = [target];
  const close = (aheadEnd: number, behindEnd: number): number[] => [
    ...behind.slice(0, behindEnd + 1).reverse(),
    ...ahead.slice(1, aheadEnd + 1),
  ];
  mark[target] = 0;
  for (let aheadNode = target, behindNode = target; ; ) {
    if (aheadNode !== root) {
      aheadNode = toRoot[aheadNode]!;
      ahead.push(aheadNode);
      if (mark[aheadNode] === stamp) return close(ahead.length - 1, position[aheadNode]!);
      mark[aheadNode] = stamp - 1;
      position[aheadNode] = ahead.length - 1;
    }
    if (behindNode !== root) {
      behindNode = fromRoot[behindNode]!;
      behind.push(behindNode);
      if (mark[behindNode] === stamp - 1) return close(position[behindNode]!, behind.length - 1);
      mark[behindNode] = stamp;
      position[behindNode] = behind.length - 1;
    }
  }
}

/** Rotates a cycle (first node repeated last) to start at its earliest-registered node. */
function rotateToEarliest(cycle: readonly number[]): number[] {
  const open = cycle.slice(0, -1);
  let earliest = 0;
  for (let position = 1; position < open.length; position++) {
    if (open[position]! < open[earliest]!) earliest = position;
  }
  const rotated = [...open.slice(earliest), ...open.slice(0, earliest)];
  rotated.push(rotated[0]!);
  return rotated;
}
