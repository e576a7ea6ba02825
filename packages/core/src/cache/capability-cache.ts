import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock/clock.js';
import { errors } from '../errors/errors.js';
import { stableKey } from './stable-key.js';

/**
 * How one capability caches its results. Results are returned to every hit exactly as they were stored
 * (no copy is made on the hot path), so callers and handlers must treat cached results as immutable.
 */
export interface CacheOptions<Params = unknown, Result = unknown> {
  /**
   * How long a stored result is served, in milliseconds (> 0): a result stored at `t` is fresh while
   * `now < t + ttl`, and a miss from `t + ttl` on.
   */
  readonly ttl: number;
  /**
   * Most results kept at once; the least recently used one makes room (default 1000). The LRU allocates
   * its bookkeeping for this many entries up front, so keep it near the working set.
   */
  readonly maxEntries?: number;
  /**
   * Optional budget for all stored results together, measured as the length of each result's JSON text.
   * A result bigger than the whole budget, or one that cannot be turned into JSON, is not cached.
   */
  readonly maxSize?: number;
  /** Builds the cache key from the params (default {@link stableKey}); `undefined` skips the cache. */
  readonly key?: (params: Params) => string | undefined;
  /** Tags for a stored result, so that {@link CapabilityCache.invalidateTag} can drop related entries. */
  readonly tags?: (params: Params, result: Result) => readonly string[];
  /** Event patterns that should clear this cache; the host subscribes to them. */
  readonly invalidateOn?: readonly string[];
}

/** Counters read by metrics at scrape time. */
export interface CacheStats {
  /** Lookups answered from the cache. */
  hits: number;
  /** Loads that ran the capability because nothing fresh was stored and none was in flight. */
  misses: number;
  /** Loads that joined a load of the same key already in flight instead of running again. */
  coalesced: number;
  /** Fresh entries dropped to make room (by entry count or size budget). */
  evictions: number;
  /** Entries dropped because their TTL had passed. */
  expirations: number;
}

/** Returned by {@link CapabilityCache.peek} when nothing fresh is stored for the key. */
export const MISS: unique symbol = Symbol('trellis.cache.miss');

const DEFAULT_MAX_ENTRIES = 1000;
const OPTION_NAMES: ReadonlySet<string> = new Set([
  'ttl',
  'maxEntries',
  'maxSize',
  'key',
  'tags',
  'invalidateOn',
]);

/** What the LRU holds per key: the result plus what expiry and tag cleanup need. */
interface Entry {
  readonly value: unknown;
  readonly expiresAt: number;
  readonly tags: readonly string[] | undefined;
}

/**
 * The result cache of one capability: LRU by entry count and optional size budget, a TTL read from the
 * injected clock, single-flight loading, and invalidation by key, tag or all at once.
 *
 * The call pipeline uses it in three steps: {@link keyOf} (undefined means "do not cache this call"),
 * {@link peek} (the synchronous hit path) and, on a miss, {@link load}.
 *
 * Expiry is checked against the clock on each lookup; there are no timers. An expired entry that is never
 * looked up again stays until the LRU pushes it out, and then counts as an expiration, not an eviction.
 */
export class CapabilityCache<Params = unknown, Result = unknown> {
  /** Plain counters for metrics; they only ever grow. */
  readonly stats: Readonly<CacheStats>;
  readonly #stats: CacheStats;
  readonly #capability: string;
  readonly #clock: Clock;
  readonly #ttl: number;
  readonly #maxSize: number | undefined;
  readonly #key: ((params: Params) => string | undefined) | undefined;
  readonly #tags: ((params: Params, result: Result) => readonly string[]) | undefined;
  readonly #entries: LRUCache<string, Entry>;
  /** Keys of stored entries by tag; only entries that carry tags appear here. */
  readonly #keysByTag = new Map<string, Set<string>>();
  /**
   * Loads in flight by key. A load removed from here by an invalidation is "detached": it still settles
   * for the callers already waiting on it, but it never stores, because what it read may predate the change.
   */
  readonly #inFlight = new Map<string, Promise<Result>>();

