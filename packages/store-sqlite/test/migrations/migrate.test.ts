import { TrellisError } from '@trellis/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/migrations/migrate.js';
import type { Migration } from '../../src/migrations/migration.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/migrations/migrations.js';

const first: Migration = { version: 1, name: 'first', sql: 'CREATE TABLE first (id INTEGER);' };
const second: Migration = { version: 2, name: 'second', sql: 'CREATE TABLE second (id INTEGER);' };
const broken: Migration = { version: 2, name: 'broken', sql: 'CREATE TABLE half (id INTEGER); NOT SQL;' };

describe('migrate', () => {
  let database: Database;

  beforeEach(() => {
    database = new Database(':memory:');
  });

  afterEach(() => {
    database.close();
  });

  function tables(): string[] {
    return database
      .prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((row) => row.name);
  }

  function recordedVersions(): number[] {
    return database
      .prepare<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
      .all()
      .map((row) => row.version);
  }

  function thrownBy(work: () => unknown): TrellisError {
    try {
      work();
    } catch (error) {
      if (error instanceof TrellisError) return error;
      throw error;
    }
    throw new Error('expected a TrellisError');
  }

  it('applies every migration of a new database in order and records it', () => {
    expect(migrate(database, [first, second], 'test.db')).toStrictEqual([1, 2]);
    expect(tables()).toStrictEqual(['first', 'schema_migrations', 'second']);
    expect(recordedVersions()).toStrictEqual([1, 2]);
  });

  it('applies nothing the second time', () => {
    migrate(database, [first], 'test.db');
    expect(migrate(database, [first], 'test.db')).toStrictEqual([]);
    expect(recordedVersions()).toStrictEqual([1]);
  });

  it('applies only the migrations added since the last run', () => {
    migrate(database, [first], 'test.db');
    expect(migrate(database, [first, second], 'test.db')).toStrictEqual([2]);
    expect(recordedVersions()).toStrictEqual([1, 2]);
  });

  it('rolls every step back when one fails', () => {
    expect(() => migrate(database, [first, broken], 'test.db')).toThrow(/syntax error/);
    expect(tables()).toStrictEqual([]);
  });

  it('refuses a database past the last known migration', () => {
    migrate(database, [first, second], 'test.db');
    const error = thrownBy(() => migrate(database, [first], 'test.db'));
    expect(error.code).toBe('E_STORE_SCHEMA_TOO_NEW');
    expect(error.details).toStrictEqual({ location: 'test.db', foundVersion: 2, supportedVersion: 1 });
  });

  it.each([[[second]], [[first, first]], [[second, first]]])(
    'refuses a list not numbered 1, 2, 3... (%#)',
    (migrations) => {
      expect(thrownBy(() => migrate(database, migrations, 'test.db')).code).toBe('E_INVALID_ARGUMENT');
      expect(tables()).toStrictEqual([]);
    },
  );

  it('numbers the package migrations from 1 and names the schema version after the last', () => {
    expect(MIGRATIONS.map((migration) => migration.version)).toStrictEqual(
      MIGRATIONS.map((_, index) => index + 1),
    );
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(migrate(database, MIGRATIONS, 'test.db')).toStrictEqual(
      MIGRATIONS.map((migration) => migration.version),
    );
  });
});
