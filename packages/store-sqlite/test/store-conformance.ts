import {
  matchesTaskQuery,
  type Store,
  type TaskQuery,
  type TaskRecord,
  type TaskStatus,
} from '@trellis/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** A store under test and how to remove what it left behind (files, directories) once it is closed. */
export interface StoreFixture {
  /** A new, empty store that has not been opened. */
  readonly store: Store;
  cleanup(): Promise<void>;
}

const NOW = 1_000;

/** A complete job record; `overrides` replace its fields. */
export function taskRecord(overrides: Partial<TaskRecord> & { readonly id: string }): TaskRecord {
  return {
    kind: 'job',
    plugin: 'mailer',
    name: 'send',
    status: 'scheduled',
    payload: { to: 'ada@example.com' },
    priority: 0,
    attempts: 0,
    maxAttempts: 1,
    runAt: NOW,
    createdAt: NOW,
    ...overrides,
  };
}

/** Keys in the order the Store contract lists them. */
function keyOrder(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

// Keys in the property tests mix LIKE wildcards, a backslash, a NUL and characters of 2, 3 and 4 UTF-8
// bytes. None lies in U+E000–U+FFFF, where UTF-16 order (MemoryStore) and code point order (SQLite)
// disagree against characters above U+FFFF.
const KEY_UNITS = ['a', 'b', '%', '_', '\\', '\u0000', 'é', '中', '😀'] as const;
const JSON_VALUES = ['1', '2', '"x"', 'null', '{"a":[1,2]}'] as const;

type StateOperation =
  | {
      readonly type: 'write';
      readonly namespace: string;
      readonly key: string;
      readonly json: string;
      readonly ttl?: number;
    }
  | {
      readonly type: 'compareAndSet';
      readonly namespace: string;
      readonly key: string;
      readonly expected: string | null;
      readonly json: string;
      readonly ttl?: number;
    }
  | { readonly type: 'remove'; readonly namespace: string; readonly key: string; readonly expected?: string }
  | { readonly type: 'read'; readonly namespace: string; readonly key: string }
  | {
      readonly type: 'list';
      readonly namespace: string;
      readonly prefix: string;
      readonly after?: string;
      readonly limit?: number;
    }
  | { readonly type: 'advance'; readonly ms: number };

const namespaceArbitrary = fc.constantFrom('n', 'n2');
const keyArbitrary = fc.string({ unit: fc.constantFrom(...KEY_UNITS), maxLength: 3 });
const jsonArbitrary = fc.constantFrom(...JSON_VALUES);
const ttlArbitrary = fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined });

const stateOperationArbitrary: fc.Arbitrary<StateOperation> = fc.oneof(
  fc.record(
    {
      type: fc.constant('write'),
      namespace: namespaceArbitrary,
      key: keyArbitrary,
      json: jsonArbitrary,
      ttl: ttlArbitrary,
    },
    { requiredKeys: ['type', 'namespace', 'key', 'json'] },
  ),
  fc.record(
    {
      type: fc.constant('compareAndSet'),
      namespace: namespaceArbitrary,
      key: keyArbitrary,
      expected: fc.option(jsonArbitrary, { nil: null }),
      json: jsonArbitrary,
      ttl: ttlArbitrary,
    },
    { requiredKeys: ['type', 'namespace', 'key', 'expected', 'json'] },
  ),
  fc.record(
    {
      type: fc.constant('remove'),
      namespace: namespaceArbitrary,
      key: keyArbitrary,
      expected: jsonArbitrary,
    },
    { requiredKeys: ['type', 'namespace', 'key'] },
  ),
  fc.record({ type: fc.constant('read'), namespace: namespaceArbitrary, key: keyArbitrary }),
  fc.record(
    {
      type: fc.constant('list'),
      namespace: namespaceArbitrary,
      prefix: fc.string({ unit: fc.constantFrom(...KEY_UNITS), maxLength: 2 }),
      after: keyArbitrary,
      limit: fc.integer({ min: 0, max: 4 }),
    },
    { requiredKeys: ['type', 'namespace', 'prefix'] },
  ),
  fc.record({ type: fc.constant('advance'), ms: fc.integer({ min: 0, max: 30 }) }),
);

interface ModelEntry {
  readonly json: string;
  readonly expiresAt?: number;
}

/** The Store's state semantics, written as plainly as possible: what every store must agree with. */
class StateModel {
  readonly #entries = new Map<string, Map<string, ModelEntry>>();

