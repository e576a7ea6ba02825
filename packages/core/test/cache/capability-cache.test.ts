import { describe, expect, it } from 'vitest';
import { type CacheOptions, CapabilityCache, MISS } from '../../src/cache/capability-cache.js';
import { TrellisError } from '../../src/errors/trellis-error.js';
import { deferred } from '../support/deferred.js';
import { flushPromises, ManualClock } from '../support/manual-clock.js';
import { codeOf } from '../support/thrown.js';

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

function makeCache<Result = unknown>(options: CacheOptions<unknown, Result>, clock = new ManualClock()) {
  return { cache: new CapabilityCache<unknown, Result>('users.get', options, clock), clock };
}

/** Stores `value` under `key` through the public miss path. */
function store<Result>(
  cache: CapabilityCache<unknown, Result>,
  key: string,
  value: Result,
  params?: unknown,
) {
  return cache.load(key, params ?? key, () => Promise.resolve(value));
}

describe('CapabilityCache options', () => {
  const invalid: Array<[string, unknown, string]> = [
    ['ttl of 0', { ttl: 0 }, 'cache.ttl'],
    ['negative ttl', { ttl: -5 }, 'cache.ttl'],
    ['NaN ttl', { ttl: Number.NaN }, 'cache.ttl'],
    ['infinite ttl', { ttl: Number.POSITIVE_INFINITY }, 'cache.ttl'],
    ['ttl as a string', { ttl: '100' }, 'cache.ttl'],
    ['missing ttl', {}, 'cache.ttl'],
    ['maxEntries of 0', { ttl: 1, maxEntries: 0 }, 'cache.maxEntries'],
    ['fractional maxEntries', { ttl: 1, maxEntries: 1.5 }, 'cache.maxEntries'],
    ['maxSize of 0', { ttl: 1, maxSize: 0 }, 'cache.maxSize'],
    ['key that is not a function', { ttl: 1, key: 'id' }, 'cache.key'],
    ['tags that is not a function', { ttl: 1, tags: ['users'] }, 'cache.tags'],
    ['invalidateOn that is a string', { ttl: 1, invalidateOn: 'user.*' }, 'cache.invalidateOn'],
    ['invalidateOn with a number', { ttl: 1, invalidateOn: ['user.*', 3] }, 'cache.invalidateOn'],
    ['a misspelt option', { ttl: 1, maxEntry: 5 }, 'cache.maxEntry'],
  ];

  for (const [name, options, argument] of invalid) {
    it(`rejects ${name} with E_INVALID_ARGUMENT naming ${argument}`, () => {
      let thrown: unknown;
      try {
        new CapabilityCache('users.get', options as CacheOptions, new ManualClock());
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TrellisError);
      expect((thrown as TrellisError).code).toBe('E_INVALID_ARGUMENT');
      expect((thrown as TrellisError).details.argument).toBe(`${argument} of capability 'users.get'`);
    });
  }

  it('rejects options that are not an object', () => {
    expect(codeOf(() => new CapabilityCache('users.get', null as never, new ManualClock()))).toBe(
      'E_INVALID_ARGUMENT',
    );
  });

  it('accepts a full set of valid options', () => {
    const { cache } = makeCache({
      ttl: 1.5,
      maxEntries: 3,
      maxSize: 100,
      key: () => 'k',
      tags: () => [],
      invalidateOn: ['user.*', 'order.**'],
    });
    expect(cache.size).toBe(0);
  });
});

