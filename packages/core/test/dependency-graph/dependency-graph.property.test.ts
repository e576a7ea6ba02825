import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DependencyGraph, type GraphNode } from '../../src/dependency-graph/dependency-graph.js';
import { TrellisError } from '../../src/errors/trellis-error.js';

/** A generated graph: node i is named `n${i}`; `edges[i]` maps each dependency index to "is required". */
interface Sample {
  readonly size: number;
  readonly edges: ReadonlyArray<ReadonlyMap<number, boolean>>;
}

function nameOf(index: number): string {
  return `n${index}`;
}

function indexOf(name: string): number {
  return Number(name.slice(1));
}

function buildGraph(sample: Sample): DependencyGraph {
  const nodes: GraphNode[] = sample.edges.map((dependencies, index) => {
    const required: Record<string, string> = {};
    // An optional dependency on an absent plugin must never become an edge.
    const optional: Record<string, string> = { ghost: '*' };
    for (const [target, isRequired] of dependencies) {
      if (isRequired) required[nameOf(target)] = '*';
      else optional[nameOf(target)] = '*';
    }
    return { name: nameOf(index), version: '1.0.0', dependencies: required, optionalDependencies: optional };
  });
  return new DependencyGraph(nodes);
}

function toSample(
  size: number,
  pairs: ReadonlyArray<readonly [number, number, boolean]>,
  allow: (from: number, to: number) => boolean,
): Sample {
  const edges = Array.from({ length: size }, () => new Map<number, boolean>());
  for (const [from, to, required] of pairs) {
    if (from >= size || to >= size || !allow(from, to)) continue;
    edges[from]!.set(to, required || edges[from]!.get(to) === true);
  }
  return { size, edges };
}

const pairs = (size: number) =>
  fc.array(fc.tuple(fc.nat(size - 1), fc.nat(size - 1), fc.boolean()), { maxLength: size * 3 });

/** Random DAGs whose topological layout is unrelated to registration order. */
const dagArbitrary = fc.integer({ min: 1, max: 24 }).chain((size) =>
  fc
    .tuple(fc.shuffledSubarray([...Array(size).keys()], { minLength: size, maxLength: size }), pairs(size))
    .map(([layout, edgePairs]) => {
      const position = new Array<number>(size);
      layout.forEach((index, place) => {
        position[index] = place;
      });
      return toSample(size, edgePairs, (from, to) => position[from]! > position[to]!);
    }),
);

/** Random graphs where anything goes, self-dependencies included. */
const anyGraphArbitrary = fc
  .integer({ min: 1, max: 14 })
  .chain((size) => pairs(size).map((edgePairs) => toSample(size, edgePairs, () => true)));

function allEdges(sample: Sample): Array<[number, number, boolean]> {
  return sample.edges.flatMap((dependencies, from) =>
    [...dependencies].map(([to, required]): [number, number, boolean] => [from, to, required]),
  );
}

/** Brute force: the nodes from which `start` is reachable in at least one step of its own. */
function reaches(sample: Sample, start: number): Set<number> {
  const seen = new Set<number>();
  const stack = [...sample.edges[start]!.keys()];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...sample.edges[next]!.keys());
  }
  return seen;
}

/** Runs a traversal in which each visit yields a generated number of times, recording starts and ends. */
async function recordTraversal(
  run: (visit: (name: string) => Promise<void>) => Promise<void>,
  delays: readonly number[],
  failing: ReadonlySet<number> = new Set(),
) {
  const started = new Map<number, number>();
  const ended = new Map<number, number>();
  let clock = 0;
  await run(async (name) => {
    const index = indexOf(name);
    started.set(index, clock++);
    for (let tick = 0; tick < (delays[index % delays.length] ?? 0); tick++) await Promise.resolve();
    ended.set(index, clock++);
    if (failing.has(index)) throw new Error(`${name} failed`);
  });
  return { started, ended };
}

const delaysArbitrary = fc.array(fc.nat(6), { minLength: 1, maxLength: 24 });

