import { resolve } from 'node:path';
import {
  errors,
  type Store,
  type StoredEntry,
  type TaskQuery,
  type TaskRecord,
  type WriteOptions,
} from '@trellis/core';
import type Database from 'better-sqlite3';
import { sqliteStoreErrors } from '../errors/store-errors.js';
import { closeConnection, IN_MEMORY, openConnection } from '../sqlite/connection.js';
import { operationError } from '../sqlite/sqlite-failure.js';
import { type ListOptions, StateTable } from '../state/state-table.js';
import { type TaskRow, TaskTable } from '../tasks/task-table.js';

/** Where a {@link SqliteStore} keeps its database unless told otherwise (relative to the working directory). */
export const DEFAULT_STORE_PATH = './.trellis/state.db';

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * The database file, resolved against the working directory when the store is created; missing
   * directories are created on open. `':memory:'` keeps everything in memory until close.
   * Default {@link DEFAULT_STORE_PATH}.
   */
  readonly path?: string;
  /**
   * Ms a statement waits for another connection (another process on the same file) to release its lock
   * before failing with `E_STORE_FAILED`. Default 5000.
   */
  readonly busyTimeout?: number;
}

interface Connection {
  readonly database: Database;
  readonly state: StateTable;
  readonly tasks: TaskTable;
}

function checkOptions(options: SqliteStoreOptions): { path: string; busyTimeout: number } {
  const { path = DEFAULT_STORE_PATH, busyTimeout = DEFAULT_BUSY_TIMEOUT_MS } = options;
  if (typeof path !== 'string' || path === '') {
    throw errors.invalidArgument('The SqliteStore path', "a file path or ':memory:'", path);
  }
  if (!(Number.isInteger(busyTimeout) && busyTimeout >= 0)) {
    throw errors.invalidArgument(
      'The SqliteStore busyTimeout',
      'a whole number of ms, 0 or more',
      busyTimeout,
    );
  }
  return { path, busyTimeout };
}

/**
 * A {@link Store} on an embedded SQLite database (better-sqlite3, WAL): plugin state and tasks survive
 * restarts, and several processes may share one file. Statements are prepared once, on open; every
 * operation is a single statement or a transaction, so a failure (disk full, database locked past the
 * busy timeout) changes nothing and surfaces as a TrellisError — `E_STORE_FAILED` (retryable) or
 * `E_STORE_CORRUPT`. Using the store before `open()` or after `close()` fails with `E_STORE_CLOSED`.
 *
 * Expired state entries read as absent at once and are deleted by later writes, a batch at a time; the
 * store starts no timer, so it never keeps a process alive.
 */
export class SqliteStore implements Store {
  readonly #location: string;
  readonly #busyTimeout: number;
  #connection: Connection | undefined;
  #wasOpened = false;
  // Task saves asked for in the same turn of the event loop are written in one transaction (group commit).
  #pendingSaves: Array<{ readonly row: TaskRow; resolve(): void; reject(error: unknown): void }> = [];
  #flushScheduled = false;

  constructor(options: SqliteStoreOptions = {}) {
    const { path, busyTimeout } = checkOptions(options);
    this.#location = path === IN_MEMORY ? IN_MEMORY : resolve(path);
    this.#busyTimeout = busyTimeout;
  }

  /** The database's absolute path, or `':memory:'`. */
  get path(): string {
    return this.#location;
  }

  /** Whether the store is open (between `open()` and `close()`). */
  get isOpen(): boolean {
    return this.#connection !== undefined;
  }