  constructor(capability: string, options: CacheOptions<Params, Result>, clock: Clock) {
    validateOptions(capability, options);
    this.#capability = capability;
    this.#clock = clock;
    this.#ttl = options.ttl;
    this.#maxSize = options.maxSize;
    this.#key = options.key;
    this.#tags = options.tags;
    this.#stats = { hits: 0, misses: 0, coalesced: 0, evictions: 0, expirations: 0 };
    this.stats = this.#stats;
    this.#entries = new LRUCache<string, Entry>({
      max: options.maxEntries ?? DEFAULT_MAX_ENTRIES,
      ...(options.maxSize === undefined ? {} : { maxSize: options.maxSize }),
      // Expiry is ours (exact at `ttl`, on the injected clock, no timers), so the LRU gets no ttl.
      dispose: (entry, key, reason) => this.#onRemoved(entry, key, reason),
    });
  }

  /** Entries currently held, including expired ones not yet looked up or pushed out. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The cache key for `params`, or `undefined` when this call cannot be cached (params that
   * {@link stableKey} cannot key, or a custom `key` function that returned `undefined`) and should bypass
   * the cache entirely.
   */
  keyOf(params: Params): string | undefined {
    if (this.#key === undefined) return stableKey(params);
    const key = this.#key(params);
    if (typeof key === 'string' || key === undefined) return key;
    throw errors.invalidArgument(
      `cache.key of capability '${this.#capability}'`,
      'a string or undefined',
      key,
    );
  }

  /**
   * The fresh stored result for `key`, or {@link MISS}. Counts a hit when found; a miss is counted by the
   * {@link load} that follows. The result is the stored object itself: do not mutate it.
   *
   * `now` lets a caller that already read the clock for this call (for its deadline) pass that reading
   * in: the clock read is most of the cost of a hit.
   */
  peek(key: string, now?: number): Result | typeof MISS {
    const entry = this.#entries.get(key);
    if (entry === undefined) return MISS;
    if ((now ?? this.#clock.now()) >= entry.expiresAt) {
      this.#stats.expirations += 1;
      this.#entries.delete(key);
      return MISS;
    }
    this.#stats.hits += 1;
    return entry.value as Result;
  }

  /**
   * The miss path, with single flight: when a load of `key` is already in flight its promise is returned
   * (counted as `coalesced`); otherwise a miss is counted, `run` is called once, and its fulfilled value is
   * stored with its tags and returned. A rejection reaches every waiter and nothing is stored.
   *
   * A load that an invalidation of its key, any tag, or {@link clear} overtakes is detached: its waiters
   * still get its outcome, later callers start a fresh load, and its value is never stored.
   *
   * `load` does not look at stored entries (call {@link peek} first); a value it stores replaces the
   * entry for `key`, if any.
   */
  load(key: string, params: Params, run: () => Promise<Result>): Promise<Result> {
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) {
      this.#stats.coalesced += 1;
      return pending;
    }
    this.#stats.misses += 1;
    let started: Promise<Result>;
    try {
      started = run();
    } catch (error) {
      started = Promise.reject(error);
    }
    const flight: Promise<Result> = Promise.resolve(started).then(
      (value) => {
        // Only the load still registered for its key may store: a detached one may hold stale data.
        if (this.#inFlight.get(key) === flight) {
          this.#inFlight.delete(key);
          this.#store(key, params, value);
        }
        return value;
      },
      (error: unknown) => {
        if (this.#inFlight.get(key) === flight) this.#inFlight.delete(key);
        throw error;
      },
    );
    this.#inFlight.set(key, flight);
    return flight;
  }

  /** Drops the entry for `key` and detaches its in-flight load; true when an entry was removed. */
  invalidate(key: string): boolean {
    this.#inFlight.delete(key);
    return this.#entries.delete(key);
  }

  /**
   * Drops every entry tagged `tag` and returns how many were removed. Loads in flight are all detached
   * (when the cache has a `tags` option), because their tags are only known once their result is.
   */
  invalidateTag(tag: string): number {
    if (this.#tags !== undefined) this.#inFlight.clear();
    const keys = this.#keysByTag.get(tag);
    if (keys === undefined) return 0;
    let removed = 0;
    // Deleting an entry also removes its key from this set (see #onRemoved); iterating a Set while
    // deleting already-visited members is well defined.
    for (const key of keys) {
      if (this.#entries.delete(key)) removed += 1;
    }
    return removed;
  }

  /** Drops every entry and detaches every load in flight. */
  clear(): void {
    this.#inFlight.clear();
    this.#entries.clear();
    this.#keysByTag.clear();
  }

  #store(key: string, params: Params, value: Result): void {
    let size: number | undefined;
    if (this.#maxSize !== undefined) {
      size = jsonLength(value);
      if (size === undefined || size > this.#maxSize) {
        // Too big (or unmeasurable) to keep: drop any older entry rather than leave it beside a newer result.
        this.#entries.delete(key);
        return;
      }
    }
    const tags = this.#tags === undefined ? undefined : this.#tagsOf(params, value);
    const entry: Entry = { value, expiresAt: this.#clock.now() + this.#ttl, tags };
    // Setting over an existing entry disposes it first (reason 'set'), which unindexes its old tags.
    this.#entries.set(key, entry, size === undefined ? undefined : { size });
    if (tags !== undefined) {
      for (const tag of tags) {
        let keys = this.#keysByTag.get(tag);
        if (keys === undefined) {
          keys = new Set();
          this.#keysByTag.set(tag, keys);
        }
        keys.add(key);
      }
    }
  }

  #tagsOf(params: Params, value: Result): readonly string[] | undefined {
    const tags = this.#tags?.(params, value);
    if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string')) {
      throw errors.invalidArgument(
        `cache.tags of capability '${this.#capability}'`,
        'a function returning an array of strings',
        tags,
      );
    }
    return tags.length === 0 ? undefined : tags;
  }

  /** Called by the LRU for every removal: keeps the tag index in step and counts evictions. */
  #onRemoved(entry: Entry, key: string, reason: LRUCache.DisposeReason): void {
    if (reason === 'evict' || reason === 'set') {
      // An entry that had already expired when pushed out or replaced was lost to its TTL, not to room.
      if (this.#clock.now() >= entry.expiresAt) this.#stats.expirations += 1;
      else if (reason === 'evict') this.#stats.evictions += 1;
    }
    if (entry.tags === undefined) return;
    for (const tag of entry.tags) {
      const keys = this.#keysByTag.get(tag);
      if (keys === undefined) continue;
      keys.delete(key);
      if (keys.size === 0) this.#keysByTag.delete(tag);
    }
  }
}

/** The size a result counts against `maxSize`: its JSON text length, at least 1 as the LRU requires. */
function jsonLength(value: unknown): number | undefined {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? 1 : Math.max(1, text.length);
  } catch {
    // BigInts and cycles have no JSON form, so their size is unknown and they are not cached.
    return undefined;
  }
}

