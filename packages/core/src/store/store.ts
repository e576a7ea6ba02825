import type { SerializedTrellisError } from '../errors/trellis-error.js';

/** A value that survives a JSON round trip unchanged: what plugin state, task payloads and results hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One key of a plugin's state as the store keeps it. */
export interface StoredEntry {
  readonly key: string;
  /** The value in canonical JSON (object keys sorted), so equal values have equal text. */
  readonly json: string;
  /** Epoch ms after which the entry no longer exists; absent when it never expires. */
  readonly expiresAt?: number;
}

/** How {@link StateStore.write} may change an entry. */
export interface WriteOptions {
  /** Epoch ms after which the entry no longer exists; absent: never expires. */
  readonly expiresAt?: number;
  /**
   * Compare-and-set: write only when the live entry's canonical JSON equals this text, or, when `null`,
   * only when no live entry exists. Absent: write unconditionally.
   */
  readonly ifJson?: string | null;
}

/**
 * Namespaced key-value storage. Every method takes `now` (epoch ms from the host's clock) so that expiry
 * follows a test's fake clock; an entry whose `expiresAt <= now` is treated as absent everywhere.
 */
export interface StateStore {
  read(namespace: string, key: string, now: number): Promise<StoredEntry | undefined>;
  /** Writes atomically; resolves `false` (and changes nothing) when an `ifJson` condition did not hold. */
  write(namespace: string, key: string, json: string, now: number, options?: WriteOptions): Promise<boolean>;
  /** Removes the key (only when its canonical JSON equals `ifJson`, when given); resolves whether it existed. */
  remove(namespace: string, key: string, now: number, ifJson?: string): Promise<boolean>;
  /** Live entries whose key starts with `prefix`, in key order, after `after` when given, at most `limit`. */
  list(
    namespace: string,
    prefix: string,
    now: number,
    options?: { readonly after?: string; readonly limit?: number },
  ): Promise<StoredEntry[]>;
}

/** Where a task is in its life. `scheduled` covers both "waiting for its time" and "waiting for a slot". */
export type TaskStatus = 'scheduled' | 'running' | 'completed' | 'failed' | 'cancelled';

/** What to do with the runs a recurring task missed while the host was down. */
export type MissedRunPolicy = 'skip' | 'once' | 'catch-up';

/** When a recurring task runs: exactly one of `every`, `cron` or `daily`. */
export interface RecurrenceSpec {
  /** Every this many ms. */
  readonly every?: number;
  /** A cron expression (5 or 6 fields, croner syntax). */
  readonly cron?: string;
  /** Every day at this wall-clock time, `HH:MM` (24 h). */
  readonly daily?: string;
  /** IANA time zone for `cron` and `daily` (the host's zone when absent). */
  readonly timezone?: string;
  /** What happens to runs missed while the host was down (`skip`, the default). */
  readonly missed: MissedRunPolicy;
}

/**
 * One task as persisted: a job (a single run, from `enqueue`, `at` or `after`, or one occurrence of a
 * recurring task) or a recurring schedule (`kind: 'recurring'`), which never runs itself but creates jobs.
 */
export interface TaskRecord {
  readonly id: string;
  readonly kind: 'job' | 'recurring';
  /** The plugin whose handler runs it. */
  readonly plugin: string;
  /** The task name the plugin defined. */
  readonly name: string;
  status: TaskStatus;
  readonly payload: JsonValue;
  /** Higher runs first among jobs due at once. */
  readonly priority: number;
  readonly idempotencyKey?: string;
  /** Runs started so far. */
  attempts: number;
  /** 1 + retries. */
  readonly maxAttempts: number;
  /** Ms one attempt may take. */
  readonly timeoutMs?: number;
  /** Epoch ms at which the job is due (for a recurring schedule: its next occurrence). */
  runAt: number;
  readonly createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  progress?: JsonValue;
  result?: JsonValue;
  error?: SerializedTrellisError;
  /** For a job made by a recurring schedule: the schedule's id. */
  readonly scheduleId?: string;
  /** For a recurring schedule: when it runs. */
  recurrence?: RecurrenceSpec;
  /** For a recurring schedule: when its last occurrence was due. */
  lastRunAt?: number;
}

/** Which task records {@link TaskStore.query} returns; every field narrows, none means all. */
export interface TaskQuery {
  readonly id?: string;
  readonly plugin?: string;
  readonly name?: string;
  readonly kind?: TaskRecord['kind'];
  readonly status?: TaskStatus | readonly TaskStatus[];
  readonly idempotencyKey?: string;
  readonly scheduleId?: string;
  /** Newest first, at most this many (all when absent). */
  readonly limit?: number;
}

/** Persistence of tasks: the task runner keeps live tasks in memory and writes every change through. */
export interface TaskStore {
  /**
   * Inserts or replaces the record with the same id. The store must take its copy of the record before
   * returning (the runner goes on changing its own), and apply saves in the order they were called.
   */
  saveTask(record: TaskRecord): Promise<void>;
  /** Records matching `query`, newest (by `createdAt`) first. */
  queryTasks(query: TaskQuery): Promise<TaskRecord[]>;
  /** Deletes finished tasks (completed, failed, cancelled) that finished before `finishedBefore`; resolves how many. */
  pruneTasks(finishedBefore: number): Promise<number>;
}

/**
 * Where a host keeps what must survive a restart: plugin state and tasks. Implemented in memory by
 * {@link MemoryStore} (tests, embedded hosts that need no persistence) and on SQLite by
 * `@trellis/store-sqlite`. The host opens it before plugins start and closes it after they stopped.
 */
export interface Store extends StateStore, TaskStore {
  /** Opens the store (connects, runs migrations). Called once, by `host.start()`. */
  open(): Promise<void>;
  /** Flushes and closes the store. Called once, by `host.stop()`. */
  close(): Promise<void>;
}