  /**
   * Creates the directory and the database when missing, configures the connection, applies pending
   * migrations and prepares every statement. Fails with `E_STORE_ALREADY_OPEN` when open,
   * `E_STORE_OPEN_FAILED` when the file cannot be opened or created, `E_STORE_CORRUPT` when it is not a
   * SQLite database, `E_STORE_SCHEMA_TOO_NEW` when a newer version of this package wrote it. A closed
   * store may be opened again.
   */
  async open(): Promise<void> {
    if (this.#connection !== undefined) throw sqliteStoreErrors.alreadyOpen(this.#location);
    this.#connection = openConnection(this.#location, this.#busyTimeout, (database) => ({
      database,
      state: new StateTable(database),
      tasks: new TaskTable(database),
    }));
    this.#wasOpened = true;
  }

  /** Checkpoints the write-ahead log into the file and closes the database. Does nothing when not open. */
  async close(): Promise<void> {
    this.#flushSaves();
    const connection = this.#connection;
    if (connection === undefined) return;
    this.#connection = undefined;
    try {
      closeConnection(connection.database, this.#location);
    } catch (error) {
      throw operationError('close the database', this.#location, error);
    }
  }

  /** The live entry under `key`, or `undefined` when absent or expired at `now`. */
  async read(namespace: string, key: string, now: number): Promise<StoredEntry | undefined> {
    this.#flushSaves();
    return this.#use(`read state key '${key}' of '${namespace}'`, ({ state }) =>
      state.read(namespace, key, now),
    );
  }

  /** Writes in one statement; `false` (nothing changed) when `options.ifJson` did not hold at `now`. */
  async write(
    namespace: string,
    key: string,
    json: string,
    now: number,
    options: WriteOptions = {},
  ): Promise<boolean> {
    this.#flushSaves();
    return this.#use(`write state key '${key}' of '${namespace}'`, ({ state }) =>
      state.write(namespace, key, json, now, options),
    );
  }

  /** Deletes the live entry (when its JSON equals `ifJson`, if given); resolves whether it did. */
  async remove(namespace: string, key: string, now: number, ifJson?: string): Promise<boolean> {
    this.#flushSaves();
    return this.#use(`remove state key '${key}' of '${namespace}'`, ({ state }) =>
      state.remove(namespace, key, now, ifJson),
    );
  }

  /** Live entries whose key starts with `prefix`, in code point order, after `after`, at most `limit`. */
  async list(
    namespace: string,
    prefix: string,
    now: number,
    options: ListOptions = {},
  ): Promise<StoredEntry[]> {
    this.#flushSaves();
    return this.#use(`list state keys of '${namespace}'`, ({ state }) =>
      state.list(namespace, prefix, now, options),
    );
  }

  /**
   * Inserts the record, or replaces the one with the same id (which keeps its place among ties). The
   * record is copied at once; saves asked for in the same turn of the event loop are committed together
   * in one transaction (a commit costs far more than a row), and each resolves once its row is committed.
   * Every other operation first commits pending saves, so it sees them.
   */
  saveTask(record: TaskRecord): Promise<void> {
    let row: TaskRow;
    try {
      row = this.#use(`save task '${record.id}'`, ({ tasks }) => tasks.rowOf(record));
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#pendingSaves.push({ row, resolve, reject });
      if (this.#flushScheduled) return;
      this.#flushScheduled = true;
      setImmediate(() => this.#flushSaves());
    });
  }

  /** Records matching every field of `query`, newest `createdAt` first, ties in first-save order. */
  async queryTasks(query: TaskQuery): Promise<TaskRecord[]> {
    this.#flushSaves();
    return this.#use('query tasks', ({ tasks }) => tasks.query(query));
  }

  /** Deletes completed, failed and cancelled tasks that finished before `finishedBefore`; resolves how many. */
  async pruneTasks(finishedBefore: number): Promise<number> {
    this.#flushSaves();
    return this.#use('prune finished tasks', ({ tasks }) => tasks.prune(finishedBefore));
  }

  /** Commits the pending task saves in one transaction, settling each one's promise. */
  #flushSaves(): void {
    this.#flushScheduled = false;
    const batch = this.#pendingSaves;
    if (batch.length === 0) return;
    this.#pendingSaves = [];
    try {
      this.#use(`save ${batch.length} task change(s)`, ({ tasks }) =>
        tasks.saveAll(batch.map(({ row }) => row)),
      );
    } catch (error) {
      for (const save of batch) save.reject(error);
      return;
    }
    for (const save of batch) save.resolve();
  }

  #use<Result>(operation: string, work: (connection: Connection) => Result): Result {
    const connection = this.#connection;
    if (connection === undefined) throw sqliteStoreErrors.closed(operation, this.#location, this.#wasOpened);
    try {
      return work(connection);
    } catch (error) {
      throw operationError(operation, this.#location, error);
    }
  }
}
