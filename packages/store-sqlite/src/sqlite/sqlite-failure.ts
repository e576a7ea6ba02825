import { errors, TrellisError } from '@trellis/core';
import { sqliteCodeOf, sqliteStoreErrors } from '../errors/store-errors.js';

function isCorruption(cause: unknown): boolean {
  const code = sqliteCodeOf(cause);
  return code !== undefined && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}

/**
 * The error to raise when `operation` on an open store threw `cause`: a TrellisError (bad input) as it
 * is, corruption as `E_STORE_CORRUPT` (trying again cannot help), anything else (busy, locked, disk full,
 * I/O) as the kernel's retryable `E_STORE_FAILED`.
 */
export function operationError(operation: string, location: string, cause: unknown): TrellisError {
  if (cause instanceof TrellisError) return cause;
  if (isCorruption(cause)) return sqliteStoreErrors.corrupt(location, cause);
  return errors.storeFailed(operation, cause);
}

/** The error to raise when opening (connecting, configuring, migrating) the database threw `cause`. */
export function openError(location: string, cause: unknown): TrellisError {
  if (cause instanceof TrellisError) return cause;
  if (isCorruption(cause)) return sqliteStoreErrors.corrupt(location, cause);
  return sqliteStoreErrors.openFailed(location, cause);
}