function validateOptions(capability: string, options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw errors.invalidArgument(`the cache options of capability '${capability}'`, 'an object', options);
  }
  const record = options as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    if (!OPTION_NAMES.has(name)) {
      throw errors.invalidArgument(
        `cache.${name} of capability '${capability}'`,
        `absent (known cache options: ${[...OPTION_NAMES].join(', ')})`,
        record[name],
      );
    }
  }
  const field = (name: string) => `cache.${name} of capability '${capability}'`;
  const { ttl, maxEntries, maxSize, key, tags, invalidateOn } = record;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw errors.invalidArgument(field('ttl'), 'a finite number of milliseconds greater than 0', ttl);
  }
  if (maxEntries !== undefined && !isPositiveInteger(maxEntries)) {
    throw errors.invalidArgument(field('maxEntries'), 'a positive integer', maxEntries);
  }
  if (maxSize !== undefined && !isPositiveInteger(maxSize)) {
    throw errors.invalidArgument(field('maxSize'), 'a positive integer (characters of JSON)', maxSize);
  }
  if (key !== undefined && typeof key !== 'function') {
    throw errors.invalidArgument(field('key'), 'a function (params) => string', key);
  }
  if (tags !== undefined && typeof tags !== 'function') {
    throw errors.invalidArgument(field('tags'), 'a function (params, result) => string[]', tags);
  }
  if (
    invalidateOn !== undefined &&
    (!Array.isArray(invalidateOn) || !invalidateOn.every((pattern) => typeof pattern === 'string'))
  ) {
    throw errors.invalidArgument(field('invalidateOn'), 'an array of event pattern strings', invalidateOn);
  }
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
