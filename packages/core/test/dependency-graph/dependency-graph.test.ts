import { describe, expect, it } from 'vitest';
import { DependencyGraph, type GraphNode } from '../../src/dependency-graph/dependency-graph.js';
import { TrellisError } from '../../src/errors/trellis-error.js';

function plugin(
  name: string,
  dependencies: Record<string, string> = {},
  optionalDependencies: Record<string, string> = {},
  version = '1.0.0',
): GraphNode {
  return { name, version, dependencies, optionalDependencies };
}

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise reaction run. */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A visit whose completion each test controls, recording `start x` / `end x` / `fail x` events. */
function controlledVisits(names: readonly string[]) {
  const events: string[] = [];
  const gates = new Map(names.map((name) => [name, deferred()]));
  const visit = async (name: string): Promise<void> => {
    events.push(`start ${name}`);
    try {
      await gates.get(name)!.promise;
      events.push(`end ${name}`);
    } catch (error) {
      events.push(`fail ${name}`);
      throw error;
    }
  };
  return { events, visit, gate: (name: string) => gates.get(name)! };
}

function thrownBy(action: () => unknown): TrellisError {
  try {
    action();
  } catch (error) {
    if (error instanceof TrellisError) return error;
    throw error;
  }
  throw new Error('expected a TrellisError to be thrown');
}

describe('DependencyGraph construction', () => {
  it('rejects a name registered twice with E_PLUGIN_DUPLICATE', () => {
    const error = thrownBy(() => new DependencyGraph([plugin('a'), plugin('b'), plugin('a')]));
    expect(error.code).toBe('E_PLUGIN_DUPLICATE');
    expect(error.details).toEqual({ plugin: 'a' });
  });

  it('keeps registration order and looks nodes up by name', () => {
    const store = plugin('store');
    const graph = new DependencyGraph([plugin('users', { store: '^1.0.0' }), store]);
    expect(graph.names).toEqual(['users', 'store']);
    expect(graph.has('store')).toBe(true);
    expect(graph.has('ghost')).toBe(false);
    expect(graph.node('store')).toBe(store);
    expect(graph.node('ghost')).toBeUndefined();
  });
});

describe('findUnsatisfiedDependencies', () => {
  it('reports an absent required dependency as E_DEPENDENCY_MISSING', () => {
    const graph = new DependencyGraph([plugin('users', { store: '^1.0.0' })]);
    const problems = graph.findUnsatisfiedDependencies();
    expect(problems).toHaveLength(1);
    expect(problems[0]!.plugin).toBe('users');
    expect(problems[0]!.error.code).toBe('E_DEPENDENCY_MISSING');
    expect(problems[0]!.error.details).toEqual({ plugin: 'users', dependency: 'store', range: '^1.0.0' });
  });

  it('ignores an absent optional dependency', () => {
    const graph = new DependencyGraph([plugin('users', {}, { metrics: '^1.0.0' })]);
    expect(graph.findUnsatisfiedDependencies()).toEqual([]);
  });

  it('reports a present dependency outside its range as E_DEPENDENCY_VERSION, required or optional', () => {
    const graph = new DependencyGraph([
      plugin('users', { store: '^2.0.0' }, { metrics: '~1.1.0' }),
      plugin('store', {}, {}, '1.4.0'),
      plugin('metrics', {}, {}, '1.2.0'),
    ]);
    const problems = graph.findUnsatisfiedDependencies();
    expect(problems.map((problem) => [problem.plugin, problem.error.code, problem.error.details])).toEqual([
      [
        'users',
        'E_DEPENDENCY_VERSION',
        { plugin: 'users', dependency: 'store', range: '^2.0.0', found: '1.4.0' },
      ],
      [
        'users',
        'E_DEPENDENCY_VERSION',
        { plugin: 'users', dependency: 'metrics', range: '~1.1.0', found: '1.2.0' },
      ],
    ]);
  });

  it.each([
    ['^1.0.0', '1.1.0-beta.1', false],
    ['^1.1.0-beta.0', '1.1.0-beta.1', true],
    ['^1.0.0-beta.0', '1.1.0-beta.1', false],
    ['*', '1.1.0-beta.1', true],
    ['*', '3.0.0', true],
    ['>=1.0.0', '2.0.0-rc.1', false],
    ['^1.2.0', '1.2.3', true],
  ])('range %s against version %s is satisfied: %s', (range, version, satisfied) => {
    const graph = new DependencyGraph([plugin('users', { store: range }), plugin('store', {}, {}, version)]);
    const problems = graph.findUnsatisfiedDependencies();
    if (satisfied) {
      expect(problems).toEqual([]);
    } else {
      expect(problems).toHaveLength(1);
      expect(problems[0]!.error.code).toBe('E_DEPENDENCY_VERSION');
      expect(problems[0]!.error.details).toEqual({
        plugin: 'users',
        dependency: 'store',
        range,
        found: version,
      });
    }
  });

  it('reports a dependency declared both required and optional once, by its required range', () => {
    const graph = new DependencyGraph([
      plugin('users', { store: '^2.0.0' }, { store: '^1.0.0' }),
      plugin('store'),
    ]);
    const problems = graph.findUnsatisfiedDependencies();
    expect(problems.map((problem) => problem.error.details)).toEqual([
      { plugin: 'users', dependency: 'store', range: '^2.0.0', found: '1.0.0' },
    ]);
  });

  it('lists problems in registration order then declaration order', () => {
    const graph = new DependencyGraph([plugin('b', { x: '1', y: '1' }), plugin('a', { z: '1' })]);
    expect(
      graph
        .findUnsatisfiedDependencies()
        .map((problem) => `${problem.plugin}:${problem.error.details.dependency}`),
    ).toEqual(['b:x', 'b:y', 'a:z']);
  });
});

