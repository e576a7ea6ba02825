import { errors, type TaskQuery, type TaskRecord, type TaskStatus } from '@trellis/core';
import type Database from 'better-sqlite3';
import { assertLimit, assertStorableText } from '../validation/arguments.js';

const FINISHED_STATUSES = ['completed', 'failed', 'cancelled'] as const satisfies readonly TaskStatus[];

type FilterField = Exclude<keyof TaskQuery, 'limit'>;

/** The query fields a task query can filter on, each with its condition (one positional parameter). */
const FILTERS: ReadonlyArray<{ readonly field: FilterField; readonly condition: string }> = [
  { field: 'id', condition: 'id = ?' },
  { field: 'plugin', condition: 'plugin = ?' },
  { field: 'name', condition: 'name = ?' },
  { field: 'kind', condition: 'kind = ?' },
  // One statement serves a single status and a list of any length: the list is bound as a JSON array.
  { field: 'status', condition: 'status IN (SELECT value FROM json_each(?))' },
  { field: 'idempotencyKey', condition: 'idempotency_key = ?' },
  { field: 'scheduleId', condition: 'schedule_id = ?' },
];

const NO_LIMIT = -1;

/** Which filters a query sets, as a bit mask over {@link FILTERS}: the index of its statement. */
function shapeOf(query: TaskQuery): number {
  return FILTERS.reduce(
    (shape, filter, bit) => (query[filter.field] === undefined ? shape : shape | (1 << bit)),
    0,
  );
}

function filtersOf(shape: number): typeof FILTERS {
  return FILTERS.filter((_, bit) => (shape & (1 << bit)) !== 0);
}

function querySql(shape: number): string {
  const conditions = filtersOf(shape).map((filter) => filter.condition);
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  return `SELECT record FROM tasks ${where} ORDER BY created_at DESC, seq LIMIT ?`;
}

function filterValue(query: TaskQuery, field: FilterField): string {
  const value = query[field];
  if (field !== 'status') {
    assertStorableText(`The task query's ${field}`, value);
    return value;
  }
  const statuses = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(statuses)) {
    throw errors.invalidArgument("The task query's status", 'a task status or a list of them', value);
  }
  return JSON.stringify(statuses);
}

/** The parameters of one task upsert. */
export interface TaskRow {
  readonly id: string;
  readonly kind: string;
  readonly plugin: string;
  readonly name: string;
  readonly status: string;
  readonly priority: number;
  readonly idempotencyKey: string | null;
  readonly createdAt: number;
  readonly finishedAt: number | null;
  readonly scheduleId: string | null;
  readonly record: string;
}

/**
 * Tasks in the `tasks` table: the whole record as JSON plus the columns queries filter and sort on. A
 * statement for every combination of query filters (64) is prepared up front, so each query uses the
 * indexes that fit it rather than one catch-all statement that would scan.
 */
export class TaskTable {
  readonly #save: Database.Statement;
  readonly #queries: readonly Database.Statement<{ readonly record: string }>[];
  readonly #prune: Database.Statement;
  readonly #saveAll: (rows: readonly TaskRow[]) => void;

  constructor(database: Database) {
    this.#save = database.prepare(
      `INSERT INTO tasks (id, kind, plugin, name, status, priority, idempotency_key, created_at, finished_at, schedule_id, record)
       VALUES (@id, @kind, @plugin, @name, @status, @priority, @idempotencyKey, @createdAt, @finishedAt, @scheduleId, @record)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, plugin = excluded.plugin, name = excluded.name,
         status = excluded.status, priority = excluded.priority, idempotency_key = excluded.idempotency_key,
         created_at = excluded.created_at, finished_at = excluded.finished_at, schedule_id = excluded.schedule_id,
         record = excluded.record`,
    );
    this.#queries = Array.from({ length: 1 << FILTERS.length }, (_, shape) =>
      database.prepare(querySql(shape)),
    );
    // A finished task without finishedAt counts as finished at 0, as in the kernel's MemoryStore.
    this.#saveAll = database.transaction((rows: readonly TaskRow[]) => {
      for (const row of rows) this.#save.run(row);
    });
    this.#prune = database.prepare(
      `DELETE FROM tasks WHERE status IN (${FINISHED_STATUSES.map((status) => `'${status}'`).join(', ')})
       AND (finished_at < @before OR (finished_at IS NULL AND @before > 0))`,
    );
  }

  /**
   * Checks `record` and turns it into the statement's parameters, JSON included: the store's own copy,
   * taken when the save is asked for, so later changes to the record cannot reach the database.
   */
  rowOf(record: TaskRecord): TaskRow {
    for (const field of ['id', 'kind', 'plugin', 'name', 'status'] as const) {
      assertStorableText(`The task's ${field}`, record[field]);
    }
    if (record.idempotencyKey !== undefined)
      assertStorableText("The task's idempotencyKey", record.idempotencyKey);
    if (record.scheduleId !== undefined) assertStorableText("The task's scheduleId", record.scheduleId);
    return {
      id: record.id,
      kind: record.kind,
      plugin: record.plugin,
      name: record.name,
      status: record.status,
      priority: record.priority,
      idempotencyKey: record.idempotencyKey ?? null,
      createdAt: record.createdAt,
      finishedAt: record.finishedAt ?? null,
      scheduleId: record.scheduleId ?? null,
      record: JSON.stringify(record),
    };
  }

  /** Writes rows made by {@link TaskTable.rowOf} in one transaction: all of them, or none. */
  saveAll(rows: readonly TaskRow[]): void {
    this.#saveAll(rows);
  }

  query(query: TaskQuery): TaskRecord[] {
    const { limit } = query;
    assertLimit('The task query limit', limit);
    const shape = shapeOf(query);
    const values = filtersOf(shape).map((filter) => filterValue(query, filter.field));
    // Every shape below 2^FILTERS.length has its statement.
    return this.#queries[shape]!.all(...values, limit ?? NO_LIMIT).map(
      (row) => JSON.parse(row.record) as TaskRecord,
    );
  }

  prune(finishedBefore: number): number {
    return this.#prune.run({ before: finishedBefore }).changes;
  }
}
