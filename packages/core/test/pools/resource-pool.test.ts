import timers from 'node:timers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TrellisError } from '../../src/errors/trellis-error.js';
import { type PoolOptions, ResourcePool } from '../../src/pools/resource-pool.js';

/** A resource that knows whether it was destroyed. */
interface Connection {
  readonly id: number;
  closed: boolean;
}

/** A factory that numbers its connections and records what it destroyed. */
function connections(): {
  made: Connection[];
  destroyed: number[];
  factory: { create(): Promise<Connection>; destroy(connection: Connection): void };
} {
  const made: Connection[] = [];
  const destroyed: number[] = [];
  return {
    made,
    destroyed,
    factory: {
      async create() {
        const connection = { id: made.length + 1, closed: false };
        made.push(connection);
        return connection;
      },
      destroy(connection) {
        connection.closed = true;
        destroyed.push(connection.id);
      },
    },
  };
}

function makePool(options: PoolOptions<Connection> = {}) {
  const source = connections();
  const pool = new ResourcePool<Connection>('db-plugin', source.factory, { name: 'db', ...options });
  return { ...source, pool };
}

/** Lets tarn's promise chains settle without moving fake time. */
async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

describe('ResourcePool under fake timers', () => {
  // tarn starts its intervals with the global setInterval but stops them with the `timers` module's
  // clearInterval, which Vitest does not fake: route that one to the faked global, or a stopped fake
  // interval would look leaked. Under real timers the two functions are the same.
  const moduleClearInterval = timers.clearInterval;
  beforeEach(() => {
    vi.useFakeTimers();
    timers.clearInterval = ((handle) => globalThis.clearInterval(handle)) as typeof timers.clearInterval;
  });
  afterEach(() => {
    timers.clearInterval = moduleClearInterval;
    vi.useRealTimers();
  });

  it('makes a third acquire wait at max 2 and hands it the first released resource', async () => {
    const { pool, made } = makePool({ max: 2 });
    const first = await pool.acquire();
    const second = await pool.acquire();
    let third: Connection | undefined;
    const waiting = pool.acquire().then((connection) => {
      third = connection;
    });
    await settle();
    expect(third).toBeUndefined();
    expect(made).toHaveLength(2);
    expect(pool.stats()).toMatchObject({ size: 2, borrowed: 2, idle: 0, pending: 1 });

    pool.release(first);
    await waiting;
    expect(third).toBe(first);
    expect(made).toHaveLength(2);
    expect(pool.stats()).toEqual({
      size: 2,
      borrowed: 2,
      idle: 0,
      pending: 0,
      timeouts: 0,
      created: 2,
      destroyed: 0,
    });
    pool.release(second);
    pool.release(first);
    await pool.drain();
  });

  it('fails an acquire with E_POOL_TIMEOUT after acquireTimeout when every resource stays borrowed', async () => {
    const { pool } = makePool({ max: 1, acquireTimeout: 1_000 });
    const held = await pool.acquire();
    const waiting = pool.acquire();
    const outcome = waiting.then(
      () => undefined,
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(999);
    expect(pool.stats().pending).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(TrellisError.is(error, 'E_POOL_TIMEOUT')).toBe(true);
    expect((error as TrellisError).details).toEqual({
      pool: 'db',
      plugin: 'db-plugin',
      timeoutMs: 1_000,
      max: 1,
    });
    expect((error as TrellisError).cause).toBeUndefined();
    expect((error as TrellisError).retryable).toBe(true);
    expect(pool.stats()).toMatchObject({ timeouts: 1, pending: 0, borrowed: 1 });
    pool.release(held);
    await pool.drain();
  });

  it('keeps retrying a failing create until acquireTimeout, then fails with the create error as cause', async () => {
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    let attempts = 0;
    const pool = new ResourcePool<Connection>(
      'db-plugin',
      async () => {
        attempts += 1;
        if (attempts < 1_000) throw refused;
        return { id: attempts, closed: false };
      },
      { name: 'db', acquireTimeout: 1_000 },
    );
    const outcome = pool.acquire().then(
      () => undefined,
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(500);
    expect(attempts).toBeGreaterThan(1);
    expect(pool.stats().pending).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    const error = (await outcome) as TrellisError;
    expect(error.code).toBe('E_POOL_TIMEOUT');
    expect(error.cause).toBe(refused);
    expect(error.message).toContain('ECONNREFUSED');
    expect(pool.stats()).toMatchObject({ size: 0, created: 0, timeouts: 1, pending: 0 });
    await pool.drain();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('hands out the resource once a failing create recovers before acquireTimeout', async () => {
    let attempts = 0;
    const pool = new ResourcePool<Connection>(
      'db-plugin',
      () => {
        attempts += 1;
        if (attempts < 3) throw new Error('not yet');
        return { id: attempts, closed: false };
      },
      { max: 1, acquireTimeout: 5_000 },
    );
    const acquired = pool.acquire();
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(acquired).resolves.toEqual({ id: 3, closed: false });
    expect(pool.stats()).toMatchObject({ created: 1, borrowed: 1, timeouts: 0 });

    // Creation works again, so a later timeout is about exhaustion and must not blame the old failure.
    const outcome = pool.acquire().then(
      () => undefined,
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(5_000);
    const error = (await outcome) as TrellisError;
    expect(error.code).toBe('E_POOL_TIMEOUT');
    expect(error.cause).toBeUndefined();
    pool.release(await acquired);
    await pool.drain();
  });

  it('destroys a resource that fails validation on borrow and lends a new one instead', async () => {
    const stale = new Set<number>();
    const { pool, made, destroyed } = makePool({ validate: (connection) => !stale.has(connection.id) });
    const first = await pool.acquire();
    pool.release(first);
    stale.add(first.id);
    const acquired = pool.acquire();
    await settle();
    const second = await acquired;
    expect(second.id).toBe(2);
    expect(made).toHaveLength(2);
    expect(destroyed).toEqual([1]);
    expect(first.closed).toBe(true);
    expect(pool.stats()).toEqual({
      size: 1,
      borrowed: 1,
      idle: 0,
      pending: 0,
      timeouts: 0,
      created: 2,
      destroyed: 1,
    });
    pool.release(second);
    await pool.drain();
  });

  it('treats a validate that throws as a failed validation', async () => {
    let calls = 0;
    const { pool, destroyed } = makePool({
      validate: () => {
        calls += 1;
        if (calls === 1) throw new Error('ping failed');
        return true;
      },
    });
    const acquired = pool.acquire();
    // tarn retries the borrow on a 0 ms timer after destroying the invalid resource.
    await settle();
    const first = await acquired;
    expect(first.id).toBe(2);
    expect(destroyed).toEqual([1]);
    pool.release(first);
    await pool.drain();
  });

  it('destroys idle resources after idleTimeout, down to min', async () => {
    const { pool, destroyed } = makePool({ min: 1, max: 3, idleTimeout: 2_000 });
    const borrowed = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
    for (const connection of borrowed) pool.release(connection);
    expect(pool.stats()).toMatchObject({ size: 3, idle: 3, borrowed: 0 });

    await vi.advanceTimersByTimeAsync(1_500);
    expect(destroyed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(destroyed).toHaveLength(2);
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1, created: 3, destroyed: 2 });

    await vi.advanceTimersByTimeAsync(60_000);
    expect(pool.stats()).toMatchObject({ size: 1, idle: 1, destroyed: 2 });
    await pool.drain();
    expect(pool.stats()).toMatchObject({ size: 0, destroyed: 3 });
  });

  it('stops its idle reaper once every resource is gone, with min 0', async () => {
    const { pool } = makePool({ idleTimeout: 1_000 });
    pool.release(await pool.acquire());
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(pool.stats()).toMatchObject({ size: 0, destroyed: 1 });
    expect(vi.getTimerCount()).toBe(0);
    await pool.drain();
  });

  it('use() releases the resource when work succeeds and when it throws', async () => {
    const { pool } = makePool({ max: 1 });
    await expect(pool.use((connection) => connection.id * 10)).resolves.toBe(10);
    expect(pool.stats()).toMatchObject({ borrowed: 0, idle: 1 });

    const failure = new Error('query failed');
    await expect(
      pool.use(async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(pool.stats()).toMatchObject({ borrowed: 0, idle: 1, created: 1 });
    // With max 1, a leaked resource would make this acquire wait forever.
    await expect(pool.use((connection) => connection.id)).resolves.toBe(1);
    await pool.drain();
  });

  it('refuses to release what it did not lend or what was already released, with E_INVALID_ARGUMENT', async () => {
    const { pool } = makePool();
    const connection = await pool.acquire();
    expect(() => pool.release({ id: 99, closed: false })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
    pool.release(connection);
    expect(() => pool.release(connection)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(pool.stats()).toMatchObject({ borrowed: 0, idle: 1 });
    await pool.drain();
  });

  it('drain waits for borrowed resources, destroys everything, rejects waiting and later acquires', async () => {
    const { pool, destroyed } = makePool({ max: 2 });
    const first = await pool.acquire();
    const second = await pool.acquire();
    pool.release(second);
    const third = await pool.acquire();
    const waiter = pool.acquire().then(
      () => undefined,
      (error: unknown) => error,
    );
    await settle();

    let drained = false;
    const draining = pool.drain().then(() => {
      drained = true;
    });
    expect(pool.drain()).toBe(pool.drain());
    await expect(waiter).resolves.toMatchObject({ code: 'E_PLUGIN_STATE', details: { plugin: 'db-plugin' } });
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'E_PLUGIN_STATE' });
    await expect(pool.use(() => 1)).rejects.toMatchObject({ code: 'E_PLUGIN_STATE' });

    pool.release(first);
    await settle();
    expect(drained).toBe(false);
    expect(destroyed).toEqual([]);
    pool.release(third);
    await draining;
    expect(destroyed.sort()).toEqual([1, 2]);
    expect(pool.stats()).toEqual({
      size: 0,
      borrowed: 0,
      idle: 0,
      pending: 0,
      timeouts: 0,
      created: 2,
      destroyed: 2,
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects an acquire that tarn is still answering when drain begins, and destroys its resource', async () => {
    const { pool, destroyed } = makePool();
    pool.release(await pool.acquire());
    const inFlight = pool.acquire();
    const draining = pool.drain();
    await expect(inFlight).rejects.toMatchObject({ code: 'E_PLUGIN_STATE' });
    // tarn's destroy polls every 100 ms for borrows still being validated.
    await vi.advanceTimersByTimeAsync(100);
    await draining;
    expect(destroyed).toEqual([1]);
    expect(pool.stats()).toMatchObject({ size: 0, borrowed: 0, pending: 0, destroyed: 1 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drain leaves no timer behind after validation, reaping and create retries', async () => {
    let attempts = 0;
    const pool = new ResourcePool<Connection>(
      'db-plugin',
      () => {
        attempts += 1;
        if (attempts === 1) throw new Error('flaky');
        return { id: attempts, closed: false };
      },
      { min: 1, idleTimeout: 500, validate: () => true },
    );
    const connection = pool.acquire();
    await vi.advanceTimersByTimeAsync(300);
    pool.release(await connection);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    await pool.drain();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('awaits an asynchronous destroy and survives one that throws', async () => {
    const closed: number[] = [];
    let next = 0;
    const pool = new ResourcePool<Connection>('db-plugin', {
      create: () => ({ id: ++next, closed: false }),
      async destroy(connection) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (connection.id === 1) throw new Error('already closed');
        closed.push(connection.id);
      },
    });
    const connections = await Promise.all([pool.acquire(), pool.acquire()]);
    for (const connection of connections) pool.release(connection);
    let drained = false;
    const draining = pool.drain().then(() => {
      drained = true;
    });
    await vi.advanceTimersByTimeAsync(50);
    expect(drained).toBe(false);
    await vi.advanceTimersByTimeAsync(50);
    await draining;
    expect(closed).toEqual([2]);
    expect(pool.stats()).toMatchObject({ size: 0, destroyed: 2 });
  });

  it('refuses a create that returns a resource already alive in the pool', async () => {
    const shared = { id: 1, closed: false };
    const pool = new ResourcePool<Connection>('db-plugin', () => shared, { max: 2, acquireTimeout: 1_000 });
    await expect(pool.acquire()).resolves.toBe(shared);
    const outcome = pool.acquire().then(
      () => undefined,
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(1_000);
    const error = (await outcome) as TrellisError;
    expect(error.code).toBe('E_POOL_TIMEOUT');
    expect((error.cause as TrellisError).code).toBe('E_INVALID_ARGUMENT');
    pool.release(shared);
    await pool.drain();
  });
});

describe('ResourcePool with real timers', () => {
  it('leaves no Timeout among the active resources after drain', async () => {
    const before = countTimeouts();
    const { pool } = makePool({ min: 1, max: 2 });
    const [first, second] = await Promise.all([pool.acquire(), pool.acquire()]);
    pool.release(first as Connection);
    pool.release(second as Connection);
    await pool.use(async () => undefined);
    expect(countTimeouts()).toBeGreaterThan(before);
    await pool.drain();
    expect(countTimeouts()).toBe(before);
  });

  it.each([
    ['max 0', { max: 0 }],
    ['min above max', { min: 3, max: 2 }],
    ['min -1', { min: -1 }],
    ['acquireTimeout 0', { acquireTimeout: 0 }],
    ['idleTimeout 1.5', { idleTimeout: 1.5 }],
    ['acquireTimeout Infinity', { acquireTimeout: Number.POSITIVE_INFINITY }],
  ])('refuses %s with E_INVALID_ARGUMENT', (_label, options) => {
    expect(() => new ResourcePool('db-plugin', () => ({}), options)).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
  });
});

function countTimeouts(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}