describe('detectCircularDependencies', () => {
  it('returns nothing for an acyclic graph', () => {
    const graph = new DependencyGraph([plugin('a', { b: '*' }), plugin('b', { c: '*' }), plugin('c')]);
    expect(graph.detectCircularDependencies()).toEqual([]);
  });

  it('returns the cycle as a path starting at its earliest-registered node, first node repeated last', () => {
    const graph = new DependencyGraph([
      plugin('x'),
      plugin('b', { c: '*' }),
      plugin('c', { a: '*' }),
      plugin('a', { b: '*' }),
    ]);
    expect(graph.detectCircularDependencies()).toEqual([['b', 'c', 'a', 'b']]);
  });

  it('reports a self-dependency as a two-element path', () => {
    const graph = new DependencyGraph([plugin('a', { a: '*' })]);
    expect(graph.detectCircularDependencies()).toEqual([['a', 'a']]);
  });

  it('covers every node of a component that no single cycle covers', () => {
    // hub depends on left and right, each of which depends on hub: two cycles share one node.
    const graph = new DependencyGraph([
      plugin('hub', { left: '*', right: '*' }),
      plugin('left', { hub: '*' }),
      plugin('right', { hub: '*' }),
    ]);
    expect(graph.detectCircularDependencies()).toEqual([
      ['hub', 'left', 'hub'],
      ['hub', 'right', 'hub'],
    ]);
  });

  it('orders separate cycles by their earliest-registered node', () => {
    const graph = new DependencyGraph([
      plugin('q', { p: '*' }),
      plugin('a', { b: '*' }),
      plugin('p', { q: '*' }),
      plugin('b', { a: '*' }),
    ]);
    expect(graph.detectCircularDependencies()).toEqual([
      ['q', 'p', 'q'],
      ['a', 'b', 'a'],
    ]);
  });

  it('counts an optional dependency as an edge only when that plugin is present', () => {
    const present = new DependencyGraph([plugin('a', {}, { b: '*' }), plugin('b', { a: '*' })]);
    expect(present.detectCircularDependencies()).toEqual([['a', 'b', 'a']]);
    const absent = new DependencyGraph([plugin('a', {}, { ghost: '*' }), plugin('b', { a: '*' })]);
    expect(absent.detectCircularDependencies()).toEqual([]);
  });

  it('handles a 10,000-node ring without overflowing the stack', () => {
    const size = 10_000;
    const nodes = Array.from({ length: size }, (_, index) =>
      plugin(`n${index}`, { [`n${(index + 1) % size}`]: '*' }),
    );
    const cycles = new DependencyGraph(nodes).detectCircularDependencies();
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(size + 1);
    expect(cycles[0]!.slice(0, 3)).toEqual(['n0', 'n1', 'n2']);
    expect(cycles[0]!.at(-1)).toBe('n0');
  });
});

