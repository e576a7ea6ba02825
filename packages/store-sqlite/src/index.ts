export {
  SQLITE_STORE_ERROR_CODES,
  type SqliteStoreErrorCode,
} from './errors/store-errors.js';
export { SCHEMA_VERSION } from './migrations/migrations.js';
export { DEFAULT_STORE_PATH, SqliteStore, type SqliteStoreOptions } from './store/sqlite-store.js';
