import type { StoredEntry, WriteOptions } from '@trellis/core';
import type Database from 'better-sqlite3';
import { assertLimit, assertStorableText } from '../validation/arguments.js';
import { compareKeys, prefixUpperBound } from './key-range.js';

/** Every this many writes, a write also deletes expired entries (they read as absent before that). */
export const SWEEP_INTERVAL_WRITES = 256;
/** At most this many expired entries deleted by one sweep, so that no write waits long for it. */
export const SWEEP_BATCH_SIZE = 1024;

/** Paging options of {@link StateTable.list}. */
export interface ListOptions {
  readonly after?: string;
  readonly limit?: number;
}

interface EntryRow {
  readonly key: string;
  readonly json: string;
  readonly expires_at: number | null;
}

const LIVE = '(expires_at IS NULL OR expires_at > @now)';
const NO_LIMIT = -1;

function toEntry(row: EntryRow): StoredEntry {
  return row.expires_at === null
    ? { key: row.key, json: row.json }
    : { key: row.key, json: row.json, expiresAt: row.expires_at };
}

function listSql(lowerBound: '>=' | '>', upperBound: boolean): string {
  return `SELECT key, json, expires_at FROM state_entries
    WHERE namespace = @namespace AND key ${lowerBound} @from ${upperBound ? 'AND key < @to' : ''} AND ${LIVE}
    ORDER BY key LIMIT @limit`;
}

/**
 * Plugin state in the `state_entries` table, with every statement prepared once. Each operation is one
 * statement (a sweep joins its write in a transaction), so each is atomic even against other processes
 * sharing the file: compare-and-set is a conditional UPDATE or upsert, never a read then a write.
 */
export class StateTable {
  readonly #read: Database.Statement<EntryRow>;
  readonly #write: Database.Statement;
  readonly #writeIfJson: Database.Statement;
  readonly #writeIfAbsent: Database.Statement;
  readonly #remove: Database.Statement;
  readonly #removeIfJson: Database.Statement;
  /** Indexed by `[lower bound inclusive][upper bound present]`. */
  readonly #list: readonly [
    readonly [Database.Statement<EntryRow>, Database.Statement<EntryRow>],
    readonly [Database.Statement<EntryRow>, Database.Statement<EntryRow>],
  ];
  readonly #sweep: Database.Statement;
  readonly #sweepThenWrite: Database.Transaction<(write: () => boolean, now: number) => boolean>;
  #writesSinceSweep = 0;

  constructor(database: Database) {
    this.#read = database.prepare(
      `SELECT key, json, expires_at FROM state_entries WHERE namespace = @namespace AND key = @key AND ${LIVE}`,
    );
    this.#write = database.prepare(
      `INSERT INTO state_entries (namespace, key, json, expires_at) VALUES (@namespace, @key, @json, @expiresAt)
       ON CONFLICT (namespace, key) DO UPDATE SET json = excluded.json, expires_at = excluded.expires_at`,
    );
    this.#writeIfJson = database.prepare(
      `UPDATE state_entries SET json = @json, expires_at = @expiresAt
       WHERE namespace = @namespace AND key = @key AND json = @ifJson AND ${LIVE}`,
    );
    // The upsert's WHERE lets it replace only an expired row: a live one makes it change nothing.
    this.#writeIfAbsent = database.prepare(
      `INSERT INTO state_entries (namespace, key, json, expires_at) VALUES (@namespace, @key, @json, @expiresAt)
       ON CONFLICT (namespace, key) DO UPDATE SET json = excluded.json, expires_at = excluded.expires_at
       WHERE state_entries.expires_at <= @now`,
    );
    this.#remove = database.prepare(
      `DELETE FROM state_entries WHERE namespace = @namespace AND key = @key AND ${LIVE}`,
    );
    this.#removeIfJson = database.prepare(
      `DELETE FROM state_entries WHERE namespace = @namespace AND key = @key AND json = @ifJson AND ${LIVE}`,
    );
    this.#list = [
      [database.prepare(listSql('>', false)), database.prepare(listSql('>', true))],
      [database.prepare(listSql('>=', false)), database.prepare(listSql('>=', true))],
    ];
    this.#sweep = database.prepare(
      `DELETE FROM state_entries WHERE rowid IN
       (SELECT rowid FROM state_entries WHERE expires_at <= @now LIMIT ${SWEEP_BATCH_SIZE})`,
    );
    this.#sweepThenWrite = database.transaction((write: () => boolean, now: number) => {
      this.#sweep.run({ now });
      return write();
    });
  }

  read(namespace: string, key: string, now: number): StoredEntry | undefined {
    assertStorableText('A state namespace', namespace);
    assertStorableText('A state key', key);
    const row = this.#read.get({ namespace, key, now });
    return row === undefined ? undefined : toEntry(row);
  }

  write(namespace: string, key: string, json: string, now: number, options: WriteOptions): boolean {
    assertStorableText('A state namespace', namespace);
    assertStorableText('A state key', key);
    assertStorableText('A state value', json);
    const { ifJson } = options;
    if (typeof ifJson === 'string') assertStorableText('An expected state value', ifJson);
    const parameters = { namespace, key, json, expiresAt: options.expiresAt ?? null };
    const write = (): boolean => {
      if (ifJson === undefined) return this.#write.run(parameters).changes > 0;
      if (ifJson === null) return this.#writeIfAbsent.run({ ...parameters, now }).changes > 0;
      return this.#writeIfJson.run({ ...parameters, ifJson, now }).changes > 0;
    };
    this.#writesSinceSweep++;
    if (this.#writesSinceSweep < SWEEP_INTERVAL_WRITES) return write();
    this.#writesSinceSweep = 0;
    return this.#sweepThenWrite(write, now);
  }

  remove(namespace: string, key: string, now: number, ifJson: string | undefined): boolean {
    assertStorableText('A state namespace', namespace);
    assertStorableText('A state key', key);
    if (ifJson === undefined) return this.#remove.run({ namespace, key, now }).changes > 0;
    assertStorableText('An expected state value', ifJson);
    return this.#removeIfJson.run({ namespace, key, now, ifJson }).changes > 0;
  }

  list(namespace: string, prefix: string, now: number, options: ListOptions): StoredEntry[] {
    assertStorableText('A state namespace', namespace);
    assertStorableText('A state prefix', prefix);
    const { after, limit } = options;
    if (after !== undefined) assertStorableText('The key to list after', after);
    assertLimit('The list limit', limit);
    // Start the index range at whichever bound is higher, so paging seeks straight to the next page.
    const startsAfter = after !== undefined && compareKeys(after, prefix) >= 0;
    const to = prefixUpperBound(prefix);
    const statement = this.#list[startsAfter ? 0 : 1][to === undefined ? 0 : 1];
    const rows = statement.all({
      namespace,
      from: startsAfter ? after : prefix,
      ...(to === undefined ? {} : { to }),
      now,
      limit: limit ?? NO_LIMIT,
    });
    return rows.map(toEntry);
  }
}
