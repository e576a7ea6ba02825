import semver from 'semver';
import { errors } from '../errors/errors.js';
import type { TrellisError } from '../errors/trellis-error.js';

/** One plugin as the dependency graph sees it: its identity and what it declared it needs. */
export interface GraphNode {
  /** Unique plugin name. */
  readonly name: string;
  /** The plugin's version; valid semver. */
  readonly version: string;
  /** Plugins that must be running first: name → semver range (`'*'` accepts any version). */
  readonly dependencies: Readonly<Record<string, string>>;
  /** Plugins that must be running first when they are registered: name → semver range. */
  readonly optionalDependencies: Readonly<Record<string, string>>;
}

/** A declared dependency the graph cannot honour, with the error that explains it. */
export interface GraphProblem {
  /** The plugin whose declaration is not satisfied. */
  readonly plugin: string;
  /** `E_DEPENDENCY_MISSING` or `E_DEPENDENCY_VERSION`. */
  readonly error: TrellisError;
}

/** Options of {@link DependencyGraph.parallelTopologicalTraversal}. */
export interface TraversalOptions {
  /** Restrict the traversal to these nodes; edges to nodes outside the set count as already satisfied. */
  readonly only?: ReadonlySet<string>;
  /** Nodes treated as failed before starting: never visited, and their dependents are blocked. */
  readonly exclude?: ReadonlySet<string>;
  /** Most visits in flight at once; `1` visits strictly in {@link DependencyGraph.topologicalOrder}. Unbounded by default. */
  readonly concurrency?: number;
  /** Called once for each node skipped because `blockedBy`, a required direct dependency, failed or was blocked. */
  readonly onBlocked?: (name: string, blockedBy: string) => void;
}

/** Options of {@link DependencyGraph.parallelReverseTraversal}. */
export interface ReverseTraversalOptions {
  /** Restrict the traversal to these nodes; dependents outside the set are not waited for. */
  readonly only?: ReadonlySet<string>;
  /** Most visits in flight at once; `1` visits strictly in reverse {@link DependencyGraph.topologicalOrder}. */
  readonly concurrency?: number;
}

const WAITING = 0;
const READY = 1;
const DONE = 2;

/**
 * npm's `satisfies`, except that `'*'` (what a list of dependency names means) accepts every valid
 * version, prereleases included: an author who asked for "any version" did not ask to exclude betas.
 */
function satisfiesRange(version: string, range: string): boolean {
  if (range.trim() === '*') return semver.valid(version) !== null;
  return semver.satisfies(version, range);
}

function checkConcurrency(value: number | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 1)) return value;
  throw errors.invalidArgument('concurrency', 'a positive integer', value);
}

/** Binary min-heap of small non-negative integers; orders ready nodes without sorting on every step. */
class IntegerMinHeap {
  readonly #items: Int32Array;
  #size = 0;

  constructor(capacity: number) {
    this.#items = new Int32Array(Math.max(capacity, 1));
  }

  get size(): number {
    return this.#size;
  }

  push(value: number): void {
    const items = this.#items;
    let position = this.#size++;
    while (position > 0) {
      const parent = (position - 1) >> 1;
      const parentValue = items[parent]!;
      if (parentValue <= value) break;
      items[position] = parentValue;
      position = parent;
    }
    items[position] = value;
  }

  pop(): number {
    const items = this.#items;
    const top = items[0]!;
    const last = items[--this.#size]!;
    const size = this.#size;
    let position = 0;
    for (;;) {
      let child = 2 * position + 1;
      if (child >= size) break;
      if (child + 1 < size && items[child + 1]! < items[child]!) child++;
      if (items[child]! >= last) break;
      items[position] = items[child]!;
      position = child;
    }
    if (size > 0) items[position] = last;
    return top;
  }
}

/**
 * The plugins of a host and the "must be running before" relation between them. A required
 * dependency is always an edge; an optional one only when that plugin is registered. The graph is
 * immutable: build a new one when the set of plugins changes. Adjacency is stored in compressed
 * arrays in both directions so every operation is linear in nodes plus edges (plus a log factor
 * where ties are broken by registration order).
 */
export class DependencyGraph {
  readonly #nodes: readonly GraphNode[];
  readonly #names: readonly string[];
  readonly #indexByName = new Map<string, number>();
  // Edges of node i are at [start[i], start[i + 1]), sorted by registration index of the other end.
  readonly #dependencyStart: Int32Array;
  readonly #dependencyTarget: Int32Array;
  readonly #dependencyRequired: Uint8Array;
  readonly #dependentStart: Int32Array;
  readonly #dependentSource: Int32Array;
  readonly #dependentRequired: Uint8Array;
  #fullOrder: Int32Array | undefined;
  #fullRank: Int32Array | undefined;