describe('CapabilityCache keys', () => {
  it('keys params with stableKey by default, and bypasses params it cannot key', () => {
    const { cache } = makeCache({ ttl: 10 });
    expect(cache.keyOf({ b: 1, a: 2 })).toBe(cache.keyOf({ a: 2, b: 1 }));
    expect(cache.keyOf({ id: 1 })).not.toBe(cache.keyOf({ id: '1' }));
    expect(cache.keyOf({ callback: () => 1 })).toBeUndefined();
  });

  it('uses a custom key function, whose undefined means bypass', () => {
    const { cache } = makeCache({
      ttl: 10,
      key: (params) =>
        (params as { id?: number }).id === undefined ? undefined : `user:${(params as { id: number }).id}`,
    });
    expect(cache.keyOf({ id: 7, verbose: true })).toBe('user:7');
    expect(cache.keyOf({})).toBeUndefined();
  });

  it('rejects a custom key that is neither a string nor undefined', () => {
    const { cache } = makeCache({ ttl: 10, key: () => 42 as unknown as string });
    expect(codeOf(() => cache.keyOf({}))).toBe('E_INVALID_ARGUMENT');
  });
});

describe('CapabilityCache TTL', () => {
  it('serves an entry until exactly ttl has passed on the injected clock', async () => {
    const { cache, clock } = makeCache({ ttl: 1000 });
    expect(await store(cache, 'k', 'v')).toBe('v');
    await clock.advance(999);
    expect(cache.peek('k')).toBe('v');
    await clock.advance(1);
    expect(cache.peek('k')).toBe(MISS);
    expect(cache.size).toBe(0);
    expect(cache.stats).toEqual({ hits: 1, misses: 1, coalesced: 0, evictions: 0, expirations: 1 });
  });

  it('judges freshness by a clock reading the caller passes in, when it passes one', async () => {
    const { cache, clock } = makeCache({ ttl: 1000 });
    await store(cache, 'k', 'v');
    expect(cache.peek('k', clock.now() + 999)).toBe('v');
    expect(cache.peek('k', clock.now() + 1000)).toBe(MISS);
    expect(cache.stats.expirations).toBe(1);
  });

  it('counts an expired entry pushed out by the LRU as an expiration, not an eviction', async () => {
    const { cache, clock } = makeCache({ ttl: 100, maxEntries: 1 });
    await store(cache, 'a', 1);
    await clock.advance(100);
    await store(cache, 'b', 2);
    expect(cache.stats.expirations).toBe(1);
    expect(cache.stats.evictions).toBe(0);
    expect(cache.peek('b')).toBe(2);
  });

  it('starts no timers', async () => {
    const { cache, clock } = makeCache({ ttl: 100 });
    await store(cache, 'a', 1);
    cache.peek('a');
    expect(clock.pending).toBe(0);
  });

  it('caches undefined and null results as hits, not misses', async () => {
    const { cache } = makeCache({ ttl: 100 });
    await store(cache, 'nothing', undefined);
    await store(cache, 'null', null);
    expect(cache.peek('nothing')).toBeUndefined();
    expect(cache.peek('null')).toBeNull();
    expect(cache.stats.hits).toBe(2);
  });

  it('returns the stored object itself, without copying it', async () => {
    const { cache } = makeCache({ ttl: 100 });
    const user = { id: 1 };
    await store(cache, 'k', user);
    expect(cache.peek('k')).toBe(user);
  });
});