describe('dependenciesOf and dependentsOf', () => {
  const graph = new DependencyGraph([
    plugin('top', { mid: '*' }),
    plugin('mid', { base: '*' }),
    plugin('side', {}, { base: '*', ghost: '*' }),
    plugin('base'),
  ]);

  it('lists present dependencies, required and optional, in registration order', () => {
    expect(graph.dependenciesOf('side')).toEqual(['base']);
    expect(graph.dependenciesOf('top')).toEqual(['mid']);
    expect(graph.dependenciesOf('base')).toEqual([]);
  });

  it('treats a dependency declared both required and optional as one required edge', async () => {
    const both = new DependencyGraph([plugin('users', { store: '*' }, { store: '*' }), plugin('store')]);
    expect(both.dependenciesOf('users')).toEqual(['store']);
    expect(both.dependentsOf('store')).toEqual(['users']);
    const blocked: string[] = [];
    await both.parallelTopologicalTraversal(
      async (name) => {
        if (name === 'store') throw new Error('down');
      },
      { onBlocked: (name) => blocked.push(name) },
    );
    expect(blocked).toEqual(['users']);
  });

  it('lists direct dependents in registration order', () => {
    expect(graph.dependentsOf('base')).toEqual(['mid', 'side']);
  });

  it('lists transitive dependents in topological order', () => {
    expect(graph.topologicalOrder()).toEqual(['base', 'mid', 'top', 'side']);
    expect(graph.dependentsOf('base', { transitive: true })).toEqual(['mid', 'top', 'side']);
    expect(graph.dependentsOf('top', { transitive: true })).toEqual([]);
  });

  it('never lists a node among its own dependents, even on a cycle', () => {
    const cyclic = new DependencyGraph([
      plugin('a', { b: '*' }),
      plugin('b', { a: '*' }),
      plugin('c', { a: '*' }),
    ]);
    expect(cyclic.dependentsOf('a', { transitive: true })).toEqual(['b', 'c']);
  });

  it('throws E_PLUGIN_NOT_FOUND for an unknown node', () => {
    expect(thrownBy(() => graph.dependenciesOf('ghost')).code).toBe('E_PLUGIN_NOT_FOUND');
    expect(thrownBy(() => graph.dependentsOf('ghost')).details).toEqual({ plugin: 'ghost' });
  });
});

describe('batches and topologicalOrder', () => {
  it('groups a diamond into Kahn levels, registration order within a level', () => {
    const graph = new DependencyGraph([
      plugin('d', { c: '*', b: '*' }),
      plugin('c', { a: '*' }),
      plugin('b', { a: '*' }),
      plugin('a'),
    ]);
    expect(graph.batches()).toEqual([['a'], ['c', 'b'], ['d']]);
    expect(graph.topologicalOrder()).toEqual(['a', 'c', 'b', 'd']);
  });

  it('breaks ties by taking the earliest-registered ready node', () => {
    const graph = new DependencyGraph([plugin('late', { root: '*' }), plugin('free'), plugin('root')]);
    expect(graph.topologicalOrder()).toEqual(['free', 'root', 'late']);
    expect(graph.batches()).toEqual([['free', 'root'], ['late']]);
  });

  it('leaves out nodes on a cycle and nodes behind one', () => {
    const graph = new DependencyGraph([
      plugin('ok'),
      plugin('a', { b: '*' }),
      plugin('b', { a: '*' }),
      plugin('behind', { b: '*', ok: '*' }),
      plugin('after', { ok: '*' }),
    ]);
    expect(graph.batches()).toEqual([['ok'], ['after']]);
    expect(graph.topologicalOrder()).toEqual(['ok', 'after']);
  });

  it('restricts to `only`, counting edges to outside nodes as satisfied', () => {
    const graph = new DependencyGraph([plugin('a'), plugin('b', { a: '*' }), plugin('c', { b: '*' })]);
    expect(graph.batches({ only: new Set(['b', 'c']) })).toEqual([['b'], ['c']]);
    expect(graph.topologicalOrder({ only: new Set(['c', 'a']) })).toEqual(['a', 'c']);
  });
});