  /** Builds the graph; throws `E_PLUGIN_DUPLICATE` when two nodes share a name. */
  constructor(nodes: readonly GraphNode[]) {
    const count = nodes.length;
    const names = new Array<string>(count);
    for (let index = 0; index < count; index++) {
      const name = nodes[index]!.name;
      if (this.#indexByName.has(name)) throw errors.pluginDuplicate(name);
      this.#indexByName.set(name, index);
      names[index] = name;
    }
    this.#nodes = nodes;
    this.#names = Object.freeze(names);

    // Each edge is encoded as target * 2 + required so one numeric sort orders a node's edges.
    const encoded: number[] = [];
    const dependencyStart = new Int32Array(count + 1);
    const scratch: number[] = [];
    for (let index = 0; index < count; index++) {
      const node = nodes[index]!;
      scratch.length = 0;
      for (const name of Object.keys(node.dependencies)) {
        const target = this.#indexByName.get(name);
        if (target !== undefined) scratch.push(target * 2 + 1);
      }
      for (const name of Object.keys(node.optionalDependencies)) {
        const target = this.#indexByName.get(name);
        if (target !== undefined && !Object.hasOwn(node.dependencies, name)) scratch.push(target * 2);
      }
      scratch.sort((left, right) => left - right);
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
    this.#dependencyStart = dependencyStart;
    this.#dependencyTarget = dependencyTarget;
    this.#dependencyRequired = dependencyRequired;
    this.#dependentStart = dependentStart;
    this.#dependentSource = dependentSource;
    this.#dependentRequired = dependentRequired;
  }

  /** Every node's name, in registration order. */
  get names(): readonly string[] {
    return this.#names;
  }

  /** Whether a node with this name is in the graph. */
  has(name: string): boolean {
    return this.#indexByName.has(name);
  }

  /** The node with this name, as it was given to the constructor. */
  node(name: string): GraphNode | undefined {
    const index = this.#indexByName.get(name);
    return index === undefined ? undefined : this.#nodes[index];
  }

  /**
   * Every declared dependency the graph cannot honour, one problem per (plugin, dependency), in
   * registration order then declaration order: a required dependency that is absent gives
   * `E_DEPENDENCY_MISSING`; a present dependency (required or optional) whose version is outside the
   * range gives `E_DEPENDENCY_VERSION`. An absent optional dependency is not a problem. Prereleases
   * follow npm (only a range naming a prerelease of the same version admits one), except that `'*'`
   * accepts every version.
   */
  findUnsatisfiedDependencies(): GraphProblem[] {
    const problems: GraphProblem[] = [];
    for (const node of this.#nodes) {
      const plugin = node.name;
      for (const [dependency, range] of Object.entries(node.dependencies)) {
        const found = this.node(dependency);
        if (found === undefined) {
          problems.push({ plugin, error: errors.dependencyMissing(plugin, dependency, range) });
        } else if (!satisfiesRange(found.version, range)) {
          problems.push({
            plugin,
            error: errors.dependencyVersion(plugin, dependency, range, found.version),
          });
        }
      }
      for (const [dependency, range] of Object.entries(node.optionalDependencies)) {
        if (Object.hasOwn(node.dependencies, dependency)) continue;
        const found = this.node(dependency);
        if (found !== undefined && !satisfiesRange(found.version, range)) {
          problems.push({
            plugin,
            error: errors.dependencyVersion(plugin, dependency, range, found.version),
          });
        }
      }
    }
    return problems;
  }

  /**
   * The dependency cycles, each as a path in dependency direction with its first node repeated last
   * (`['a', 'b', 'c', 'a']`: a depends on b, b on c, c on a); a self-dependency is `['a', 'a']`.
   * Guarantees: every returned path is a simple cycle of real edges, and every node that lies on any
   * cycle appears in at least one path (several paths per strongly connected component when one
   * cycle cannot cover it). Each path starts at its earliest-registered node and paths are ordered
   * by that node, so the result is deterministic. Iterative throughout: deep graphs cannot overflow
   * the stack.
   */
  detectCircularDependencies(): string[][] {
    const count = this.#names.length;
    const component = this.#stronglyConnectedComponents();
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
        for (let edge = this.#dependencyStart[index]!; edge < this.#dependencyStart[index + 1]!; edge++) {
          if (this.#dependencyTarget[edge] !== index) continue;
          cycles.push([index, index]);
          covered[index] = 1;
        }
      }
      if (group.length < 2) continue;
      // Shortest-path trees from and to the component's earliest node give, for any other node, a
      // closed walk through it; cycleThrough cuts a simple cycle out of that walk near the node.
      const root = group[0]!;
      this.#breadthFirst(root, component, true, fromRoot, queue, mark, ++stamp);
      this.#breadthFirst(root, component, false, toRoot, queue, mark, ++stamp);
      for (const target of group) {
        if (covered[target]) continue;
        stamp += 2;
        const cycle =
          target === root
            ? this.#cycleThroughRoot(root, component, fromRoot)
            : cycleThrough(target, root, fromRoot, toRoot, mark, position, stamp);
        for (const index of cycle) covered[index] = 1;
        cycles.push(cycle);
      }
    }
    return cycles
      .map((cycle) => rotateToEarliest(cycle))
      .sort((left, right) => left[0]! - right[0]!)
      .map((cycle) => cycle.map((index) => this.#names[index]!));
  }

  /** The direct dependencies of a node that are in the graph (required, or optional and present), in registration order. */
  dependenciesOf(name: string): readonly string[] {
    const index = this.#require(name);
    const result: string[] = [];
    for (let edge = this.#dependencyStart[index]!; edge < this.#dependencyStart[index + 1]!; edge++) {
      result.push(this.#names[this.#dependencyTarget[edge]!]!);
    }
    return result;
  }

  /**
   * The nodes that depend on `name`: directly (registration order), or with `transitive` also
   * indirectly, in topological order (nodes on or behind a cycle last, in registration order). The
   * node itself is never included, even on a cycle. This is the set to stop before, and restart
   * after, the node when it is disabled or reloaded.
   */
  dependentsOf(name: string, options: { readonly transitive?: boolean } = {}): readonly string[] {
    const start = this.#require(name);
    const dependentStart = this.#dependentStart;
    const dependentSource = this.#dependentSource;
    if (options.transitive !== true) {
      const result: string[] = [];
      for (let edge = dependentStart[start]!; edge < dependentStart[start + 1]!; edge++) {
        result.push(this.#names[dependentSource[edge]!]!);
      }
      return result;
    }
    const seen = new Uint8Array(this.#names.length);
    const found: number[] = [];
    seen[start] = 1;
    const queue = [start];
    for (let head = 0; head < queue.length; head++) {
      const index = queue[head]!;
      for (let edge = dependentStart[index]!; edge < dependentStart[index + 1]!; edge++) {
        const dependent = dependentSource[edge]!;
        if (seen[dependent]) continue;
        seen[dependent] = 1;
        queue.push(dependent);
        found.push(dependent);
      }
    }
    const rank = this.#rank();
    const count = this.#names.length;
    const key = (index: number): number => (rank[index]! >= 0 ? rank[index]! : count + index);
    return found.sort((left, right) => key(left) - key(right)).map((index) => this.#names[index]!);
  }

  /**
   * Kahn levels of the acyclic part: batch k holds the nodes all of whose dependencies lie in
   * batches before k, in registration order. Nodes on a cycle, or depending on one directly or
   * transitively, are left out. With `only`, edges to nodes outside the set count as satisfied.
   */
  batches(options: { readonly only?: ReadonlySet<string> } = {}): string[][] {
    const member = this.#membership(options.only);
    const pending = this.#pendingCounts(member, this.#dependencyStart, this.#dependencyTarget);
    const result: string[][] = [];
    let level: number[] = [];
    for (let index = 0; index < member.length; index++) {
      if (member[index] && pending[index] === 0) level.push(index);
    }
    while (level.length > 0) {
      result.push(level.map((index) => this.#names[index]!));
      const next: number[] = [];
      for (const index of level) {
        for (let edge = this.#dependentStart[index]!; edge < this.#dependentStart[index + 1]!; edge++) {
          const dependent = this.#dependentSource[edge]!;
          if (member[dependent] && --pending[dependent]! === 0) next.push(dependent);
        }
      }
      level = next.sort((left, right) => left - right);
    }
    return result;
  }

  /**
   * A topological order (every node after all its dependencies), deterministic: whenever several
   * nodes could come next, the earliest-registered one does, so a graph without edges keeps
   * registration order. Nodes on or behind a cycle are left out. `only` as in {@link batches}.
   */
  topologicalOrder(options: { readonly only?: ReadonlySet<string> } = {}): string[] {
    const order =
      options.only === undefined ? this.#order() : this.#kahnOrder(this.#membership(options.only));
    return Array.from(order, (index) => this.#names[index]!);
  }

  /**
   * Visits every node once all of its own dependencies' visits have fulfilled, not batch by batch,
   * so total time follows the critical path. When a visit rejects (or a node is in `exclude`), each
   * node that requires it is not visited and `onBlocked(node, dependency)` is called, transitively;
   * a dependent through an optional edge waits for the failure to settle and then runs. Rejects with
   * `E_DEPENDENCY_CYCLE`, before visiting anything, when a cycle remains among the traversed nodes
   * (callers exclude cycle nodes). Resolves once every node is visited or blocked; a rejected visit
   * never rejects the traversal (record failures inside `visit`). An exception thrown by `onBlocked`
   * does not stop the traversal; the first one rejects it at the end. Absent dependencies are not
   * edges, so callers also exclude the nodes {@link findUnsatisfiedDependencies} reports.
   */
  async parallelTopologicalTraversal(
    visit: (name: string) => Promise<void>,
    options: TraversalOptions = {},
  ): Promise<void> {
    const concurrency = checkConcurrency(options.concurrency);
    const member = this.#membership(options.only);
    const excluded = options.exclude === undefined ? undefined : this.#membership(options.exclude);
    let sequence = options.only === undefined ? this.#order() : this.#kahnOrder(member);
    if (sequence.length < this.#count(member)) {
      // Exclusion may break cycles; only a cycle among nodes that would actually be visited is fatal.
      const traversed = member.slice();
      for (let index = 0; index < traversed.length; index++) {
        if (excluded?.[index]) traversed[index] = 0;
      }
      const traversedOrder = this.#kahnOrder(traversed);
      if (traversedOrder.length < this.#count(traversed)) throw this.#cycleError(traversed, traversedOrder);
      const inSequence = new Uint8Array(member.length);
      for (const index of sequence) inSequence[index] = 1;
      sequence = Int32Array.from([...sequence, ...traversedOrder.filter((index) => !inSequence[index])]);
    }
    await this.#traverse(visit, member, excluded, sequence, true, concurrency, options.onBlocked);
  }

  /**
   * Teardown order: visits each node once every node that depends on it (within `only`) has
   * settled, in parallel otherwise. A rejected visit never holds anything back. Rejects with
   * `E_DEPENDENCY_CYCLE`, before visiting anything, when the traversed nodes contain a cycle.
   * Resolves when every node has been visited.
   */
  async parallelReverseTraversal(
    visit: (name: string) => Promise<void>,
    options: ReverseTraversalOptions = {},
  ): Promise<void> {
    const concurrency = checkConcurrency(options.concurrency);
    const member = this.#membership(options.only);
    const sequence = options.only === undefined ? this.#order() : this.#kahnOrder(member);
    if (sequence.length < this.#count(member)) throw this.#cycleError(member, sequence);
    await this.#traverse(visit, member, undefined, sequence, false, concurrency, undefined);
  }

  /**
   * The scheduler behind both traversals. `sequence` ranks nodes: among ready nodes the lowest rank
   * (forward) or highest (reverse) starts first, which makes `concurrency: 1` follow the sequence.
   */
  #traverse(
    visit: (name: string) => Promise<void>,
    member: Uint8Array,
    excluded: Uint8Array | undefined,
    sequence: Int32Array,
    forward: boolean,
    concurrency: number,
    onBlocked: ((name: string, blockedBy: string) => void) | undefined,
  ): Promise<void> {
    const names = this.#names;
    const count = names.length;
    const waitStart = forward ? this.#dependencyStart : this.#dependentStart;
    const waitTarget = forward ? this.#dependencyTarget : this.#dependentSource;
    const releaseStart = forward ? this.#dependentStart : this.#dependencyStart;
    const releaseTarget = forward ? this.#dependentSource : this.#dependencyTarget;
    const releaseRequired = forward ? this.#dependentRequired : this.#dependencyRequired;
    const pending = this.#pendingCounts(member, waitStart, waitTarget);
    const last = sequence.length - 1;
    const priority = new Int32Array(count);
    for (let position = 0; position <= last; position++) {
      priority[sequence[position]!] = forward ? position : last - position;
    }
    const state = new Uint8Array(count);
    const failed = new Uint8Array(count);
    const heap = new IntegerMinHeap(sequence.length);
    const work = new Int32Array(count);
    let remaining = this.#count(member);
    let running = 0;
    let callbackError: { readonly error: unknown } | undefined;

    // Settles `first` (already marked DONE) and everything its failure blocks, without recursion.
    const settle = (first: number): void => {
      let top = 0;
      work[top++] = first;
      while (top > 0) {
        const index = work[--top]!;
        remaining--;
        for (let edge = releaseStart[index]!; edge < releaseStart[index + 1]!; edge++) {
          const next = releaseTarget[edge]!;
          if (!member[next] || state[next] !== WAITING) continue;
          if (failed[index] && releaseRequired[edge]) {
            state[next] = DONE;
            failed[next] = 1;
            work[top++] = next;
            try {
              onBlocked?.(names[next]!, names[index]!);
            } catch (error) {
              callbackError ??= { error };
            }
          } else if (--pending[next]! === 0) {
            state[next] = READY;
            heap.push(priority[next]!);
          }
        }
      }
    };

    return new Promise<void>((resolve, reject) => {
      const pump = (): void => {
        while (running < concurrency && heap.size > 0) {
          const key = heap.pop();
          const index = sequence[forward ? key : last - key]!;
          running++;
          let result: Promise<void>;
          try {
            result = Promise.resolve(visit(names[index]!));
          } catch (error) {
            result = Promise.reject(error);
          }
          result.then(
            () => finish(index, false),
            () => finish(index, forward),
          );
        }
        if (remaining === 0) {
          if (callbackError === undefined) resolve();
          else reject(callbackError.error);
        }
      };
      const finish = (index: number, hasFailed: boolean): void => {
        running--;
        state[index] = DONE;
        failed[index] = hasFailed ? 1 : 0;
        settle(index);
        pump();
      };
      // Excluded nodes count as failed before anything starts, so none of them is reported as blocked.
      for (let index = 0; index < count; index++) {
        if (member[index] && excluded?.[index]) {
          state[index] = DONE;
          failed[index] = 1;
        }
      }
      for (let index = 0; index < count; index++) {
        if (member[index] && state[index] === WAITING && pending[index] === 0) {
          state[index] = READY;
          heap.push(priority[index]!);
        }
      }
      for (let index = 0; index < count; index++) {
        if (member[index] && excluded?.[index]) settle(index);
      }
      pump();
    });
  }

  #require(name: string): number {
    const index = this.#indexByName.get(name);
    if (index === undefined) throw errors.pluginNotFound(name, this.#names);
    return index;
  }

  /** 1 for each node in `names` (every node when undefined); unknown names are ignored. */
  #membership(names: ReadonlySet<string> | undefined): Uint8Array {
    const member = new Uint8Array(this.#names.length);
    if (names === undefined) return member.fill(1);
    for (const name of names) {
      const index = this.#indexByName.get(name);
      if (index !== undefined) member[index] = 1;
    }
    return member;
  }

  #count(member: Uint8Array): number {
    let total = 0;
    for (const flag of member) total += flag;
    return total;
  }

  /** For each member, how many of its edges (in the given direction) lead to other members. */
  #pendingCounts(member: Uint8Array, start: Int32Array, target: Int32Array): Int32Array {
    const pending = new Int32Array(member.length);
    for (let index = 0; index < member.length; index++) {
      if (!member[index]) continue;
      let total = 0;
      for (let edge = start[index]!; edge < start[index + 1]!; edge++) total += member[target[edge]!]!;
      pending[index] = total;
    }
    return pending;
  }

  /** Kahn's algorithm over the members, earliest-registered first among ready nodes. */
  #kahnOrder(member: Uint8Array): Int32Array {
    const pending = this.#pendingCounts(member, this.#dependencyStart, this.#dependencyTarget);
    const heap = new IntegerMinHeap(member.length);
    for (let index = 0; index < member.length; index++) {
      if (member[index] && pending[index] === 0) heap.push(index);
    }
    const order = new Int32Array(member.length);
    let length = 0;
    while (heap.size > 0) {
      const index = heap.pop();
      order[length++] = index;
      for (let edge = this.#dependentStart[index]!; edge < this.#dependentStart[index + 1]!; edge++) {
        const dependent = this.#dependentSource[edge]!;
        if (member[dependent] && --pending[dependent]! === 0) heap.push(dependent);
      }
    }
    return order.subarray(0, length);
  }

  #order(): Int32Array {
    this.#fullOrder ??= this.#kahnOrder(this.#membership(undefined));
    return this.#fullOrder;
  }

  /** Position of each node in the full topological order, or -1 for nodes on or behind a cycle. */
  #rank(): Int32Array {
    if (this.#fullRank === undefined) {
      const rank = new Int32Array(this.#names.length).fill(-1);
      this.#order().forEach((index, position) => {
        rank[index] = position;
      });
      this.#fullRank = rank;
    }
    return this.#fullRank;
  }

  /**
   * `E_DEPENDENCY_CYCLE` for a cycle among the members Kahn could not order. Each of them has a
   * dependency among them (else it would have been ordered), so following those edges must loop.
   */
  #cycleError(member: Uint8Array, ordered: Int32Array): TrellisError {
    const left = member.slice();
    for (const index of ordered) left[index] = 0;
    const position = new Int32Array(left.length).fill(-1);
    const path: number[] = [];
    let current = left.indexOf(1);
    while (position[current] === -1) {
      position[current] = path.length;
      path.push(current);
      let edge = this.#dependencyStart[current]!;
      while (!left[this.#dependencyTarget[edge]!]) edge++;
      current = this.#dependencyTarget[edge]!;
    }
    const cycle = [...path.slice(position[current]!), current];
    return errors.dependencyCycle(rotateToEarliest(cycle).map((index) => this.#names[index]!));
  }

  /** root → … → p → root, where p is the first other node of root's component that depends on root. */
  #cycleThroughRoot(root: number, component: Int32Array, fromRoot: Int32Array): number[] {
    let edge = this.#dependentStart[root]!;
    for (; ; edge++) {
      const dependent = this.#dependentSource[edge]!;
      if (dependent !== root && component[dependent] === component[root]) break;
    }
    const path: number[] = [];
    for (let step = this.#dependentSource[edge]!; step !== root; step = fromRoot[step]!) path.push(step);
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
  #breadthFirst(
    root: number,
    component: Int32Array,
    forward: boolean,
    link: Int32Array,
    queue: Int32Array,
    mark: Int32Array,
    stamp: number,
  ): void {
    const start = forward ? this.#dependencyStart : this.#dependentStart;
    const target = forward ? this.#dependencyTarget : this.#dependentSource;
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
  #stronglyConnectedComponents(): Int32Array {
    const count = this.#names.length;
    const start = this.#dependencyStart;
    const target = this.#dependencyTarget;
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