describe('CapabilityCache LRU', () => {
  it('evicts the least recently used entry when maxEntries is reached', async () => {
    const { cache } = makeCache({ ttl: 10_000, maxEntries: 2 });
    await store(cache, 'a', 'A');
    await store(cache, 'b', 'B');
    expect(cache.peek('a')).toBe('A');
    await store(cache, 'c', 'C');
    expect(cache.size).toBe(2);
    expect(cache.peek('b')).toBe(MISS);
    expect(cache.peek('a')).toBe('A');
    expect(cache.peek('c')).toBe('C');
    expect(cache.stats).toEqual({ hits: 3, misses: 3, coalesced: 0, evictions: 1, expirations: 0 });
  });

  it('evicts by the JSON size budget', async () => {
    // '"abc"' is 5 characters of JSON, so two such results fill a budget of 10.
    const { cache } = makeCache({ ttl: 10_000, maxSize: 10 });
    await store(cache, 'a', 'abc');
    await store(cache, 'b', 'def');
    expect(cache.size).toBe(2);
    await store(cache, 'c', 'g');
    expect(cache.peek('a')).toBe(MISS);
    expect(cache.peek('b')).toBe('def');
    expect(cache.peek('c')).toBe('g');
    expect(cache.stats.evictions).toBe(1);
  });

  it('does not cache a result bigger than the whole size budget, and evicts nothing for it', async () => {
    const { cache } = makeCache({ ttl: 10_000, maxSize: 10 });
    await store(cache, 'small', 'abc');
    expect(await store(cache, 'big', 'x'.repeat(20))).toBe('x'.repeat(20));
    expect(cache.peek('big')).toBe(MISS);
    expect(cache.peek('small')).toBe('abc');
    expect(cache.size).toBe(1);
    expect(cache.stats.evictions).toBe(0);
  });

  it('drops the older entry of a key whose new result is too big, rather than keep serving it', async () => {
    const { cache } = makeCache({ ttl: 10_000, maxSize: 10 });
    await store(cache, 'k', 'old');
    await store(cache, 'k', 'x'.repeat(20));
    expect(cache.peek('k')).toBe(MISS);
    expect(cache.size).toBe(0);
  });

  it('caches results without a JSON size only when there is no size budget', async () => {
    const sized = makeCache<unknown>({ ttl: 10_000, maxSize: 100 }).cache;
    expect(await store(sized, 'k', { amount: 10n })).toEqual({ amount: 10n });
    expect(sized.peek('k')).toBe(MISS);
    const unsized = makeCache<unknown>({ ttl: 10_000 }).cache;
    await store(unsized, 'k', { amount: 10n });
    expect(unsized.peek('k')).toEqual({ amount: 10n });
  });
});

describe('CapabilityCache single flight', () => {
  it('runs one load for concurrent misses of a key and gives every caller its value', async () => {
    const { cache } = makeCache({ ttl: 1000 });
    const pending = deferred<string>();
    let runs = 0;
    const run = () => {
      runs += 1;
      return pending.promise;
    };
    const loads = [cache.load('k', {}, run), cache.load('k', {}, run), cache.load('k', {}, run)];
    pending.resolve('value');
    expect(await Promise.all(loads)).toEqual(['value', 'value', 'value']);
    expect(runs).toBe(1);
    expect(cache.peek('k')).toBe('value');
    expect(cache.stats).toEqual({ hits: 1, misses: 1, coalesced: 2, evictions: 0, expirations: 0 });
  });

  it('rejects every waiter of a failed load, stores nothing, and runs again on the next load', async () => {
    const { cache } = makeCache({ ttl: 1000 });
    const pending = deferred<string>();
    let runs = 0;
    const failing = () => {
      runs += 1;
      return pending.promise;
    };
    const loads = [cache.load('k', {}, failing), cache.load('k', {}, failing), cache.load('k', {}, failing)];
    const failure = new Error('database down');
    pending.reject(failure);
    for (const load of loads) expect(await rejectionOf(load)).toBe(failure);
    expect(runs).toBe(1);
    expect(cache.size).toBe(0);
    expect(cache.peek('k')).toBe(MISS);
    expect(await cache.load('k', {}, () => Promise.resolve('recovered'))).toBe('recovered');
    expect(cache.stats).toEqual({ hits: 0, misses: 2, coalesced: 2, evictions: 0, expirations: 0 });
  });

  it('turns a load that throws synchronously into a rejection', async () => {
    const { cache } = makeCache({ ttl: 1000 });
    const failure = new Error('sync');
    const load = cache.load('k', {}, () => {
      throw failure;
    });
    expect(await rejectionOf(load)).toBe(failure);
    expect(cache.size).toBe(0);
  });

  it('loads different keys independently', async () => {
    const { cache } = makeCache({ ttl: 1000 });
    const results = await Promise.all([store(cache, 'a', 1), store(cache, 'b', 2)]);
    expect(results).toEqual([1, 2]);
    expect(cache.stats.misses).toBe(2);
    expect(cache.stats.coalesced).toBe(0);
  });
});

