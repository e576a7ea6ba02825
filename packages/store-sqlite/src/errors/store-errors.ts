import { TrellisError } from '@trellis/core';

/**
 * The error codes this package adds to the kernel's. Failures of a single operation on an open store use
 * the kernel's `E_STORE_FAILED` (retryable: the database was busy, the disk full...).
 */
export const SQLITE_STORE_ERROR_CODES = [
  'E_STORE_CLOSED',
  'E_STORE_ALREADY_OPEN',
  'E_STORE_OPEN_FAILED',
  'E_STORE_CORRUPT',
  'E_STORE_SCHEMA_TOO_NEW',
] as const;

/** A code from {@link SQLITE_STORE_ERROR_CODES}. */
export type SqliteStoreErrorCode = (typeof SQLITE_STORE_ERROR_CODES)[number];

function causeMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** SQLite's result code (`SQLITE_BUSY`, `SQLITE_NOTADB`...) when `cause` came from SQLite. */
export function sqliteCodeOf(cause: unknown): string | undefined {
  if (!(cause instanceof Error) || !('code' in cause)) return undefined;
  const code = cause.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

function sqliteDetails(cause: unknown): { sqliteCode?: string } {
  const sqliteCode = sqliteCodeOf(cause);
  return sqliteCode === undefined ? {} : { sqliteCode };
}

/**
 * Every error this package raises is made here, so each code has one message naming the database and
 * saying what to do. `location` is the database's absolute path, or `:memory:`.
 */
export const sqliteStoreErrors = {
  closed(operation: string, location: string, wasOpened: boolean): TrellisError {
    const state = wasOpened
      ? 'was closed; open it again (or use a new SqliteStore) before using it'
      : 'is not open yet; call open() first (a host opens its store in start())';
    return new TrellisError(
      'E_STORE_CLOSED',
      `Cannot ${operation}: the SQLite store at ${location} ${state}.`,
      {
        details: { operation, location },
      },
    );
  },

  alreadyOpen(location: string): TrellisError {
    return new TrellisError(
      'E_STORE_ALREADY_OPEN',
      `The SQLite store at ${location} is already open; open() is called once (by the host's start()), then close().`,
      { details: { location } },
    );
  },

  openFailed(location: string, cause: unknown): TrellisError {
    return new TrellisError(
      'E_STORE_OPEN_FAILED',
      `Could not open the SQLite store at ${location}: ${causeMessage(cause)}. Make sure its directory exists or can be created and that this process may write there, or pass another path.`,
      { details: { location, ...sqliteDetails(cause) }, cause },
    );
  },

  corrupt(location: string, cause: unknown): TrellisError {
    return new TrellisError(
      'E_STORE_CORRUPT',
      `The file at ${location} is not a SQLite database or is corrupt (${causeMessage(cause)}). Restore it from a backup, or move it away to start with an empty store.`,
      { details: { location, ...sqliteDetails(cause) }, cause },
    );
  },

  schemaTooNew(location: string, foundVersion: number, supportedVersion: number): TrellisError {
    return new TrellisError(
      'E_STORE_SCHEMA_TOO_NEW',
      `The SQLite store at ${location} has schema version ${foundVersion}, written by a newer @trellis/store-sqlite; this version knows up to ${supportedVersion}. Upgrade @trellis/store-sqlite, or use another file.`,
      { details: { location, foundVersion, supportedVersion } },
    );
  },
};