describe('parallelTopologicalTraversal', () => {
  it('starts a node as soon as its own dependencies are done, not when its level is', async () => {
    const graph = new DependencyGraph([
      plugin('slow'),
      plugin('fast'),
      plugin('afterFast', { fast: '*' }),
      plugin('afterSlow', { slow: '*' }),
    ]);
    const { events, visit, gate } = controlledVisits(graph.names);
    const done = graph.parallelTopologicalTraversal(visit);
    await flush();
    expect(events).toEqual(['start slow', 'start fast']);
    gate('fast').resolve();
    await flush();
    expect(events).toEqual(['start slow', 'start fast', 'end fast', 'start afterFast']);
    gate('afterFast').resolve();
    gate('slow').resolve();
    await flush();
    expect(events.slice(4)).toEqual(['end afterFast', 'end slow', 'start afterSlow']);
    gate('afterSlow').resolve();
    await done;
    expect(events.at(-1)).toBe('end afterSlow');
  });

  it('waits for every dependency of a node', async () => {
    const graph = new DependencyGraph([plugin('a'), plugin('b'), plugin('c', { a: '*', b: '*' })]);
    const { events, visit, gate } = controlledVisits(graph.names);
    const done = graph.parallelTopologicalTraversal(visit);
    gate('a').resolve();
    await flush();
    expect(events).not.toContain('start c');
    gate('b').resolve();
    await flush();
    expect(events.at(-1)).toBe('start c');
    gate('c').resolve();
    await done;
  });

  it('blocks required dependents of a failed visit, reports why, and runs optional dependents', async () => {
    const graph = new DependencyGraph([
      plugin('base'),
      plugin('child', { base: '*' }),
      plugin('grandchild', { child: '*' }),
      plugin('optional', {}, { base: '*' }),
      plugin('unrelated'),
    ]);
    const { events, visit, gate } = controlledVisits(graph.names);
    const blocked: string[][] = [];
    const done = graph.parallelTopologicalTraversal(visit, {
      onBlocked: (name, blockedBy) => blocked.push([name, blockedBy]),
    });
    await flush();
    expect(events).toEqual(['start base', 'start unrelated']);
    gate('base').reject(new Error('boom'));
    gate('unrelated').resolve();
    gate('optional').resolve();
    await done;
    expect(blocked).toEqual([
      ['child', 'base'],
      ['grandchild', 'child'],
    ]);
    expect(events).toEqual([
      'start base',
      'start unrelated',
      'fail base',
      'end unrelated',
      'start optional',
      'end optional',
    ]);
  });

  it('treats a visit that throws synchronously as a failed visit', async () => {
    const graph = new DependencyGraph([plugin('a'), plugin('b', { a: '*' })]);
    const visited: string[] = [];
    const blocked: string[] = [];
    await graph.parallelTopologicalTraversal(
      ((name: string) => {
        visited.push(name);
        throw new Error('sync');
      }) as (name: string) => Promise<void>,
      { onBlocked: (name) => blocked.push(name) },
    );
    expect(visited).toEqual(['a']);
    expect(blocked).toEqual(['b']);
  });

  it('never visits excluded nodes and blocks their required dependents only', async () => {
    const graph = new DependencyGraph([
      plugin('broken'),
      plugin('child', { broken: '*' }),
      plugin('optional', {}, { broken: '*' }),
      plugin('free'),
    ]);
    const visited: string[] = [];
    const blocked: string[][] = [];
    await graph.parallelTopologicalTraversal(async (name) => void visited.push(name), {
      exclude: new Set(['broken']),
      onBlocked: (name, blockedBy) => blocked.push([name, blockedBy]),
    });
    expect(visited.sort()).toEqual(['free', 'optional']);
    expect(blocked).toEqual([['child', 'broken']]);
  });

  it('restricts the traversal to `only`', async () => {
    const graph = new DependencyGraph([plugin('a'), plugin('b', { a: '*' }), plugin('c', { b: '*' })]);
    const visited: string[] = [];
    await graph.parallelTopologicalTraversal(async (name) => void visited.push(name), {
      only: new Set(['b', 'c']),
    });
    expect(visited).toEqual(['b', 'c']);
  });

  it('with concurrency 1 visits one at a time in topologicalOrder()', async () => {
    const graph = new DependencyGraph([
      plugin('late', { root: '*' }),
      plugin('free'),
      plugin('root'),
      plugin('other', {}, { late: '*' }),
    ]);
    let inFlight = 0;
    let maxInFlight = 0;
    const order: string[] = [];
    await graph.parallelTopologicalTraversal(
      async (name) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        order.push(name);
        await flush();
        inFlight--;
      },
      { concurrency: 1 },
    );
    expect(maxInFlight).toBe(1);
    expect(order).toEqual(graph.topologicalOrder());
    expect(order).toEqual(['free', 'root', 'late', 'other']);
  });

  it('keeps topologicalOrder() with concurrency 1 when a failure blocks an optional dependency', async () => {
    // `waiter` optionally needs `blocked`; once `blocked` is blocked, `waiter` must still come after `free`.
    const graph = new DependencyGraph([
      plugin('root'),
      plugin('waiter', {}, { blocked: '*' }),
      plugin('free'),
      plugin('blocked', { root: '*' }),
    ]);
    expect(graph.topologicalOrder()).toEqual(['root', 'free', 'blocked', 'waiter']);
    const order: string[] = [];
    await graph.parallelTopologicalTraversal(
      async (name) => {
        order.push(name);
        if (name === 'root') throw new Error('down');
      },
      { concurrency: 1 },
    );
    expect(order).toEqual(['root', 'free', 'waiter']);
  });

  it('never runs more visits at once than the concurrency', async () => {
    const graph = new DependencyGraph(Array.from({ length: 6 }, (_, index) => plugin(`p${index}`)));
    const { events, visit, gate } = controlledVisits(graph.names);
    const done = graph.parallelTopologicalTraversal(visit, { concurrency: 2 });
    await flush();
    expect(events).toEqual(['start p0', 'start p1']);
    gate('p1').resolve();
    await flush();
    expect(events).toEqual(['start p0', 'start p1', 'end p1', 'start p2']);
    for (const name of graph.names) gate(name).resolve();
    await done;
    expect(events.filter((event) => event.startsWith('start'))).toHaveLength(6);
  });

  it('rejects an invalid concurrency with E_INVALID_ARGUMENT', async () => {
    const graph = new DependencyGraph([plugin('a')]);
    await expect(
      graph.parallelTopologicalTraversal(async () => {}, { concurrency: 0 }),
    ).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
    });
  });

  it('rejects with E_DEPENDENCY_CYCLE before visiting anything when a cycle remains', async () => {
    const graph = new DependencyGraph([
      plugin('free'),
      plugin('a', { b: '*' }),
      plugin('b', { c: '*' }),
      plugin('c', { a: '*' }),
    ]);
    const visited: string[] = [];
    const error = await graph
      .parallelTopologicalTraversal(async (name) => void visited.push(name))
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(error).toBeInstanceOf(TrellisError);
    expect((error as TrellisError).code).toBe('E_DEPENDENCY_CYCLE');
    expect((error as TrellisError).message).toContain('a -> b -> c -> a');
    expect((error as TrellisError).details).toEqual({ cycle: ['a', 'b', 'c', 'a'] });
    expect(visited).toEqual([]);
  });

  it('runs once the caller excludes the nodes of a cycle, blocking what requires them', async () => {
    const graph = new DependencyGraph([
      plugin('a', { b: '*' }),
      plugin('b', { a: '*' }),
      plugin('needsA', { a: '*' }),
      plugin('wantsB', {}, { b: '*' }),
    ]);
    const visited: string[] = [];
    const blocked: string[] = [];
    await graph.parallelTopologicalTraversal(async (name) => void visited.push(name), {
      exclude: new Set(['a', 'b']),
      onBlocked: (name) => blocked.push(name),
    });
    expect(visited).toEqual(['wantsB']);
    expect(blocked).toEqual(['needsA']);
  });

  it('finishes every visit and then rejects with the error an onBlocked callback threw', async () => {
    const graph = new DependencyGraph([plugin('a'), plugin('b', { a: '*' }), plugin('c')]);
    const visited: string[] = [];
    const callbackError = new Error('listener broke');
    const outcome = await graph
      .parallelTopologicalTraversal(
        async (name) => {
          visited.push(name);
          if (name === 'a') throw new Error('down');
        },
        {
          onBlocked: () => {
            throw callbackError;
          },
        },
      )
      .then(
        () => 'resolved',
        (reason: unknown) => reason,
      );
    expect(outcome).toBe(callbackError);
    expect(visited.sort()).toEqual(['a', 'c']);
  });

  it('resolves at once for an empty graph', async () => {
    await expect(
      new DependencyGraph([]).parallelTopologicalTraversal(async () => {}),
    ).resolves.toBeUndefined();
  });

  it('visits a 1000-node chain in dependency order', async () => {
    const size = 1000;
    const nodes = Array.from({ length: size }, (_, index) =>
      plugin(`n${index}`, index === 0 ? {} : { [`n${index - 1}`]: '*' }),
    );
    const graph = new DependencyGraph(nodes.reverse());
    const order: string[] = [];
    await graph.parallelTopologicalTraversal(async (name) => void order.push(name));
    expect(order).toEqual(Array.from({ length: size }, (_, index) => `n${index}`));
  });
});

