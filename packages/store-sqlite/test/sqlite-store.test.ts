import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TrellisError } from '@trellis/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_STORE_PATH, SCHEMA_VERSION, SqliteStore, type SqliteStoreOptions } from '../src/index.js';
import { MIGRATIONS } from '../src/migrations/migrations.js';
import { SWEEP_INTERVAL_WRITES } from '../src/state/state-table.js';
import { describeStoreConformance, taskRecord } from './store-conformance.js';
import { makeTempDirectory, type TempDirectory } from './support/temp-directory.js';

describeStoreConformance('SqliteStore', async () => {
  const directory = await makeTempDirectory();
  return { store: new SqliteStore({ path: join(directory.path, 'state.db') }), cleanup: directory.remove };
});

const NOW = 1_000;

/** Expects `promise` to reject with a TrellisError of `code`; resolves the error for further checks. */
async function rejection(promise: Promise<unknown>, code: string): Promise<TrellisError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(TrellisError);
  expect((error as TrellisError).code).toBe(code);
  return error as TrellisError;
}

describe('SqliteStore', () => {
  let directory: TempDirectory;
  let path: string;
  const stores: SqliteStore[] = [];
  const connections: Database[] = [];

  /** A store on `path` (or as configured), closed after the test. */
  function makeStore(options: SqliteStoreOptions = {}): SqliteStore {
    const store = new SqliteStore({ path, ...options });
    stores.push(store);
    return store;
  }

  /** A direct connection to the file, as an operator's tool (or another process) would have. */
  function connect(file = path): Database {
    const connection = new Database(file, { timeout: 0 });
    connections.push(connection);
    return connection;
  }

  beforeEach(async () => {
    directory = await makeTempDirectory();
    path = join(directory.path, 'state.db');
  });

  afterEach(async () => {
    for (const connection of connections.splice(0)) connection.close();
    for (const store of stores.splice(0)) await store.close();
    await directory.remove();
  });

  describe('lifecycle', () => {
    it('keeps state and tasks across close and reopen of the same file', async () => {
      const first = makeStore();
      await first.open();
      await first.write('users', 'ada', '{"age":36}', NOW, { expiresAt: NOW + 100 });
      await first.saveTask(taskRecord({ id: 'task-1', idempotencyKey: 'once' }));
      await first.close();

      const second = makeStore();
      await second.open();
      expect(await second.read('users', 'ada', NOW)).toStrictEqual({
        key: 'ada',
        json: '{"age":36}',
        expiresAt: NOW + 100,
      });
      expect(await second.queryTasks({ idempotencyKey: 'once' })).toStrictEqual([
        taskRecord({ id: 'task-1', idempotencyKey: 'once' }),
      ]);
      await second.close();

      await first.open();
      expect(await first.read('users', 'ada', NOW + 100)).toBeUndefined();
    });

    it('creates missing directories on open', async () => {
      const nested = join(directory.path, 'a', 'b', 'state.db');
      const store = makeStore({ path: nested });
      expect(existsSync(nested)).toBe(false);
      await store.open();
      expect(existsSync(nested)).toBe(true);
      expect(store.path).toBe(nested);
    });

    it('resolves the default path against the working directory', () => {
      expect(new SqliteStore().path).toBe(join(process.cwd(), DEFAULT_STORE_PATH));
    });

    it('refuses every operation before open and after close with E_STORE_CLOSED', async () => {
      const store = makeStore();
      const operations = [
        () => store.read('ns', 'k', NOW),
        () => store.write('ns', 'k', '1', NOW),
        () => store.remove('ns', 'k', NOW),
        () => store.list('ns', '', NOW),
        () => store.saveTask(taskRecord({ id: 't' })),
        () => store.queryTasks({}),
        () => store.pruneTasks(NOW),
      ];
      for (const operation of operations) {
        const error = await rejection(operation(), 'E_STORE_CLOSED');
        expect(error.message).toContain('call open() first');
        expect(error.details.location).toBe(path);
      }
      await store.open();
      await store.close();
      for (const operation of operations) {
        const error = await rejection(operation(), 'E_STORE_CLOSED');
        expect(error.message).toContain('was closed');
      }
      expect(store.isOpen).toBe(false);
    });

    it('refuses a second open while open, and stays usable', async () => {
      const store = makeStore();
      await store.open();
      await rejection(store.open(), 'E_STORE_ALREADY_OPEN');
      expect(await store.write('ns', 'k', '1', NOW)).toBe(true);
    });

    it('closes as a no-op when not open', async () => {
      const store = makeStore();
      await store.close();
      await store.open();
      await store.close();
      await store.close();
      expect(store.isOpen).toBe(false);
    });

    it('keeps an in-memory database until close', async () => {
      const store = makeStore({ path: ':memory:' });
      expect(store.path).toBe(':memory:');
      await store.open();
      await store.write('ns', 'k', '1', NOW);
      expect(await store.read('ns', 'k', NOW)).toStrictEqual({ key: 'k', json: '1' });
      await store.close();
      await store.open();
      expect(await store.read('ns', 'k', NOW)).toBeUndefined();
    });

    it('checkpoints the write-ahead log into the file on close', async () => {
      const store = makeStore();
      await store.open();
      for (let index = 0; index < 50; index++) await store.write('ns', `k${index}`, '1', NOW);
      // Another open connection keeps SQLite from cleaning the log up by itself when the store closes.
      expect(connect().pragma('journal_mode', { simple: true })).toBe('wal');
      await store.close();
      const wal = `${path}-wal`;
      expect(existsSync(wal) ? (await readFile(wal)).length : 0).toBe(0);
    });
  });

  describe('options', () => {
    it.each([
      [{ path: '' }, 'The SqliteStore path'],
      [{ path: 42 as unknown as string }, 'The SqliteStore path'],
      [{ busyTimeout: -1 }, 'The SqliteStore busyTimeout'],
      [{ busyTimeout: 1.5 }, 'The SqliteStore busyTimeout'],
      [{ busyTimeout: Number.NaN }, 'The SqliteStore busyTimeout'],
    ])('refuses %o with E_INVALID_ARGUMENT', (options, argument) => {
      let thrown: unknown;
      try {
        new SqliteStore(options);
      } catch (error) {
        thrown = error;
      }
      expect(TrellisError.is(thrown, 'E_INVALID_ARGUMENT')).toBe(true);
      expect((thrown as TrellisError).details.argument).toBe(argument);
    });
  });

  describe('schema', () => {
    it('turns on WAL and records each migration once', async () => {
      const store = makeStore();
      await store.open();
      await store.close();
      const connection = connect();
      expect(connection.pragma('journal_mode', { simple: true })).toBe('wal');
      const readMigrations = () =>
        connection.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all();
      const recorded = readMigrations();
      expect(recorded.map((row) => (row as { version: number }).version)).toStrictEqual(
        MIGRATIONS.map((migration) => migration.version),
      );
      expect(recorded.map((row) => (row as { name: string }).name)).toStrictEqual(
        MIGRATIONS.map((migration) => migration.name),
      );
      await store.open();
      await store.close();
      expect(readMigrations()).toStrictEqual(recorded);
      expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    });

    it('refuses a database written by a newer schema, without changing it', async () => {
      const store = makeStore();
      await store.open();
      await store.write('ns', 'k', '1', NOW);
      await store.close();
      connect()
        .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
        .run(SCHEMA_VERSION + 1, 'from-the-future', NOW);

      const error = await rejection(store.open(), 'E_STORE_SCHEMA_TOO_NEW');
      expect(error.details).toStrictEqual({
        location: path,
        foundVersion: SCHEMA_VERSION + 1,
        supportedVersion: SCHEMA_VERSION,
      });
      expect(error.message).toContain('Upgrade @trellis/store-sqlite');
      expect(store.isOpen).toBe(false);
      await rejection(store.read('ns', 'k', NOW), 'E_STORE_CLOSED');
      // The refused open released the file: another connection can still write to it.
      const rows = connect().prepare('SELECT json FROM state_entries').all();
      expect(rows).toStrictEqual([{ json: '1' }]);
    });
  });

  describe('failures', () => {
    it('reports a file that is not a SQLite database as E_STORE_CORRUPT, leaving it untouched', async () => {
      const garbage = randomBytes(8192);
      await writeFile(path, garbage);
      const error = await rejection(makeStore().open(), 'E_STORE_CORRUPT');
      expect(error.details).toStrictEqual({ location: path, sqliteCode: 'SQLITE_NOTADB' });
      expect(error.message).toContain('Restore it from a backup');
      expect((await readFile(path)).equals(garbage)).toBe(true);
    });

    it('reports a location whose directory cannot be created as E_STORE_OPEN_FAILED', async () => {
      const blocker = join(directory.path, 'not-a-directory');
      await writeFile(blocker, 'a file where a directory should be');
      const error = await rejection(
        makeStore({ path: join(blocker, 'state.db') }).open(),
        'E_STORE_OPEN_FAILED',
      );
      expect(error.details.location).toBe(join(blocker, 'state.db'));
      expect(error.message).toContain('may write there');
    });

    it('reports a path that is a directory as E_STORE_OPEN_FAILED', async () => {
      const error = await rejection(makeStore({ path: directory.path }).open(), 'E_STORE_OPEN_FAILED');
      expect(error.details.sqliteCode).toBe('SQLITE_CANTOPEN');
    });

    it('fails writes while another connection holds the write lock, changing nothing, then recovers', async () => {
      const store = makeStore({ busyTimeout: 0 });
      await store.open();
      await store.write('ns', 'k', '1', NOW);
      const other = connect();
      other.exec('BEGIN IMMEDIATE');

      const error = await rejection(store.write('ns', 'k', '2', NOW), 'E_STORE_FAILED');
      expect(error.retryable).toBe(true);
      expect(error.details.operation).toBe("write state key 'k' of 'ns'");
      expect((error.cause as { code?: string }).code).toBe('SQLITE_BUSY');
      await rejection(store.saveTask(taskRecord({ id: 't' })), 'E_STORE_FAILED');
      // WAL: reads go on while another connection writes.
      expect(await store.read('ns', 'k', NOW)).toStrictEqual({ key: 'k', json: '1' });

      other.exec('ROLLBACK');
      expect(await store.write('ns', 'k', '2', NOW)).toBe(true);
      expect(await store.read('ns', 'k', NOW)).toStrictEqual({ key: 'k', json: '2' });
      expect(await store.queryTasks({})).toStrictEqual([]);
    });

    it('refuses text SQLite cannot hold (unpaired surrogates) and writes nothing', async () => {
      const store = makeStore();
      await store.open();
      const lone = 'key-\uD800';
      await rejection(store.write('ns', lone, '1', NOW), 'E_INVALID_ARGUMENT');
      await rejection(store.write(lone, 'k', '1', NOW), 'E_INVALID_ARGUMENT');
      await rejection(store.write('ns', 'k', '"\uDC00"', NOW), 'E_INVALID_ARGUMENT');
      await rejection(store.read('ns', lone, NOW), 'E_INVALID_ARGUMENT');
      await rejection(store.list('ns', lone, NOW), 'E_INVALID_ARGUMENT');
      await rejection(store.saveTask(taskRecord({ id: lone })), 'E_INVALID_ARGUMENT');
      await rejection(store.queryTasks({ plugin: lone }), 'E_INVALID_ARGUMENT');
      expect(await store.list('ns', '', NOW)).toStrictEqual([]);
      expect(await store.queryTasks({})).toStrictEqual([]);
      // A well-formed pair is fine.
      expect(await store.write('ns', 'key-😀', '1', NOW)).toBe(true);
    });

    it.each([-1, 1.5, Number.NaN])('refuses the limit %s', async (limit) => {
      const store = makeStore();
      await store.open();
      await rejection(store.list('ns', '', NOW, { limit }), 'E_INVALID_ARGUMENT');
      await rejection(store.queryTasks({ limit }), 'E_INVALID_ARGUMENT');
    });
  });

  describe('sharing a file', () => {
    it('lets exactly one of two connections claim a key by compare-and-set', async () => {
      const first = makeStore();
      const second = makeStore();
      await first.open();
      await second.open();
      expect(
        await first.write('locks', 'leader', '"first"', NOW, { ifJson: null, expiresAt: NOW + 10 }),
      ).toBe(true);
      expect(await second.write('locks', 'leader', '"second"', NOW, { ifJson: null })).toBe(false);
      expect(await second.read('locks', 'leader', NOW)).toStrictEqual({
        key: 'leader',
        json: '"first"',
        expiresAt: NOW + 10,
      });
      expect(await second.write('locks', 'leader', '"second"', NOW + 10, { ifJson: null })).toBe(true);
      expect(await first.write('locks', 'leader', '"first"', NOW + 10, { ifJson: '"first"' })).toBe(false);
    });
  });

  describe('expired entries', () => {
    it('are deleted by a later write sweep, not only hidden', async () => {
      const store = makeStore();
      await store.open();
      await store.write('cache', 'short-lived', '1', NOW, { expiresAt: NOW + 1 });
      const rawCount = () =>
        (
          connect()
            .prepare('SELECT count(*) AS count FROM state_entries WHERE key = ?')
            .get('short-lived') as {
            count: number;
          }
        ).count;
      // Writes 2 .. SWEEP_INTERVAL_WRITES - 1 do not sweep; the expired row is hidden but still there.
      for (let index = 2; index < SWEEP_INTERVAL_WRITES; index++)
        await store.write('cache', 'other', '1', NOW + 5);
      expect(await store.read('cache', 'short-lived', NOW + 5)).toBeUndefined();
      expect(rawCount()).toBe(1);
      await store.write('cache', 'other', '2', NOW + 5);
      expect(rawCount()).toBe(0);
      expect(await store.read('cache', 'other', NOW + 5)).toStrictEqual({ key: 'other', json: '2' });
    });

    it('that are still live for the sweeping write are kept', async () => {
      const store = makeStore();
      await store.open();
      await store.write('cache', 'long-lived', '1', NOW, { expiresAt: NOW + 1_000 });
      for (let index = 1; index < SWEEP_INTERVAL_WRITES; index++)
        await store.write('cache', 'other', '1', NOW);
      expect(await store.read('cache', 'long-lived', NOW + 999)).toBeDefined();
    });
  });
});
