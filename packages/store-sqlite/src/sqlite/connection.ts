import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from '../migrations/migrate.js';
import { MIGRATIONS } from '../migrations/migrations.js';
import { openError } from './sqlite-failure.js';

/** The file name SQLite reads as "a private database in memory". */
export const IN_MEMORY = ':memory:';

/**
 * Opens the database at `location` (creating its directory), configures it for a long-lived
 * single-writer process — WAL, so readers never wait for the writer; `synchronous = NORMAL`, durable
 * at each checkpoint and never corrupt after a crash in WAL mode; foreign keys; a busy timeout —
 * migrates it, then hands it to `prepare`. Every failure closes the connection again and becomes a
 * TrellisError naming the file.
 */
export function openConnection<Prepared>(
  location: string,
  busyTimeout: number,
  prepare: (database: Database) => Prepared,
): Prepared {
  let database: Database;
  try {
    if (location !== IN_MEMORY) mkdirSync(dirname(location), { recursive: true });
    database = new Database(location, { timeout: busyTimeout });
  } catch (error) {
    throw openError(location, error);
  }
  try {
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    migrate(database, MIGRATIONS, location);
    return prepare(database);
  } catch (error) {
    database.close();
    throw openError(location, error);
  }
}

/**
 * Copies the write-ahead log into the database file and empties it, then closes the connection (even
 * when the checkpoint fails), so a closed store is one self-contained file.
 */
export function closeConnection(database: Database, location: string): void {
  try {
    if (location !== IN_MEMORY) database.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    database.close();
  }
}