describe('DependencyGraph on random DAGs', () => {
  it('puts every node in exactly one batch, after all its dependencies, as early as possible', () => {
    fc.assert(
      fc.property(dagArbitrary, (sample) => {
        const batches = buildGraph(sample).batches();
        const level = new Map<number, number>();
        batches.forEach((batch, depth) => {
          for (const name of batch) level.set(indexOf(name), depth);
          expect(batch.map(indexOf)).toEqual([...batch.map(indexOf)].sort((left, right) => left - right));
        });
        expect(level.size).toBe(sample.size);
        expect(batches.flat()).toHaveLength(sample.size);
        for (const [from, dependencies] of sample.edges.entries()) {
          const depths = [...dependencies.keys()].map((to) => level.get(to)!);
          for (const depth of depths) expect(depth).toBeLessThan(level.get(from)!);
          expect(level.get(from)).toBe(depths.length === 0 ? 0 : Math.max(...depths) + 1);
        }
      }),
    );
  });

  it('orders every node after all of its dependencies', () => {
    fc.assert(
      fc.property(dagArbitrary, (sample) => {
        const order = buildGraph(sample).topologicalOrder().map(indexOf);
        expect([...order].sort((left, right) => left - right)).toEqual([...Array(sample.size).keys()]);
        const position = new Map(order.map((index, place) => [index, place]));
        for (const [from, to] of allEdges(sample))
          expect(position.get(to)!).toBeLessThan(position.get(from)!);
      }),
    );
  });

  it('starts every visit after all its dependencies finished, visiting each node once', async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary, delaysArbitrary, async (sample, delays) => {
        const graph = buildGraph(sample);
        const { started, ended } = await recordTraversal(
          (visit) => graph.parallelTopologicalTraversal(visit),
          delays,
        );
        expect(started.size).toBe(sample.size);
        for (const [from, to] of allEdges(sample)) expect(ended.get(to)!).toBeLessThan(started.get(from)!);
      }),
    );
  });

  it('visits exactly the nodes with no failed or blocked required dependency, and reports the rest', async () => {
    await fc.assert(
      fc.asyncProperty(
        dagArbitrary,
        delaysArbitrary,
        fc.uniqueArray(fc.nat(23), { maxLength: 5 }),
        fc.uniqueArray(fc.nat(23), { maxLength: 3 }),
        async (sample, delays, failingList, excludedList) => {
          const graph = buildGraph(sample);
          const failing = new Set(failingList);
          const excluded = new Set(excludedList.filter((index) => index < sample.size));
          const blockedBy = new Map<number, number>();
          const { started, ended } = await recordTraversal(
            (visit) =>
              graph.parallelTopologicalTraversal(visit, {
                exclude: new Set([...excluded].map(nameOf)),
                onBlocked: (name, by) => {
                  expect(blockedBy.has(indexOf(name))).toBe(false);
                  blockedBy.set(indexOf(name), indexOf(by));
                },
              }),
            delays,
            failing,
          );
          // Reference, in topological order: blocked when a required dependency did not succeed.
          const succeeded = new Set<number>();
          const expectedBlocked = new Set<number>();
          for (const index of graph.topologicalOrder().map(indexOf)) {
            const requiredDown = [...sample.edges[index]!].some(
              ([to, required]) =>
                required && (excluded.has(to) || expectedBlocked.has(to) || failing.has(to)),
            );
            if (excluded.has(index)) continue;
            if (requiredDown) expectedBlocked.add(index);
            else if (!failing.has(index)) succeeded.add(index);
          }
          expect(new Set(blockedBy.keys())).toEqual(expectedBlocked);
          for (const [name, by] of blockedBy) {
            expect(sample.edges[name]!.get(by)).toBe(true);
            expect(excluded.has(by) || failing.has(by) || expectedBlocked.has(by)).toBe(true);
          }
          const expectedVisited = [...Array(sample.size).keys()].filter(
            (index) => !excluded.has(index) && !expectedBlocked.has(index),
          );
          expect([...started.keys()].sort((left, right) => left - right)).toEqual(expectedVisited);
          for (const [from, to] of allEdges(sample)) {
            if (started.has(from) && started.has(to)) expect(ended.get(to)!).toBeLessThan(started.get(from)!);
          }
        },
      ),
    );
  });

  it('with concurrency 1 visits the unblocked nodes in topologicalOrder()', async () => {
    await fc.assert(
      fc.asyncProperty(
        dagArbitrary,
        fc.uniqueArray(fc.nat(23), { maxLength: 4 }),
        async (sample, failingList) => {
          const graph = buildGraph(sample);
          const failing = new Set(failingList);
          const blocked = new Set<string>();
          const order: string[] = [];
          await graph.parallelTopologicalTraversal(
            async (name) => {
              order.push(name);
              await Promise.resolve();
              if (failing.has(indexOf(name))) throw new Error('down');
            },
            { concurrency: 1, onBlocked: (name) => blocked.add(name) },
          );
          expect(order).toEqual(graph.topologicalOrder().filter((name) => !blocked.has(name)));
        },
      ),
    );
  });

  it('tears down every node after all of its dependents, even when visits fail', async () => {
    await fc.assert(
      fc.asyncProperty(
        dagArbitrary,
        delaysArbitrary,
        fc.uniqueArray(fc.nat(23)),
        async (sample, delays, failingList) => {
          const graph = buildGraph(sample);
          const { started, ended } = await recordTraversal(
            (visit) => graph.parallelReverseTraversal(visit),
            delays,
            new Set(failingList),
          );
          expect(started.size).toBe(sample.size);
          for (const [from, to] of allEdges(sample)) expect(ended.get(from)!).toBeLessThan(started.get(to)!);
        },
      ),
    );
  });
});

