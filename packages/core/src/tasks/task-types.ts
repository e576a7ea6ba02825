import type { TrellisError } from '../errors/trellis-error.js';
import type { Logger } from '../observability/logger.js';
import type { Schema } from '../schema/standard-schema.js';
import type { JsonValue, MissedRunPolicy, TaskQuery, TaskRecord } from '../store/store.js';

/** What a task handler receives besides its payload. */
export interface TaskContext {
  /** The task's id (the same across its retries). */
  readonly id: string;
  /** The task name the plugin defined. */
  readonly name: string;
  /** Which attempt this is, from 1. */
  readonly attempt: number;
  /** 1 + the retries allowed. */
  readonly maxAttempts: number;
  /**
   * The key given to `enqueue`, if any. A run interrupted by a crash is run again (at-least-once), so a
   * handler with side effects outside the host should use this key to make them idempotent.
   */
  readonly idempotencyKey: string | undefined;
  /** Epoch ms at which this run was due. */
  readonly scheduledAt: number;
  /** Aborted when the attempt times out, the task is cancelled, or its plugin or the host stops. */
  readonly signal: AbortSignal;
  /** The plugin's logger, bound to the task's id and name. */
  readonly logger: Logger;
  /** Records progress (any JSON value, e.g. `{ done: 40, total: 100 }`) and emits `task.progress`. */
  progress(value: unknown): Promise<void>;
}

/** Runs one task; what it returns (JSON) is kept as the task's result. */
export type TaskHandler<Payload = unknown, Result = unknown> = (
  payload: Payload,
  task: TaskContext,
) => Result | Promise<Result>;

/** Retry backoff: attempt n waits `min(max, initial * factor^(n-1))` ms, with up to 20% jitter. */
export interface TaskBackoff {
  /** Ms before the first retry (1 000). */
  readonly initial?: number;
  /** Longest wait between attempts, in ms (300 000). */
  readonly max?: number;
  /** Growth per attempt (2). */
  readonly factor?: number;
}

/** How a task name runs, given to `ctx.tasks.define`. Enqueue options override `retries` and `timeout`. */
export interface TaskDefinitionOptions<Payload = unknown> {
  /** How many of its runs may go at once: its queue's concurrency limit (1). */
  readonly concurrency?: number;
  /** How many times a failed run is tried again (0). */
  readonly retries?: number;
  /** Ms an attempt may take before it is abandoned with `E_TIMEOUT` and its signal aborted (none). */
  readonly timeout?: number;
  readonly backoff?: TaskBackoff;
  /** Validates payloads when they are enqueued, so bad input fails the caller instead of the run. */
  readonly payload?: Schema<unknown, Payload>;
}

/** Options for one job. */
export interface EnqueueOptions {
  /**
   * At most one task of this name exists per key (within the history retention): enqueueing again returns
   * the existing task instead of adding one. Also handed to the handler.
   */
  readonly idempotencyKey?: string;
  /** Higher runs first among due jobs of the same name (0). */
  readonly priority?: number;
  /** Overrides the definition's retries. */
  readonly retries?: number;
  /** Overrides the definition's timeout, in ms. */
  readonly timeout?: number;
}

/** Options for a recurring task. */
export interface RecurringOptions {
  /**
   * Names this schedule among the plugin's (defaults to the task name). Declaring a schedule with the same
   * id again (every setup does) updates it instead of adding one.
   */
  readonly id?: string;
  /** The payload each run receives. */
  readonly payload?: unknown;
  /** IANA time zone for `cron` and `daily` (the host's own when absent). */
  readonly timezone?: string;
  /** What happens to runs missed while the host was down or the plugin disabled (`skip`). */
  readonly missed?: MissedRunPolicy;
  readonly priority?: number;
  readonly retries?: number;
  readonly timeout?: number;
}

/** A task as `get` and `list` report it (a copy: changing it changes nothing). */
export type TaskInfo = Readonly<TaskRecord>;

/** Which of its tasks a plugin's `list` returns: every field narrows; newest first, 100 unless `limit` says. */
export type TaskFilter = Omit<TaskQuery, 'id' | 'plugin'>;

/**
 * A plugin's tasks (`ctx.tasks`): handlers it defines, and jobs and schedules of those handlers. Tasks are
 * persisted in the host's store, so they survive restarts; a plugin only sees its own.
 */
export interface PluginTasks {
  /** Defines the handler of task `name`. Jobs of that name wait for it, including those persisted earlier. */
  define<Payload = unknown, Result = unknown>(
    name: string,
    handler: TaskHandler<Payload, Result>,
    options?: TaskDefinitionOptions<Payload>,
  ): void;
  /** Adds a job to run as soon as its queue has room. Resolves once it is persisted. */
  enqueue(name: string, payload?: unknown, options?: EnqueueOptions): Promise<TaskInfo>;
  /** Runs `name` once at `when` (a `Date` or epoch ms, not in the past). */
  at(when: Date | number, name: string, payload?: unknown, options?: EnqueueOptions): Promise<TaskInfo>;
  /** Runs `name` once after `delayMs`. */
  after(delayMs: number, name: string, payload?: unknown, options?: EnqueueOptions): Promise<TaskInfo>;
  /** Runs `name` every `intervalMs`; a run still going when the next is due makes that one skip. */
  every(intervalMs: number, name: string, options?: RecurringOptions): Promise<TaskInfo>;
  /** Runs `name` on a cron expression (croner syntax, 5 or 6 fields) in `options.timezone`. */
  cron(expression: string, name: string, options?: RecurringOptions): Promise<TaskInfo>;
  /** Runs `name` every day at `time` (`HH:MM`, 24 h) in `options.timezone`. */
  daily(time: string, name: string, options?: RecurringOptions): Promise<TaskInfo>;
  /** Cancels a job (a running one has its signal aborted) or stops a schedule. */
  cancel(id: string): Promise<TaskInfo>;
  /** The task with this id, or undefined. */
  get(id: string): Promise<TaskInfo | undefined>;
  /** The plugin's tasks, newest first, including finished ones still in the history. */
  list(filter?: TaskFilter): Promise<TaskInfo[]>;
  /** Resolves with the task once it finished (completed, failed or cancelled). */
  wait(id: string): Promise<TaskInfo>;
}

/** The payload of the `task.*` events. */
export interface TaskEvent {
  readonly id: string;
  readonly plugin: string;
  readonly name: string;
  readonly attempt: number;
  readonly scheduleId?: string;
  readonly progress?: JsonValue;
  readonly result?: JsonValue;
  readonly error?: ReturnType<TrellisError['toJSON']>;
  /** For `task.completed` and `task.failed`: how long the last attempt ran. */
  readonly durationMs?: number;
  /** For `task.retrying`: when the next attempt is due. */
  readonly retryAt?: number;
}