  live(namespace: string, key: string, now: number): ModelEntry | undefined {
    const entry = this.#entries.get(namespace)?.get(key);
    return entry !== undefined && (entry.expiresAt === undefined || entry.expiresAt > now)
      ? entry
      : undefined;
  }

  set(namespace: string, key: string, entry: ModelEntry): void {
    const entries = this.#entries.get(namespace) ?? new Map<string, ModelEntry>();
    entries.set(key, entry);
    this.#entries.set(namespace, entries);
  }

  delete(namespace: string, key: string): void {
    this.#entries.get(namespace)?.delete(key);
  }

  list(namespace: string, prefix: string, now: number, after?: string, limit?: number) {
    const found = [...(this.#entries.get(namespace)?.keys() ?? [])]
      .filter((key) => key.startsWith(prefix) && (after === undefined || key > after))
      .flatMap((key) => {
        const entry = this.live(namespace, key, now);
        return entry === undefined ? [] : [{ key, ...entry }];
      })
      .sort((left, right) => keyOrder(left.key, right.key));
    return limit === undefined ? found : found.slice(0, limit);
  }
}

/** Applies `operation` to the store and the model; expects the same answer from both. */
async function checkStateOperation(
  store: Store,
  model: StateModel,
  operation: StateOperation,
  now: number,
): Promise<number> {
  const expiry = (ttl: number | undefined) => (ttl === undefined ? {} : { expiresAt: now + ttl });
  switch (operation.type) {
    case 'advance':
      return now + operation.ms;
    case 'write': {
      const { namespace, key, json, ttl } = operation;
      expect(await store.write(namespace, key, json, now, expiry(ttl))).toBe(true);
      model.set(namespace, key, { json, ...expiry(ttl) });
      return now;
    }
    case 'compareAndSet': {
      const { namespace, key, json, ttl, expected } = operation;
      const holds = (model.live(namespace, key, now)?.json ?? null) === expected;
      expect(await store.write(namespace, key, json, now, { ...expiry(ttl), ifJson: expected })).toBe(holds);
      if (holds) model.set(namespace, key, { json, ...expiry(ttl) });
      return now;
    }
    case 'remove': {
      const { namespace, key, expected } = operation;
      const current = model.live(namespace, key, now);
      const removes = current !== undefined && (expected === undefined || current.json === expected);
      expect(await store.remove(namespace, key, now, expected)).toBe(removes);
      if (removes) model.delete(namespace, key);
      return now;
    }
    case 'read': {
      const { namespace, key } = operation;
      const entry = model.live(namespace, key, now);
      expect(await store.read(namespace, key, now)).toStrictEqual(
        entry === undefined ? undefined : { key, ...entry },
      );
      return now;
    }
    case 'list': {
      const { namespace, prefix, after, limit } = operation;
      const options = {
        ...(after === undefined ? {} : { after }),
        ...(limit === undefined ? {} : { limit }),
      };
      expect(await store.list(namespace, prefix, now, options)).toStrictEqual(
        model.list(namespace, prefix, now, after, limit),
      );
      return now;
    }
  }
}

const taskArbitrary: fc.Arbitrary<TaskRecord> = fc
  .record(
    {
      id: fc.constantFrom('t1', 't2', 't3', 't4', 't5', 't6'),
      kind: fc.constantFrom('job', 'recurring'),
      plugin: fc.constantFrom('mailer', 'billing'),
      name: fc.constantFrom('send', 'retry'),
      status: fc.constantFrom<TaskStatus>('scheduled', 'running', 'completed', 'failed', 'cancelled'),
      priority: fc.integer({ min: -2, max: 2 }),
      idempotencyKey: fc.constantFrom('k1', 'k2'),
      createdAt: fc.integer({ min: 0, max: 3 }),
      finishedAt: fc.integer({ min: 0, max: 6 }),
      scheduleId: fc.constantFrom('s1', 's2'),
      // Through JSON once, as a task runner's payloads are: that turns -0 into 0.
      payload: fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.parse(JSON.stringify(value))),
    },
    { requiredKeys: ['id', 'kind', 'plugin', 'name', 'status', 'priority', 'createdAt', 'payload'] },
  )
  .map((fields) => taskRecord(fields as Partial<TaskRecord> & { id: string }));

const statusArbitrary = fc.constantFrom<TaskStatus>(
  'scheduled',
  'running',
  'completed',
  'failed',
  'cancelled',
);

const taskQueryArbitrary: fc.Arbitrary<TaskQuery> = fc.record(
  {
    plugin: fc.constantFrom('mailer', 'billing', 'absent'),
    name: fc.constantFrom('send', 'retry'),
    kind: fc.constantFrom('job', 'recurring'),
    status: fc.oneof(statusArbitrary, fc.uniqueArray(statusArbitrary, { maxLength: 3 })),
    idempotencyKey: fc.constantFrom('k1', 'k2'),
    scheduleId: fc.constantFrom('s1', 's2'),
    limit: fc.integer({ min: 0, max: 4 }),
  },
  { requiredKeys: [] },
);

/** What a query must return from `saved` (in first-save order): matches, newest first, ties in save order. */
function expectedTasks(saved: ReadonlyMap<string, TaskRecord>, query: TaskQuery): TaskRecord[] {
  const found = [...saved.values()]
    .filter((record) => matchesTaskQuery(record, query))
    .sort((left, right) => right.createdAt - left.createdAt);
  return query.limit === undefined ? found : found.slice(0, query.limit);
}

function isFinished(record: TaskRecord): boolean {
  return record.status === 'completed' || record.status === 'failed' || record.status === 'cancelled';
}

/**
 * Defines Vitest tests of the whole {@link Store} contract against stores from `makeStore` (a new one for
 * each test, and for each run of a property): state with TTLs that follow the caller's `now`,
 * compare-and-set, prefix listing and paging, namespaces, and task upsert, query and prune. Each store is
 * opened before its test and closed after it, then `cleanup` runs.
 */
export function describeStoreConformance(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`${name}: Store contract`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
      await store.open();
    });

    afterEach(async () => {
      await store.close();
      await fixture.cleanup();
    });

    /** Runs `check` on a store of its own, opened and then closed and cleaned up whatever happens. */
    async function withFreshStore(check: (fresh: Store) => Promise<void>): Promise<void> {
      const own = await makeStore();
      await own.store.open();
      try {
        await check(own.store);
      } finally {
        await own.store.close();
        await own.cleanup();
      }
    }

    describe('reading and writing', () => {
      it('reads absent keys as undefined', async () => {
        expect(await store.read('users', 'missing', NOW)).toBeUndefined();
      });

      it('returns what was written, with expiresAt only when the entry expires', async () => {
        expect(await store.write('users', 'ada', '{"age":36}', NOW)).toBe(true);
        expect(await store.write('users', 'bob', '"temporary"', NOW, { expiresAt: NOW + 50 })).toBe(true);
        expect(await store.read('users', 'ada', NOW)).toStrictEqual({ key: 'ada', json: '{"age":36}' });
        expect(await store.read('users', 'bob', NOW)).toStrictEqual({
          key: 'bob',
          json: '"temporary"',
          expiresAt: NOW + 50,
        });
      });

      it('replaces the value and the expiry on a later write', async () => {
        await store.write('users', 'ada', '1', NOW, { expiresAt: NOW + 10 });
        await store.write('users', 'ada', '2', NOW);
        expect(await store.read('users', 'ada', NOW + 100)).toStrictEqual({ key: 'ada', json: '2' });
      });

      it('keeps the empty key and keys with quotes, NUL and emoji apart', async () => {
        const keys = ['', "it's", 'a\u0000b', 'a', '😀'];
        for (const [index, key] of keys.entries()) await store.write('odd', key, String(index), NOW);
        for (const [index, key] of keys.entries()) {
          expect(await store.read('odd', key, NOW)).toStrictEqual({ key, json: String(index) });
        }
      });
    });

    describe('expiry follows the caller’s now', () => {
      it('is live strictly before expiresAt and absent from then on', async () => {
        await store.write('cache', 'k', '1', NOW, { expiresAt: NOW + 10 });
        expect(await store.read('cache', 'k', NOW + 9)).toBeDefined();
        expect(await store.read('cache', 'k', NOW + 10)).toBeUndefined();
        expect(await store.read('cache', 'k', NOW + 11)).toBeUndefined();
      });

      it('uses the given now, not the wall clock', async () => {
        // Long past by the wall clock, in the future for this caller.
        await store.write('cache', 'k', '1', 5, { expiresAt: 10 });
        expect(await store.read('cache', 'k', 9)).toStrictEqual({ key: 'k', json: '1', expiresAt: 10 });
      });

      it('leaves expired entries out of lists and removes', async () => {
        await store.write('cache', 'a', '1', NOW, { expiresAt: NOW + 1 });
        await store.write('cache', 'b', '2', NOW);
        expect(await store.list('cache', '', NOW + 1)).toStrictEqual([{ key: 'b', json: '2' }]);
        expect(await store.remove('cache', 'a', NOW + 1)).toBe(false);
      });

      it('lets an unconditional write bring an expired key back', async () => {
        await store.write('cache', 'k', '1', NOW, { expiresAt: NOW + 1 });
        expect(await store.write('cache', 'k', '2', NOW + 5)).toBe(true);
        expect(await store.read('cache', 'k', NOW + 5)).toStrictEqual({ key: 'k', json: '2' });
      });
    });

    describe('compare-and-set', () => {
      it('with ifJson null writes only when no live entry exists', async () => {
        expect(await store.write('locks', 'job', '"a"', NOW, { ifJson: null, expiresAt: NOW + 10 })).toBe(
          true,
        );
        expect(await store.write('locks', 'job', '"b"', NOW + 5, { ifJson: null })).toBe(false);
        expect(await store.read('locks', 'job', NOW + 5)).toStrictEqual({
          key: 'job',
          json: '"a"',
          expiresAt: NOW + 10,
        });
        // The holder's lease ran out: the key counts as absent again.
        expect(await store.write('locks', 'job', '"b"', NOW + 10, { ifJson: null })).toBe(true);
        expect(await store.read('locks', 'job', NOW + 100)).toStrictEqual({ key: 'job', json: '"b"' });
      });

      it('with ifJson text writes only over an equal live value', async () => {
        await store.write('counters', 'hits', '1', NOW);
        expect(await store.write('counters', 'hits', '3', NOW, { ifJson: '2' })).toBe(false);
        expect(await store.read('counters', 'hits', NOW)).toStrictEqual({ key: 'hits', json: '1' });
        expect(await store.write('counters', 'hits', '2', NOW, { ifJson: '1', expiresAt: NOW + 5 })).toBe(
          true,
        );
        expect(await store.read('counters', 'hits', NOW)).toStrictEqual({
          key: 'hits',
          json: '2',
          expiresAt: NOW + 5,
        });
      });

      it('with ifJson text fails on an absent or expired key', async () => {
        expect(await store.write('counters', 'none', '1', NOW, { ifJson: 'null' })).toBe(false);
        expect(await store.read('counters', 'none', NOW)).toBeUndefined();
        await store.write('counters', 'old', '1', NOW, { expiresAt: NOW + 1 });
        expect(await store.write('counters', 'old', '2', NOW + 1, { ifJson: '1' })).toBe(false);
        expect(await store.read('counters', 'old', NOW + 1)).toBeUndefined();
      });

      it('compares the text exactly', async () => {
        await store.write('counters', 'doc', '{"a":1}', NOW);
        expect(await store.write('counters', 'doc', '2', NOW, { ifJson: '{"a": 1}' })).toBe(false);
        expect(await store.write('counters', 'doc', '2', NOW, { ifJson: '{"A":1}' })).toBe(false);
        expect(await store.write('counters', 'doc', '2', NOW, { ifJson: '{"a":1}' })).toBe(true);
      });

      it('removes only when ifJson matches, and reports whether the key existed', async () => {
        await store.write('sessions', 's1', '"open"', NOW);
        expect(await store.remove('sessions', 's1', NOW, '"closed"')).toBe(false);
        expect(await store.read('sessions', 's1', NOW)).toBeDefined();
        expect(await store.remove('sessions', 's1', NOW, '"open"')).toBe(true);
        expect(await store.read('sessions', 's1', NOW)).toBeUndefined();
        expect(await store.remove('sessions', 's1', NOW)).toBe(false);
        expect(await store.remove('sessions', 'never', NOW, '"open"')).toBe(false);
      });
    });

    describe('namespaces', () => {
      it('keep the same key apart, including in namespaces that prefix one another', async () => {
        await store.write('a', 'k', '"in a"', NOW);
        await store.write('ab', 'k', '"in ab"', NOW);
        await store.write('a\u0000b', 'k', '"in a-nul-b"', NOW);
        expect(await store.read('a', 'k', NOW)).toStrictEqual({ key: 'k', json: '"in a"' });
        expect(await store.list('ab', '', NOW)).toStrictEqual([{ key: 'k', json: '"in ab"' }]);
        expect(await store.remove('a', 'k', NOW)).toBe(true);
        expect(await store.read('ab', 'k', NOW)).toStrictEqual({ key: 'k', json: '"in ab"' });
        expect(await store.read('a\u0000b', 'k', NOW)).toStrictEqual({ key: 'k', json: '"in a-nul-b"' });
        expect(await store.write('b', 'k', '1', NOW, { ifJson: '"in ab"' })).toBe(false);
      });
    });

    describe('listing', () => {
      const KEYS = ['b', 'a%', 'a_b', 'axb', 'a%b', 'ab', 'a\\b', 'a', 'é', 'e', '😀'];

      beforeEach(async () => {
        for (const key of KEYS) await store.write('list', key, JSON.stringify(key), NOW);
      });

      async function listedKeys(
        prefix: string,
        options?: { after?: string; limit?: number },
      ): Promise<string[]> {
        return (await store.list('list', prefix, NOW, options)).map((entry) => entry.key);
      }

      it('lists every live entry in key order for an empty prefix', async () => {
        expect(await listedKeys('')).toStrictEqual([...KEYS].sort(keyOrder));
        expect((await store.list('list', 'b', NOW))[0]).toStrictEqual({ key: 'b', json: '"b"' });
      });

      it('treats % _ and \\ in a prefix as plain characters', async () => {
        expect(await listedKeys('a%')).toStrictEqual(['a%', 'a%b']);
        expect(await listedKeys('a_')).toStrictEqual(['a_b']);
        expect(await listedKeys('a\\')).toStrictEqual(['a\\b']);
        expect(await listedKeys('%')).toStrictEqual([]);
      });

      it('includes a key equal to the prefix and excludes keys that only share its start', async () => {
        expect(await listedKeys('a')).toStrictEqual(['a', 'a%', 'a%b', 'a\\b', 'a_b', 'ab', 'axb']);
        expect(await listedKeys('ab')).toStrictEqual(['ab']);
        expect(await listedKeys('abc')).toStrictEqual([]);
      });

      it('starts after `after`, whether or not it is a key, and never before the prefix', async () => {
        expect(await listedKeys('a', { after: 'a_b' })).toStrictEqual(['ab', 'axb']);
        expect(await listedKeys('a', { after: 'a_c' })).toStrictEqual(['ab', 'axb']);
        expect(await listedKeys('a%', { after: '' })).toStrictEqual(['a%', 'a%b']);
        expect(await listedKeys('b', { after: 'a' })).toStrictEqual(['b']);
        expect(await listedKeys('a', { after: 'zzz' })).toStrictEqual([]);
      });

      it('returns at most limit entries, and pages through everything with after', async () => {
        expect(await listedKeys('', { limit: 0 })).toStrictEqual([]);
        expect(await listedKeys('a', { limit: 2 })).toStrictEqual(['a', 'a%']);
        const pages: string[][] = [];
        let after: string | undefined;
        for (;;) {
          const page = await listedKeys('', { limit: 3, ...(after === undefined ? {} : { after }) });
          if (page.length === 0) break;
          pages.push(page);
          after = page.at(-1);
        }
        expect(pages.flat()).toStrictEqual([...KEYS].sort(keyOrder));
        expect(pages.map((page) => page.length)).toStrictEqual([3, 3, 3, 2]);
      });

      it('handles a prefix ending in the last code point', async () => {
        await store.write('edge', '\u{10FFFF}', '1', NOW);
        await store.write('edge', '\u{10FFFF}a', '2', NOW);
        await store.write('edge', '\u{10FFFF}\u{10FFFF}', '3', NOW);
        await store.write('edge', '{', '4', NOW);
        const keys = (await store.list('edge', '\u{10FFFF}', NOW)).map((entry) => entry.key);
        expect(keys).toStrictEqual(['\u{10FFFF}', '\u{10FFFF}a', '\u{10FFFF}\u{10FFFF}']);
      });
    });

    describe('tasks', () => {
      it('round-trips every field, leaving absent optional fields absent', async () => {
        const full = taskRecord({
          id: 'full',
          kind: 'recurring',
          status: 'failed',
          payload: { nested: [1, 'two', null, { three: true }] },
          priority: 5,
          idempotencyKey: 'daily-report',
          attempts: 3,
          maxAttempts: 3,
          timeoutMs: 250,
          startedAt: NOW + 1,
          finishedAt: NOW + 2,
          progress: { done: 2, of: 3 },
          result: ['partial'],
          error: {
            name: 'TrellisError',
            code: 'E_TIMEOUT',
            message: 'took too long',
            details: { timeoutMs: 250 },
            retryable: true,
            cause: { name: 'TrellisError', code: 'E_ABORTED', message: 'aborted', details: {} },
          },
          scheduleId: 'schedule-1',
          recurrence: { cron: '0 * * * *', timezone: 'Europe/Paris', missed: 'catch-up' },
          lastRunAt: NOW - 60_000,
        });
        const minimal = taskRecord({ id: 'minimal', payload: null, createdAt: NOW - 1 });
        await store.saveTask(full);
        await store.saveTask(minimal);
        expect(await store.queryTasks({})).toStrictEqual([full, minimal]);
      });

      it('replaces a record saved again under the same id', async () => {
        await store.saveTask(taskRecord({ id: 't1' }));
        await store.saveTask(taskRecord({ id: 't1', status: 'running', attempts: 1, startedAt: NOW + 1 }));
        expect(await store.queryTasks({})).toStrictEqual([
          taskRecord({ id: 't1', status: 'running', attempts: 1, startedAt: NOW + 1 }),
        ]);
        expect(await store.queryTasks({ status: 'scheduled' })).toStrictEqual([]);
      });

      it('copies records in and out, so mutating them changes nothing stored', async () => {
        const record = taskRecord({ id: 't1', payload: { count: 1 } });
        await store.saveTask(record);
        record.status = 'failed';
        (record.payload as { count: number }).count = 2;
        const [read] = await store.queryTasks({});
        expect(read).toStrictEqual(taskRecord({ id: 't1', payload: { count: 1 } }));
        if (read === undefined) return;
        read.attempts = 99;
        (read.payload as { count: number }).count = 3;
        expect(await store.queryTasks({})).toStrictEqual([taskRecord({ id: 't1', payload: { count: 1 } })]);
      });

      describe('queries', () => {
        const RECORDS = [
          taskRecord({ id: 'old', createdAt: 1, status: 'completed', finishedAt: 5 }),
          taskRecord({
            id: 'mid',
            createdAt: 2,
            plugin: 'billing',
            name: 'charge',
            idempotencyKey: 'order-7',
          }),
          taskRecord({ id: 'new', createdAt: 3, kind: 'recurring', status: 'running' }),
          taskRecord({ id: 'child', createdAt: 4, scheduleId: 'new', status: 'failed', finishedAt: 6 }),
        ];

        beforeEach(async () => {
          for (const record of RECORDS) await store.saveTask(record);
        });

        async function ids(query: TaskQuery): Promise<string[]> {
          return (await store.queryTasks(query)).map((record) => record.id);
        }

        it('returns everything newest first without filters', async () => {
          expect(await ids({})).toStrictEqual(['child', 'new', 'mid', 'old']);
        });

        it('filters on each field', async () => {
          expect(await ids({ plugin: 'billing' })).toStrictEqual(['mid']);
          expect(await ids({ name: 'send' })).toStrictEqual(['child', 'new', 'old']);
          expect(await ids({ kind: 'recurring' })).toStrictEqual(['new']);
          expect(await ids({ status: 'running' })).toStrictEqual(['new']);
          expect(await ids({ idempotencyKey: 'order-7' })).toStrictEqual(['mid']);
          expect(await ids({ scheduleId: 'new' })).toStrictEqual(['child']);
          expect(await ids({ plugin: 'nobody' })).toStrictEqual([]);
          expect(await ids({ id: 'mid' })).toStrictEqual(['mid']);
          expect(await ids({ id: 'mid', plugin: 'mailer' })).toStrictEqual([]);
          expect(await ids({ id: 'missing' })).toStrictEqual([]);
        });

        it('commits saves made in one turn together, and reads see saves not yet committed', async () => {
          const saves = ['batch-1', 'batch-2', 'batch-3'].map((id) =>
            store.saveTask(taskRecord({ id, createdAt: 10_000 })),
          );
          expect(await ids({ id: 'batch-2' })).toStrictEqual(['batch-2']);
          await Promise.all(saves);
          expect(await ids({ status: 'scheduled', plugin: 'mailer', name: 'send' })).toContain('batch-3');
        });

        it('accepts a list of statuses, an empty list matching nothing', async () => {
          expect(await ids({ status: ['completed', 'failed'] })).toStrictEqual(['child', 'old']);
          expect(await ids({ status: ['scheduled', 'running', 'cancelled'] })).toStrictEqual(['new', 'mid']);
          expect(await ids({ status: [] })).toStrictEqual([]);
        });

        it('combines filters and applies limit after ordering', async () => {
          expect(await ids({ plugin: 'mailer', status: ['running', 'failed', 'completed'] })).toStrictEqual([
            'child',
            'new',
            'old',
          ]);
          expect(await ids({ plugin: 'mailer', name: 'send', kind: 'job' })).toStrictEqual(['child', 'old']);
          expect(await ids({ limit: 2 })).toStrictEqual(['child', 'new']);
          expect(await ids({ plugin: 'mailer', limit: 1 })).toStrictEqual(['child']);
          expect(await ids({ limit: 0 })).toStrictEqual([]);
        });

        it('orders tasks created at the same time by when they were first saved', async () => {
          await store.saveTask(taskRecord({ id: 'tie-1', createdAt: 10 }));
          await store.saveTask(taskRecord({ id: 'tie-2', createdAt: 10 }));
          await store.saveTask(taskRecord({ id: 'tie-1', createdAt: 10, status: 'running' }));
          expect(await ids({ limit: 2 })).toStrictEqual(['tie-1', 'tie-2']);
        });
      });

      it('prunes finished tasks that finished before the given time, and counts them', async () => {
        await store.saveTask(taskRecord({ id: 'done-early', status: 'completed', finishedAt: 10 }));
        await store.saveTask(taskRecord({ id: 'failed-early', status: 'failed', finishedAt: 19 }));
        await store.saveTask(taskRecord({ id: 'cancelled-early', status: 'cancelled', finishedAt: 5 }));
        await store.saveTask(taskRecord({ id: 'done-at-cutoff', status: 'completed', finishedAt: 20 }));
        await store.saveTask(taskRecord({ id: 'done-late', status: 'completed', finishedAt: 30 }));
        await store.saveTask(taskRecord({ id: 'still-running', status: 'running', finishedAt: 1 }));
        await store.saveTask(taskRecord({ id: 'waiting', status: 'scheduled' }));
        expect(await store.pruneTasks(20)).toBe(3);
        expect((await store.queryTasks({})).map((record) => record.id).sort()).toStrictEqual([
          'done-at-cutoff',
          'done-late',
          'still-running',
          'waiting',
        ]);
        expect(await store.pruneTasks(20)).toBe(0);
      });
    });

    describe('properties', () => {
      it('agrees with a model map over any sequence of writes, compare-and-sets, removes and reads', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(stateOperationArbitrary, { maxLength: 40 }), async (operations) => {
            await withFreshStore(async (fresh) => {
              const model = new StateModel();
              let now = NOW;
              for (const operation of operations)
                now = await checkStateOperation(fresh, model, operation, now);
              for (const namespace of ['n', 'n2']) {
                expect(await fresh.list(namespace, '', now)).toStrictEqual(model.list(namespace, '', now));
              }
            });
          }),
          { numRuns: 60 },
        );
      });

      it('answers every task query like a filter over what was saved, and prunes exactly the finished ones', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(taskArbitrary, { maxLength: 12 }),
            fc.array(taskQueryArbitrary, { minLength: 1, maxLength: 4 }),
            fc.integer({ min: 0, max: 7 }),
            async (records, queries, finishedBefore) => {
              await withFreshStore(async (fresh) => {
                const saved = new Map<string, TaskRecord>();
                for (const record of records) {
                  await fresh.saveTask(record);
                  saved.set(record.id, record);
                }
                for (const query of queries) {
                  expect(await fresh.queryTasks(query)).toStrictEqual(expectedTasks(saved, query));
                }
                const pruned = [...saved.values()].filter(
                  (record) => isFinished(record) && (record.finishedAt ?? 0) < finishedBefore,
                );
                expect(await fresh.pruneTasks(finishedBefore)).toBe(pruned.length);
                for (const record of pruned) saved.delete(record.id);
                expect(await fresh.queryTasks({})).toStrictEqual(expectedTasks(saved, {}));
              });
            },
          ),
          { numRuns: 60 },
        );
      });
    });
  });
}