describe('DependencyGraph on random graphs with cycles', () => {
  it('returns only real simple cycles, and every node on a cycle appears in one', () => {
    fc.assert(
      fc.property(anyGraphArbitrary, (sample) => {
        const cycles = buildGraph(sample).detectCircularDependencies();
        const onCycle = new Set(
          [...Array(sample.size).keys()].filter((index) => reaches(sample, index).has(index)),
        );
        const seen = new Set<number>();
        let previousStart = -1;
        for (const names of cycles) {
          const path = names.map(indexOf);
          expect(path.length).toBeGreaterThanOrEqual(2);
          expect(path[0]).toBe(path.at(-1));
          expect(new Set(path.slice(0, -1)).size).toBe(path.length - 1);
          expect(path[0]).toBe(Math.min(...path));
          expect(path[0]!).toBeGreaterThanOrEqual(previousStart);
          previousStart = path[0]!;
          for (let step = 0; step + 1 < path.length; step++) {
            expect(sample.edges[path[step]!]!.has(path[step + 1]!)).toBe(true);
          }
          for (const index of path) seen.add(index);
        }
        expect(seen).toEqual(onCycle);
      }),
    );
  });

  it('leaves out of batches and topologicalOrder exactly the nodes on or behind a cycle', () => {
    fc.assert(
      fc.property(anyGraphArbitrary, (sample) => {
        const graph = buildGraph(sample);
        const onCycle = new Set(
          [...Array(sample.size).keys()].filter((index) => reaches(sample, index).has(index)),
        );
        const expected = [...Array(sample.size).keys()].filter(
          (index) => !onCycle.has(index) && ![...reaches(sample, index)].some((other) => onCycle.has(other)),
        );
        const order = graph.topologicalOrder().map(indexOf);
        expect([...order].sort((left, right) => left - right)).toEqual(expected);
        expect(
          graph
            .batches()
            .flat()
            .map(indexOf)
            .sort((left, right) => left - right),
        ).toEqual(expected);
      }),
    );
  });

  it('refuses to traverse a graph with a cycle, naming a real one, and traverses once cycles are excluded', async () => {
    await fc.assert(
      fc.asyncProperty(anyGraphArbitrary, async (sample) => {
        const graph = buildGraph(sample);
        const onCycle = [...Array(sample.size).keys()].filter((index) => reaches(sample, index).has(index));
        const visited: number[] = [];
        const outcome = await graph
          .parallelTopologicalTraversal(async (name) => void visited.push(indexOf(name)))
          .then(
            () => undefined,
            (reason: unknown) => reason,
          );
        if (onCycle.length === 0) {
          expect(outcome).toBeUndefined();
          return;
        }
        expect(visited).toEqual([]);
        expect(TrellisError.is(outcome, 'E_DEPENDENCY_CYCLE')).toBe(true);
        const path = ((outcome as TrellisError).details.cycle as string[]).map(indexOf);
        expect(path[0]).toBe(path.at(-1));
        for (let step = 0; step + 1 < path.length; step++) {
          expect(sample.edges[path[step]!]!.has(path[step + 1]!)).toBe(true);
        }
        const blocked = new Set<number>();
        await graph.parallelTopologicalTraversal(async (name) => void visited.push(indexOf(name)), {
          exclude: new Set(onCycle.map(nameOf)),
          onBlocked: (name) => blocked.add(indexOf(name)),
        });
        expect(visited.length + blocked.size + onCycle.length).toBe(sample.size);
      }),
    );
  });
});
