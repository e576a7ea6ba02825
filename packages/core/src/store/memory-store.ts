import type { Store, StoredEntry, TaskQuery, TaskRecord, TaskStatus, WriteOptions } from './store.js';

const FINISHED: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled']);

function isLive(entry: StoredEntry | undefined, now: number): entry is StoredEntry {
  return entry !== undefined && (entry.expiresAt === undefined || entry.expiresAt > now);
}

/** Whether `record` matches every field `query` sets (its `limit` aside). */
export function matchesTaskQuery(record: TaskRecord, query: TaskQuery): boolean {
  const statuses = typeof query.status === 'string' ? [query.status] : query.status;
  return (
    (query.id === undefined || record.id === query.id) &&
    (query.plugin === undefined || record.plugin === query.plugin) &&
    (query.name === undefined || record.name === query.name) &&
    (query.kind === undefined || record.kind === query.kind) &&
    (statuses === undefined || statuses.includes(record.status)) &&
    (query.idempotencyKey === undefined || record.idempotencyKey === query.idempotencyKey) &&
    (query.scheduleId === undefined || record.scheduleId === query.scheduleId)
  );
}

/**
 * A {@link Store} in process memory: the host's default, and what tests use. Nothing survives the process;
 * records are copied in and out, so callers can never change stored data by mutating an object.
 */
export class MemoryStore implements Store {
  readonly #namespaces = new Map<string, Map<string, StoredEntry>>();
  readonly #tasks = new Map<string, TaskRecord>();

  async open(): Promise<void> {}

  async close(): Promise<void> {}

  async read(namespace: string, key: string, now: number): Promise<StoredEntry | undefined> {
    const entry = this.#namespaces.get(namespace)?.get(key);
    return isLive(entry, now) ? entry : undefined;
  }

  async write(
    namespace: string,
    key: string,
    json: string,
    now: number,
    options: WriteOptions = {},
  ): Promise<boolean> {
    let entries = this.#namespaces.get(namespace);
    if (options.ifJson !== undefined) {
      const current = entries?.get(key);
      const currentJson = isLive(current, now) ? current.json : null;
      if (currentJson !== options.ifJson) return false;
    }
    if (entries === undefined) {
      entries = new Map();
      this.#namespaces.set(namespace, entries);
    }
    entries.set(
      key,
      options.expiresAt === undefined ? { key, json } : { key, json, expiresAt: options.expiresAt },
    );
    return true;
  }

  async remove(namespace: string, key: string, now: number, ifJson?: string): Promise<boolean> {
    const entries = this.#namespaces.get(namespace);
    const current = entries?.get(key);
    if (!isLive(current, now) || (ifJson !== undefined && current.json !== ifJson)) return false;
    entries?.delete(key);
    return true;
  }

  async list(
    namespace: string,
    prefix: string,
    now: number,
    options: { readonly after?: string; readonly limit?: number } = {},
  ): Promise<StoredEntry[]> {
    const after = options.after;
    const live = [...(this.#namespaces.get(namespace)?.values() ?? [])].filter(
      (entry) =>
        entry.key.startsWith(prefix) && (after === undefined || entry.key > after) && isLive(entry, now),
    );
    live.sort((left, right) => (left.key < right.key ? -1 : left.key > right.key ? 1 : 0));
    return options.limit === undefined ? live : live.slice(0, options.limit);
  }

  async saveTask(record: TaskRecord): Promise<void> {
    this.#tasks.set(record.id, structuredClone(record));
  }

  async queryTasks(query: TaskQuery): Promise<TaskRecord[]> {
    const found = [...this.#tasks.values()].filter((record) => matchesTaskQuery(record, query));
    found.sort((left, right) => right.createdAt - left.createdAt);
    return (query.limit === undefined ? found : found.slice(0, query.limit)).map((record) =>
      structuredClone(record),
    );
  }

  async pruneTasks(finishedBefore: number): Promise<number> {
    let pruned = 0;
    for (const [id, record] of this.#tasks) {
      if (FINISHED.has(record.status) && (record.finishedAt ?? 0) < finishedBefore) {
        this.#tasks.delete(id);
        pruned++;
      }
    }
    return pruned;
  }
}
