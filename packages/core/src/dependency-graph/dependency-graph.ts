import semver from 'semver';
import { errors } from '../errors/errors.js';
import type { TrellisError } from '../errors/trellis-error.js';
import { type Adjacency, buildAdjacency, countMembers, pendingCounts } from './adjacency.js';
import { circularDependencies, unorderedCycle } from './cycles.js';
import { checkConcurrency, kahnOrder, traverse } from './traversal.js';

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

/**
 * npm's `satisfies`, except that `'*'` (what a list of dependency names means) accepts every valid
 * version, prereleases included: an author who asked for "any version" did not ask to exclude betas.
 */
function satisfiesRange(version: semver.SemVer | null, range: string): boolean {
  if (version === null) return false;
  if (range.trim() === '*') return true;
  return semver.satisfies(version, range);
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
  readonly #adjacency: Adjacency;
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
    this.#adjacency = buildAdjacency(nodes, this.#indexByName);
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
    // Each version is parsed once, not once per edge that points at it.
    const parsed = new Map<string, semver.SemVer | null>();
    const versionOf = (node: GraphNode) => {
      let version = parsed.get(node.name);
      if (version === undefined) {
        version = semver.parse(node.version);
        parsed.set(node.name, version);
      }
      return version;
    };
    for (const node of this.#nodes) {
      const plugin = node.name;
      for (const [dependency, range] of Object.entries(node.dependencies)) {
        const found = this.node(dependency);
        if (found === undefined) {
          problems.push({ plugin, error: errors.dependencyMissing(plugin, dependency, range) });
        } else if (!satisfiesRange(versionOf(found), range)) {
          problems.push({
            plugin,
            error: errors.dependencyVersion(plugin, dependency, range, found.version),
          });
        }
      }
      for (const [dependency, range] of Object.entries(node.optionalDependencies)) {
        if (Object.hasOwn(node.dependencies, dependency)) continue;
        const found = this.node(dependency);
        if (found !== undefined && !satisfiesRange(versionOf(found), range)) {
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
    return circularDependencies(this.#adjacency, this.#names);
  }

  /** The direct dependencies of a node that are in the graph (required, or optional and present), in registration order. */
  dependenciesOf(name: string): readonly string[] {
    const index = this.#require(name);
    const { dependencyStart, dependencyTarget } = this.#adjacency;
    const result: string[] = [];
    for (let edge = dependencyStart[index]!; edge < dependencyStart[index + 1]!; edge++) {
      result.push(this.#names[dependencyTarget[edge]!]!);
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
    const { dependentStart, dependentSource } = this.#adjacency;
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
    const { dependencyStart, dependencyTarget, dependentStart, dependentSource } = this.#adjacency;
    const member = this.#membership(options.only);
    const pending = pendingCounts(member, dependencyStart, dependencyTarget);
    const result: string[][] = [];
    let level: number[] = [];
    for (let index = 0; index < member.length; index++) {
      if (member[index] && pending[index] === 0) level.push(index);
    }
    while (level.length > 0) {
      result.push(level.map((index) => this.#names[index]!));
      const next: number[] = [];
      for (const index of level) {
        for (let edge = dependentStart[index]!; edge < dependentStart[index + 1]!; edge++) {
          const dependent = dependentSource[edge]!;
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
      options.only === undefined ? this.#order() : kahnOrder(this.#adjacency, this.#membership(options.only));
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
    let sequence = options.only === undefined ? this.#order() : kahnOrder(this.#adjacency, member);
    if (sequence.length < countMembers(member)) {
      // Exclusion may break cycles; only a cycle among nodes that would actually be visited is fatal.
      const traversed = member.slice();
      for (let index = 0; index < traversed.length; index++) {
        if (excluded?.[index]) traversed[index] = 0;
      }
      const traversedOrder = kahnOrder(this.#adjacency, traversed);
      if (traversedOrder.length < countMembers(traversed)) throw this.#cycleError(traversed, traversedOrder);
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
    const sequence = options.only === undefined ? this.#order() : kahnOrder(this.#adjacency, member);
    if (sequence.length < countMembers(member)) throw this.#cycleError(member, sequence);
    await this.#traverse(visit, member, undefined, sequence, false, concurrency, undefined);
  }

  /** Hands one traversal to the scheduler in `traversal.ts`, adding the graph's names and edges. */
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
    const adjacency = this.#adjacency;
    return traverse(visit, { names, adjacency, member, excluded, sequence, forward, concurrency, onBlocked });
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

  #order(): Int32Array {
    this.#fullOrder ??= kahnOrder(this.#adjacency, this.#membership(undefined));
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

  /** `E_DEPENDENCY_CYCLE` for a cycle among the members Kahn's algorithm could not order. */
  #cycleError(member: Uint8Array, ordered: Int32Array): TrellisError {
    return errors.dependencyCycle(unorderedCycle(this.#adjacency, this.#names, member, ordered));
  }
}
