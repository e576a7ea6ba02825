import { errors } from '@trellis/core';
import type Database from 'better-sqlite3';
import { sqliteStoreErrors } from '../errors/store-errors.js';
import type { Migration } from './migration.js';

const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`;

function checkOrder(migrations: readonly Migration[]): void {
  const versions = migrations.map((migration) => migration.version);
  if (versions.some((version, index) => version !== index + 1)) {
    throw errors.invalidArgument('The migration versions', '1, 2, 3... in order, without gaps', versions);
  }
}

/**
 * Brings the database at `location` up to the last of `migrations` (numbered 1, 2, 3...), applying each
 * missing one and recording it in `schema_migrations`, all in one `BEGIN IMMEDIATE` transaction: two
 * processes opening a new file at once migrate it once, and a failing step leaves the file as it was.
 * Refuses (`E_STORE_SCHEMA_TOO_NEW`) a database already past the last migration. Returns the versions
 * it applied.
 */
export function migrate(database: Database, migrations: readonly Migration[], location: string): number[] {
  checkOrder(migrations);
  const latest = migrations.length;
  return database
    .transaction(() => {
      database.exec(CREATE_MIGRATIONS_TABLE);
      const current =
        database
          .prepare<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations')
          .get()?.version ?? 0;
      if (current > latest) throw sqliteStoreErrors.schemaTooNew(location, current, latest);
      const record = database.prepare(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
      );
      const pending = migrations.slice(current);
      for (const migration of pending) {
        database.exec(migration.sql);
        record.run(migration.version, migration.name, Date.now());
      }
      return pending.map((migration) => migration.version);
    })
    .immediate();
}