describe('parallelReverseTraversal', () => {
  it('visits a node only after all its dependents settled, even when one failed', async () => {
    const graph = new DependencyGraph([
      plugin('base'),
      plugin('left', { base: '*' }),
      plugin('right', {}, { base: '*' }),
    ]);
    const { events, visit, gate } = controlledVisits(graph.names);
    const done = graph.parallelReverseTraversal(visit);
    await flush();
    // Both dependents start together, latest in topological order first.
    expect(events).toEqual(['start right', 'start left']);
    gate('left').reject(new Error('teardown failed'));
    await flush();
    expect(events).not.toContain('start base');
    gate('right').resolve();
    await flush();
    expect(events.at(-1)).toBe('start base');
    gate('base').resolve();
    await done;
    expect(events).toEqual(['start right', 'start left', 'fail left', 'end right', 'start base', 'end base']);
  });

  it('with concurrency 1 visits in reverse topologicalOrder()', async () => {
    const graph = new DependencyGraph([plugin('late', { root: '*' }), plugin('free'), plugin('root')]);
    const order: string[] = [];
    await graph.parallelReverseTraversal(async (name) => void order.push(name), { concurrency: 1 });
    expect(order).toEqual([...graph.topologicalOrder()].reverse());
    expect(order).toEqual(['late', 'root', 'free']);
  });

  it('restricts the traversal to `only`', async () => {
    const graph = new DependencyGraph([plugin('a'), plugin('b', { a: '*' }), plugin('c', { b: '*' })]);
    const order: string[] = [];
    await graph.parallelReverseTraversal(async (name) => void order.push(name), {
      only: new Set(['a', 'b']),
    });
    expect(order).toEqual(['b', 'a']);
  });

  it('rejects with E_DEPENDENCY_CYCLE when the traversed nodes hold a cycle', async () => {
    const graph = new DependencyGraph([plugin('a', { b: '*' }), plugin('b', { a: '*' })]);
    await expect(graph.parallelReverseTraversal(async () => {})).rejects.toMatchObject({
      code: 'E_DEPENDENCY_CYCLE',
      details: { cycle: ['a', 'b', 'a'] },
    });
  });
});
