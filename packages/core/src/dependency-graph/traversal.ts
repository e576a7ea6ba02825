/**
 * Visiting nodes in dependency order: Kahn's deterministic order and the scheduler that both
 * parallel traversals (boot forwards, teardown in reverse) share. Kept apart from the graph class so
 * the scheduling rules (readiness, blocking on failure, concurrency) can be read in one place.
 */
import { errors } from '../errors/errors.js';
import { type Adjacency, countMembers, pendingCounts } from './adjacency.js';
import { IntegerMinHeap } from './integer-min-heap.js';

/** What {@link traverse} visits and how; every array is indexed by registration index. */
export interface TraversalPlan {
  /** Every node's name, in registration order. */
  readonly names: readonly string[];
  /** The edges of the graph. */
  readonly adjacency: Adjacency;
  /** 1 for each node to visit. */
  readonly member: Uint8Array;
  /** 1 for each member treated as failed before starting; forward traversals only. */
  readonly excluded: Uint8Array | undefined;
  /** Every member in an order that respects the traversal's edges (a topological order). */
  readonly sequence: Int32Array;
  /** `true`: dependencies first; `false`: dependents first (teardown). */
  readonly forward: boolean;
  /** Most visits in flight at once, already checked by {@link checkConcurrency}. */
  readonly concurrency: number;
  /** Called for each node skipped because a required dependency failed or was blocked. */
  readonly onBlocked: ((name: string, blockedBy: string) => void) | undefined;
}

const WAITING = 0;
const READY = 1;
const DONE = 2;

/**
 * The concurrency limit a traversal runs with: unbounded when `value` is undefined.
 *
 * @throws TrellisError `E_INVALID_ARGUMENT` unless `value` is a positive integer or infinity.
 */
export function checkConcurrency(value: number | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 1)) return value;
  throw errors.invalidArgument('concurrency', 'a positive integer', value);
}

/**
 * Kahn's algorithm over the members, earliest-registered first among ready nodes. Members on or
 * behind a cycle are left out, so a result shorter than the member count means a cycle remains.
 */
export function kahnOrder(adjacency: Adjacency, member: Uint8Array): Int32Array {
  const { dependentStart, dependentSource } = adjacency;
  const pending = pendingCounts(member, adjacency.dependencyStart, adjacency.dependencyTarget);
  const heap = new IntegerMinHeap(member.length);
  for (let index = 0; index < member.length; index++) {
    if (member[index] && pending[index] === 0) heap.push(index);
  }
  const order = new Int32Array(member.length);
  let length = 0;
  while (heap.size > 0) {
    const index = heap.pop();
    order[length++] = index;
    for (let edge = dependentStart[index]!; edge < dependentStart[index + 1]!; edge++) {
      const dependent = dependentSource[edge]!;
      if (member[dependent] && --pending[dependent]! === 0) heap.push(dependent);
    }
  }
  return order.subarray(0, length);
}

/**
 * The scheduler behind both traversals. `sequence` ranks nodes: among ready nodes the lowest rank
 * (forward) or highest (reverse) starts first, which makes `concurrency: 1` follow the sequence.
 * Resolves once every member is visited or blocked; rejects only with the first exception thrown
 * by `onBlocked`, after everything has settled.
 */
export function traverse(visit: (name: string) => Promise<void>, plan: TraversalPlan): Promise<void> {
  const { names, adjacency, member, excluded, sequence, forward, concurrency, onBlocked } = plan;
  const count = names.length;
  const waitStart = forward ? adjacency.dependencyStart : adjacency.dependentStart;
  const waitTarget = forward ? adjacency.dependencyTarget : adjacency.dependentSource;
  const releaseStart = forward ? adjacency.dependentStart : adjacency.dependencyStart;
  const releaseTarget = forward ? adjacency.dependentSource : adjacency.dependencyTarget;
  const releaseRequired = forward ? adjacency.dependentRequired : adjacency.dependencyRequired;
  const pending = pendingCounts(member, waitStart, waitTarget);
  const last = sequence.length - 1;
  const priority = new Int32Array(count);
  for (let position = 0; position <= last; position++) {
    priority[sequence[position]!] = forward ? position : last - position;
  }
  const state = new Uint8Array(count);
  const failed = new Uint8Array(count);
  const heap = new IntegerMinHeap(sequence.length);
  const work = new Int32Array(count);
  let remaining = countMembers(member);
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