describe('CapabilityCache invalidation', () => {
  const tagged: CacheOptions<unknown, { id: number; team: string }> = {
    ttl: 10_000,
    tags: (_params, result) => [`user:${result.id}`, `team:${result.team}`],
  };

  it('invalidates one key, reporting whether an entry was there', async () => {
    const { cache } = makeCache(tagged);
    await store(cache, 'a', { id: 1, team: 'red' });
    await store(cache, 'b', { id: 2, team: 'red' });
    expect(cache.invalidate('a')).toBe(true);
    expect(cache.invalidate('a')).toBe(false);
    expect(cache.peek('a')).toBe(MISS);
    expect(cache.peek('b')).toEqual({ id: 2, team: 'red' });
    // The removed entry's tags went with it: only 'b' is left under team:red.
    expect(cache.invalidateTag('user:1')).toBe(0);
    expect(cache.invalidateTag('team:red')).toBe(1);
  });

  it('invalidates every entry carrying a tag and returns how many', async () => {
    const { cache } = makeCache(tagged);
    await store(cache, 'a', { id: 1, team: 'red' });
    await store(cache, 'b', { id: 2, team: 'red' });
    await store(cache, 'c', { id: 3, team: 'blue' });
    expect(cache.invalidateTag('team:red')).toBe(2);
    expect(cache.peek('a')).toBe(MISS);
    expect(cache.peek('b')).toBe(MISS);
    expect(cache.peek('c')).toEqual({ id: 3, team: 'blue' });
    expect(cache.invalidateTag('team:red')).toBe(0);
    expect(cache.invalidateTag('no-such-tag')).toBe(0);
  });

  it('forgets the tags of entries that were evicted, expired or overwritten', async () => {
    const { cache, clock } = makeCache({ ...tagged, maxEntries: 2, ttl: 100 });
    await store(cache, 'evicted', { id: 1, team: 'red' });
    await store(cache, 'kept', { id: 2, team: 'blue' });
    await store(cache, 'newcomer', { id: 3, team: 'blue' });
    expect(cache.stats.evictions).toBe(1);
    expect(cache.invalidateTag('user:1')).toBe(0);

    await clock.advance(100);
    expect(cache.peek('kept')).toBe(MISS);
    expect(cache.invalidateTag('user:2')).toBe(0);

    // Loading over a stored entry replaces its tags.
    await store(cache, 'newcomer', { id: 4, team: 'green' });
    expect(cache.invalidateTag('user:3')).toBe(0);
    expect(cache.invalidateTag('team:blue')).toBe(0);
    expect(cache.invalidateTag('user:4')).toBe(1);
    // 'kept' expired on lookup and the old 'newcomer' had expired when it was replaced.
    expect(cache.stats.expirations).toBe(2);
    expect(cache.stats.evictions).toBe(1);
  });

  it('replaces a fresh entry loaded again without counting an eviction, and drops its old tags', async () => {
    const { cache } = makeCache(tagged);
    await store(cache, 'k', { id: 1, team: 'red' });
    await store(cache, 'k', { id: 1, team: 'blue' });
    expect(cache.size).toBe(1);
    expect(cache.invalidateTag('team:red')).toBe(0);
    expect(cache.stats).toEqual({ hits: 0, misses: 2, coalesced: 0, evictions: 0, expirations: 0 });
    expect(cache.invalidateTag('team:blue')).toBe(1);
  });

  it('clears every entry and its tags', async () => {
    const { cache } = makeCache(tagged);
    await store(cache, 'a', { id: 1, team: 'red' });
    await store(cache, 'b', { id: 2, team: 'blue' });
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.peek('a')).toBe(MISS);
    expect(cache.invalidateTag('team:red')).toBe(0);
  });

  it('rejects the load when the tags function returns non-strings, storing nothing', async () => {
    const { cache } = makeCache({ ttl: 100, tags: () => [1] as unknown as string[] });
    const error = await rejectionOf(store(cache, 'k', 'v'));
    expect(TrellisError.is(error, 'E_INVALID_ARGUMENT')).toBe(true);
    expect(cache.size).toBe(0);
  });

  describe('a load that an invalidation overtakes', () => {
    const invalidations: Array<
      [string, (cache: CapabilityCache<unknown, { id: number; team: string }>) => void]
    > = [
      ['invalidate(key)', (cache) => cache.invalidate('k')],
      ['invalidateTag(tag)', (cache) => cache.invalidateTag('team:red')],
      ['clear()', (cache) => cache.clear()],
    ];

    for (const [name, invalidation] of invalidations) {
      it(`still answers its waiters but does not store after ${name}`, async () => {
        const { cache } = makeCache(tagged);
        const stale = deferred<{ id: number; team: string }>();
        const before = cache.load('k', {}, () => stale.promise);
        invalidation(cache);
        stale.resolve({ id: 1, team: 'red' });
        expect(await before).toEqual({ id: 1, team: 'red' });
        expect(cache.peek('k')).toBe(MISS);
        expect(cache.size).toBe(0);
      });

      it(`makes later callers start a fresh load after ${name}, which is the one stored`, async () => {
        const { cache } = makeCache(tagged);
        const stale = deferred<{ id: number; team: string }>();
        const fresh = deferred<{ id: number; team: string }>();
        const before = cache.load('k', {}, () => stale.promise);
        invalidation(cache);
        let freshRuns = 0;
        const runFresh = () => {
          freshRuns += 1;
          return fresh.promise;
        };
        const after = [cache.load('k', {}, runFresh), cache.load('k', {}, runFresh)];
        expect(freshRuns).toBe(1);

        fresh.resolve({ id: 1, team: 'blue' });
        expect(await Promise.all(after)).toEqual([
          { id: 1, team: 'blue' },
          { id: 1, team: 'blue' },
        ]);
        // The overtaken load finishing last must neither overwrite the fresh value nor store its own.
        stale.resolve({ id: 1, team: 'red' });
        await before;
        await flushPromises();
        expect(cache.peek('k')).toEqual({ id: 1, team: 'blue' });
        expect(cache.stats).toEqual({ hits: 1, misses: 2, coalesced: 1, evictions: 0, expirations: 0 });
      });
    }

    it('does not let an overtaken load that fails remove the fresh load from the in-flight set', async () => {
      const { cache } = makeCache({ ttl: 100 });
      const stale = deferred<string>();
      const fresh = deferred<string>();
      const before = cache.load('k', {}, () => stale.promise);
      cache.invalidate('k');
      const after = cache.load('k', {}, () => fresh.promise);
      stale.reject(new Error('stale failure'));
      await rejectionOf(before);
      let extraRuns = 0;
      const joined = cache.load('k', {}, () => {
        extraRuns += 1;
        return Promise.resolve('extra');
      });
      fresh.resolve('fresh');
      expect(await after).toBe('fresh');
      expect(await joined).toBe('fresh');
      expect(extraRuns).toBe(0);
    });
  });
});

describe('CapabilityCache stats', () => {
  it('counts a mixed sequence exactly', async () => {
    const { cache, clock } = makeCache({ ttl: 50, maxEntries: 2 });
    await store(cache, 'a', 1); // miss
    cache.peek('a'); // hit
    cache.peek('a'); // hit
    cache.peek('missing'); // neither: the load that follows counts the miss
    await Promise.all([store(cache, 'b', 2), store(cache, 'b', 2)]); // miss + coalesced
    await store(cache, 'c', 3); // miss, evicts 'a' (least recently used)
    await clock.advance(50);
    cache.peek('b'); // expiration
    cache.peek('c'); // expiration
    expect(cache.stats).toEqual({ hits: 2, misses: 3, coalesced: 1, evictions: 1, expirations: 2 });
    expect(cache.size).toBe(0);
  });
});
