import type { Migration } from './migration.js';

/**
 * Plugin state and tasks. State keys compare as BINARY (code point order), which `list` relies on for
 * its range queries. Tasks keep the whole record as JSON, so every field round-trips exactly, and copy
 * into columns only what queries filter or sort on; `seq` (never reused, thanks to AUTOINCREMENT) orders
 * tasks created in the same millisecond by when they were first saved.
 */
export const stateAndTasks: Migration = {
  version: 1,
  name: 'state-and-tasks',
  sql: `
    CREATE TABLE state_entries (
      namespace TEXT NOT NULL,
      key TEXT NOT NULL,
      json TEXT NOT NULL,
      expires_at INTEGER,
      PRIMARY KEY (namespace, key)
    );
    CREATE INDEX state_entries_expires_at ON state_entries (expires_at) WHERE expires_at IS NOT NULL;

    CREATE TABLE tasks (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      kind TEXT NOT NULL,
      plugin TEXT NOT NULL,
      name TEXT NOT NULL,
      status TEXT NOT NULL,
      priority REAL NOT NULL,
      idempotency_key TEXT,
      created_at INTEGER NOT NULL,
      finished_at INTEGER,
      schedule_id TEXT,
      record TEXT NOT NULL
    );
    CREATE INDEX tasks_status ON tasks (status);
    CREATE INDEX tasks_plugin_name ON tasks (plugin, name);
    CREATE INDEX tasks_idempotency_key ON tasks (idempotency_key) WHERE idempotency_key IS NOT NULL;
    CREATE INDEX tasks_schedule_id ON tasks (schedule_id) WHERE schedule_id IS NOT NULL;
    CREATE INDEX tasks_finished_at ON tasks (finished_at);
    CREATE INDEX tasks_created_at ON tasks (created_at DESC, seq);
  `,
};
