import { randomUUID } from 'node:crypto';
import { runWithTimeout } from '../async/run-with-timeout.js';
import type { Clock, TimerHandle } from '../clock/clock.js';
import { errors } from '../errors/errors.js';
import { TrellisError } from '../errors/trellis-error.js';
import type { Logger } from '../observability/logger.js';
import { validateWithSchema } from '../schema/standard-schema.js';
import { boundedJson, parseJson } from '../store/canonical-json.js';
import type { JsonValue, RecurrenceSpec, TaskQuery, TaskRecord, TaskStore } from '../store/store.js';
import { ReadyQueue } from './ready-queue.js';
import { compileRecurrence, missedOccurrences, type NextOccurrence } from './recurrence.js';
import type {
  EnqueueOptions,
  RecurringOptions,
  TaskBackoff,
  TaskContext,
  TaskDefinitionOptions,
  TaskEvent,
  TaskFilter,
  TaskHandler,
  TaskInfo,
} from './task-types.js';

/** Options for the host's task runner (`HostOptions.tasks`). */
export interface TaskRunnerOptions {
  /** Ms finished tasks stay in the history before they are pruned (7 days). */
  readonly history?: number;
  /** Ms `host.stop()` and a plugin's stop wait for its running tasks before aborting them (10 000). */
  readonly stopTimeout?: number;
  /** Largest payload, result or progress value, in bytes of JSON (256 KiB). */
  readonly maxPayloadBytes?: number;
  /** Most missed runs one schedule makes up for with the `catch-up` policy (100). */
  readonly maxCatchUp?: number;
}

/** What the runner needs from the host. */
export interface TaskRunnerDependencies {
  readonly store: TaskStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  /** Publishes a `task.*` event from the host. */
  emit(topic: string, payload: TaskEvent): Promise<void>;
  /** Whether a plugin of this name is registered in the host (unregistered owners make orphans). */
  isRegistered(plugin: string): boolean;
}

/** A task the host knows about but cannot run: its plugin is gone, or never defined its name. */
export interface OrphanedTask {
  readonly task: TaskInfo;
  readonly reason: 'plugin-missing' | 'task-undefined';
}

const DEFAULT_BACKOFF: Required<TaskBackoff> = { initial: 1_000, max: 300_000, factor: 2 };
// Node timers overflow past 2^31-1 ms (~24.8 days): longer waits are done in steps.
const LONGEST_TIMER_MS = 2_147_483_647;
const HOUR_MS = 3_600_000;

interface Definition {
  readonly handler: TaskHandler;
  readonly concurrency: number;
  readonly retries: number;
  readonly timeoutMs: number | undefined;
  readonly backoff: Required<TaskBackoff>;
  readonly payload: TaskDefinitionOptions['payload'];
}

/** The jobs of one task name of one plugin. */
interface Queue {
  readonly plugin: string;
  readonly name: string;
  definition: Definition | undefined;
  readonly ready: ReadyQueue;
  running: number;
}

/** A task that is not finished: a job waiting or running, or an active schedule. */
interface LiveTask {
  record: TaskRecord;
  timer?: TimerHandle;
  /** Set while an attempt runs. */
  run?: { readonly controller: AbortController; readonly settled: Promise<void>; abandoned: boolean };
  waiters?: Array<(task: TaskInfo) => void>;
  /** For a schedule: its compiled recurrence. */
  next?: NextOccurrence;
}

function queueKey(plugin: string, name: string): string {
  return `${plugin}\u0000${name}`;
}

function copy(record: TaskRecord): TaskInfo {
  return structuredClone(record);
}

function nonNegativeInteger(what: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value >= 0))
    throw errors.invalidArgument(what, 'a non-negative integer', value);
  return value;
}

function positiveNumber(what: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value)))
    throw errors.invalidArgument(what, 'a positive number of ms', value);
  return value;
}

/**
 * Runs the host's tasks: jobs in per-name queues with concurrency limits and priorities, delayed and
 * recurring tasks on the host's clock, retries with exponential backoff, and history. Every change of a
 * task is written through to the store, so a restart finds each task where it was; a task that was
 * running when the process died is run again (at-least-once).
 *
 * Handlers belong to plugins: a plugin's queues only dispatch while it is running, so disabling or
 * reloading it pauses its tasks (its schedules' missed runs follow their policy when it is back) and its
 * new definitions pick them up again.
 */
export class TaskRunner {
  readonly #deps: TaskRunnerDependencies;
  readonly #historyMs: number;
  readonly #stopTimeoutMs: number;
  readonly #maxPayloadBytes: number;
  readonly #maxCatchUp: number;
  readonly #live = new Map<string, LiveTask>();
  readonly #queues = new Map<string, Queue>();
  readonly #runningPlugins = new Set<string>();
  readonly #pendingKeys = new Map<string, Promise<TaskInfo>>();
  readonly #longestRunMs = new Map<string, number>();
  #pruneTimer: TimerHandle | undefined;
  #open = false;

  constructor(deps: TaskRunnerDependencies, options: TaskRunnerOptions = {}) {
    this.#deps = deps;
    this.#historyMs = positiveNumber('The tasks.history option', options.history) ?? 7 * 24 * HOUR_MS;
    this.#stopTimeoutMs = positiveNumber('The tasks.stopTimeout option', options.stopTimeout) ?? 10_000;
    this.#maxPayloadBytes =
      positiveNumber('The tasks.maxPayloadBytes option', options.maxPayloadBytes) ?? 262_144;
    this.#maxCatchUp = nonNegativeInteger('The tasks.maxCatchUp option', options.maxCatchUp, 100);
  }

  /**
   * Loads the unfinished tasks from the store. Jobs that were running when the host last stopped without
   * finishing them (a crash) are scheduled again, with at least one more attempt allowed.
   */
  async open(): Promise<void> {
    const { store, clock, logger } = this.#deps;
    const now = clock.now();
    await store.pruneTasks(now - this.#historyMs);
    const unfinished = await store.queryTasks({ status: ['scheduled', 'running'] });
    let recovered = 0;
    for (const stored of unfinished.reverse()) {
      let record = stored;
      if (record.status === 'running') {
        recovered++;
        record = {
          ...record,
          status: 'scheduled',
          maxAttempts: Math.max(record.maxAttempts, record.attempts + 1),
        };
        await store.saveTask(record);
      }
      const live: LiveTask = { record };
      this.#live.set(record.id, live);
      if (record.kind === 'recurring') this.#compile(live);
      else this.#armJob(live);
    }
    if (recovered > 0) logger.warn({ recovered }, 'tasks interrupted by the last shutdown will run again');
    this.#open = true;
    this.#schedulePrune();
  }

  /**
   * Stops dispatching, waits up to the stop timeout for running tasks, then aborts the rest and leaves
   * them scheduled in the store, so the next start runs them again.
   */
  async close(): Promise<void> {
    this.#open = false;
    this.#deps.clock.clearTimeout(this.#pruneTimer);
    for (const live of this.#live.values()) this.#disarm(live);
    await this.#drain(
      [...this.#live.values()],
      errors.hostState('stopping', 'run tasks', 'they run again on the next start'),
    );
    this.#runningPlugins.clear();
  }

  /** Defines the handler of `plugin`'s task `name`; its waiting jobs start as soon as the plugin runs. */
  define(plugin: string, name: string, handler: TaskHandler, options: TaskDefinitionOptions = {}): void {
    if (typeof name !== 'string' || name.length === 0)
      throw errors.invalidArgument('A task name', 'a non-empty string', name);
    if (typeof handler !== 'function')
      throw errors.invalidArgument(`The handler of task '${name}'`, 'a function', handler);
    const queue = this.#queue(plugin, name);
    if (queue.definition !== undefined) throw errors.taskDuplicate(plugin, name);
    const concurrency = options.concurrency ?? 1;
    if (!(Number.isInteger(concurrency) && concurrency > 0))
      throw errors.invalidArgument(`The concurrency of task '${name}'`, 'a positive integer', concurrency);
    queue.definition = {
      handler,
      concurrency,
      retries: nonNegativeInteger(`The retries of task '${name}'`, options.retries, 0),
      timeoutMs: positiveNumber(`The timeout of task '${name}'`, options.timeout),
      backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
      payload: options.payload,
    };
    if (this.#runningPlugins.has(plugin)) this.#resume(plugin);
  }

  /** Forgets `plugin`'s handlers (it stopped); its tasks stay, waiting for the next definitions. */
  undefine(plugin: string): void {
    this.#runningPlugins.delete(plugin);
    for (const queue of this.#queues.values()) if (queue.plugin === plugin) queue.definition = undefined;
  }

  /** Called as a plugin starts or stops running: its queues dispatch only while it runs. */
  pluginRunning(plugin: string, running: boolean): void {
    if (!running) {
      this.#runningPlugins.delete(plugin);
      return;
    }
    this.#runningPlugins.add(plugin);
    this.#resume(plugin);
  }

  /** Waits up to the stop timeout for `plugin`'s running tasks, then aborts them; they stay scheduled. */
  drainPlugin(plugin: string, reason: TrellisError): Promise<void> {
    this.#runningPlugins.delete(plugin);
    return this.#drain(
      [...this.#live.values()].filter((live) => live.record.plugin === plugin),
      reason,
    );
  }

  /** Adds a job of `plugin`'s task `name`, due at `runAt` (now when absent). */
  async enqueue(
    plugin: string,
    name: string,
    payload: unknown,
    options: EnqueueOptions = {},
    runAt?: number,
  ): Promise<TaskInfo> {
    this.#assertOpen();
    const definition = this.#definition(plugin, name);
    const key = options.idempotencyKey;
    if (key === undefined) return this.#addJob(plugin, name, definition, payload, options, runAt);
    if (typeof key !== 'string' || key.length === 0)
      throw errors.invalidArgument('An idempotencyKey', 'a non-empty string', key);
    const pendingKey = `${queueKey(plugin, name)}\u0000${key}`;
    const pending = this.#pendingKeys.get(pendingKey);
    if (pending !== undefined) return pending;
    const added = this.#existingByKey(plugin, name, key).then(
      (existing) => existing ?? this.#addJob(plugin, name, definition, payload, options, runAt),
    );
    this.#pendingKeys.set(pendingKey, added);
    try {
      return await added;
    } finally {
      this.#pendingKeys.delete(pendingKey);
    }
  }

  /** Declares (or updates) a recurring schedule of `plugin`'s task `name`. */
  async recur(
    plugin: string,
    name: string,
    recurrence: Omit<RecurrenceSpec, 'missed' | 'timezone'>,
    options: RecurringOptions = {},
  ): Promise<TaskInfo> {
    this.#assertOpen();
    const definition = this.#definition(plugin, name);
    const scheduleName = options.id ?? name;
    if (typeof scheduleName !== 'string' || scheduleName.length === 0)
      throw errors.invalidArgument('A schedule id', 'a non-empty string', scheduleName);
    const missed = options.missed ?? 'skip';
    if (missed !== 'skip' && missed !== 'once' && missed !== 'catch-up')
      throw errors.invalidArgument('The missed option', "'skip', 'once' or 'catch-up'", missed);
    const spec: RecurrenceSpec = {
      ...recurrence,
      missed,
      ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
    };
    const now = this.#deps.clock.now();
    const next = compileRecurrence(spec, now, name);
    const payload = await this.#checkedPayload(name, definition, options.payload);
    const id = `recurring:${plugin}:${scheduleName}`;
    const existing = this.#live.get(id);
    const sameRecurrence =
      existing !== undefined && JSON.stringify(existing.record.recurrence) === JSON.stringify(spec);
    const record: TaskRecord = {
      id,
      kind: 'recurring',
      plugin,
      name,
      status: 'scheduled',
      payload,
      priority: options.priority ?? 0,
      attempts: 0,
      maxAttempts:
        1 + nonNegativeInteger(`The retries of task '${name}'`, options.retries, definition.retries),
      ...(options.timeout === undefined
        ? {}
        : { timeoutMs: positiveNumber(`The timeout of task '${name}'`, options.timeout) }),
      runAt: sameRecurrence ? existing.record.runAt : (next(now) ?? now),
      createdAt: sameRecurrence ? existing.record.createdAt : now,
      recurrence: spec,
      ...(existing?.record.lastRunAt === undefined ? {} : { lastRunAt: existing.record.lastRunAt }),
    };
    const live: LiveTask = existing ?? { record };
    if (existing !== undefined) this.#disarm(existing);
    live.record = record;
    this.#live.set(id, live);
    this.#compile(live);
    await this.#deps.store.saveTask(record);
    if (this.#runningPlugins.has(plugin)) this.#catchUp(live);
    return copy(live.record);
  }

  /** Cancels a job or stops a schedule of `plugin` (any plugin's when undefined). */
  async cancel(id: string, plugin?: string): Promise<TaskInfo> {
    const live = this.#live.get(id);
    if (live === undefined || (plugin !== undefined && live.record.plugin !== plugin)) {
      const finished = await this.get(id, plugin);
      if (finished === undefined) throw errors.taskNotFound(id);
      return finished;
    }
    const reason = errors.taskCancelled(id);
    live.run?.controller.abort(reason);
    this.#queueOf(live.record).ready.remove(id);
    await this.#finish(live, 'cancelled', { error: reason.toJSON() });
    return copy(live.record);
  }

  /** The task with `id` (of `plugin`, when given). */
  async get(id: string, plugin?: string): Promise<TaskInfo | undefined> {
    const live = this.#live.get(id);
    if (live !== undefined)
      return plugin === undefined || live.record.plugin === plugin ? copy(live.record) : undefined;
    const [found] = await this.#deps.store.queryTasks({
      id,
      limit: 1,
      ...(plugin === undefined ? {} : { plugin }),
    });
    return found;
  }

  /** Tasks matching `filter`, newest first (100 at most unless `limit` says otherwise). */
  list(filter: TaskFilter & { readonly plugin?: string } = {}): Promise<TaskInfo[]> {
    const query: TaskQuery = { ...filter, limit: filter.limit ?? 100 };
    return this.#deps.store.queryTasks(query);
  }

  /** Resolves with the task once it finished. */
  async wait(id: string, plugin?: string): Promise<TaskInfo> {
    const live = this.#live.get(id);
    if (live !== undefined && (plugin === undefined || live.record.plugin === plugin)) {
      return new Promise((resolve) => {
        live.waiters ??= [];
        live.waiters.push(resolve);
      });
    }
    const found = await this.get(id, plugin);
    if (found === undefined) throw errors.taskNotFound(id);
    return found;
  }

  /** Unfinished tasks that cannot run: their plugin is not in the host, or it never defined their name. */
  orphans(): OrphanedTask[] {
    const orphans: OrphanedTask[] = [];
    for (const live of this.#live.values()) {
      const { plugin, name } = live.record;
      if (!this.#deps.isRegistered(plugin))
        orphans.push({ task: copy(live.record), reason: 'plugin-missing' });
      else if (
        this.#runningPlugins.has(plugin) &&
        this.#queues.get(queueKey(plugin, name))?.definition === undefined
      )
        orphans.push({ task: copy(live.record), reason: 'task-undefined' });
    }
    return orphans;
  }

  /** The longest run of any of `plugin`'s tasks so far, in ms (for its task budget). */
  longestRunMs(plugin: string): number | undefined {
    return this.#longestRunMs.get(plugin);
  }

  /** The names `plugin` defined. */
  definedNames(plugin: string): string[] {
    return [...this.#queues.values()]
      .filter((queue) => queue.plugin === plugin && queue.definition !== undefined)
      .map((queue) => queue.name);
  }

  async #addJob(
    plugin: string,
    name: string,
    definition: Definition,
    payload: unknown,
    options: EnqueueOptions,
    runAt: number | undefined,
    scheduleId?: string,
  ): Promise<TaskInfo> {
    const now = this.#deps.clock.now();
    const priority = options.priority ?? 0;
    if (!Number.isFinite(priority))
      throw errors.invalidArgument('A task priority', 'a finite number', priority);
    const timeoutMs = positiveNumber(`The timeout of task '${name}'`, options.timeout);
    const record: TaskRecord = {
      id: randomUUID(),
      kind: 'job',
      plugin,
      name,
      status: 'scheduled',
      payload: await this.#checkedPayload(name, definition, payload),
      priority,
      ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
      attempts: 0,
      maxAttempts:
        1 + nonNegativeInteger(`The retries of task '${name}'`, options.retries, definition.retries),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      runAt: runAt ?? now,
      createdAt: now,
      ...(scheduleId === undefined ? {} : { scheduleId }),
    };
    const live: LiveTask = { record };
    await this.#deps.store.saveTask(record);
    this.#live.set(record.id, live);
    const persisted = copy(record);
    this.#armJob(live);
    return persisted;
  }

  async #checkedPayload(name: string, definition: Definition, payload: unknown): Promise<JsonValue> {
    let value = payload === undefined ? null : payload;
    if (definition.payload !== undefined) {
      const outcome = await validateWithSchema(definition.payload, value);
      if (outcome.issues !== undefined) throw errors.validation(`task:${name}`, 'params', outcome.issues);
      value = outcome.value ?? null;
    }
    return this.#json(`The payload of task '${name}'`, value);
  }

  /** `value` as canonical JSON within the size limit, parsed back, so what runs is exactly what was stored. */
  #json(what: string, value: unknown): JsonValue {
    return parseJson(boundedJson(value, what, this.#maxPayloadBytes));
  }

  async #existingByKey(plugin: string, name: string, key: string): Promise<TaskInfo | undefined> {
    for (const live of this.#live.values()) {
      const record = live.record;
      if (record.idempotencyKey === key && record.plugin === plugin && record.name === name)
        return copy(record);
    }
    const [stored] = await this.#deps.store.queryTasks({
      plugin,
      name,
      idempotencyKey: key,
      kind: 'job',
      limit: 1,
    });
    return stored;
  }

  #definition(plugin: string, name: string): Definition {
    const definition = this.#queues.get(queueKey(plugin, name))?.definition;
    if (definition === undefined) throw errors.taskUnknown(plugin, name, this.definedNames(plugin));
    return definition;
  }

  #queue(plugin: string, name: string): Queue {
    const key = queueKey(plugin, name);
    let queue = this.#queues.get(key);
    if (queue === undefined) {
      queue = { plugin, name, definition: undefined, ready: new ReadyQueue(), running: 0 };
      this.#queues.set(key, queue);
    }
    return queue;
  }

  #queueOf(record: TaskRecord): Queue {
    return this.#queue(record.plugin, record.name);
  }

  #assertOpen(): void {
    if (!this.#open) throw errors.hostState('stopped', 'schedule tasks', 'tasks run while the host runs');
  }

  /** Sets a job's timer, or queues it when due. */
  #armJob(live: LiveTask): void {
    const delay = live.record.runAt - this.#deps.clock.now();
    if (delay <= 0) {
      const queue = this.#queueOf(live.record);
      queue.ready.push(live.record);
      this.#pump(queue);
      return;
    }
    this.#arm(live, delay, () => this.#armJob(live));
  }

  #arm(live: LiveTask, delay: number, onDue: () => void): void {
    this.#disarm(live);
    live.timer = this.#deps.clock.setTimeout(
      () => {
        live.timer = undefined;
        if (!this.#open) return;
        if (this.#deps.clock.now() < live.record.runAt)
          this.#arm(live, live.record.runAt - this.#deps.clock.now(), onDue);
        else onDue();
      },
      Math.min(delay, LONGEST_TIMER_MS),
    );
  }

  #disarm(live: LiveTask): void {
    if (live.timer === undefined) return;
    this.#deps.clock.clearTimeout(live.timer);
    live.timer = undefined;
  }

  #compile(live: LiveTask): void {
    const record = live.record;
    if (record.recurrence === undefined) return;
    try {
      live.next = compileRecurrence(record.recurrence, record.createdAt, record.name);
    } catch (error) {
      this.#deps.logger.error(
        { err: error, task: record.id },
        'a stored schedule is no longer valid; it will not run',
      );
      return;
    }
    this.#armSchedule(live);
  }

  #armSchedule(live: LiveTask): void {
    const delay = live.record.runAt - this.#deps.clock.now();
    this.#arm(live, Math.max(delay, 0), () => this.#fire(live));
  }

  /** A schedule's occurrence is due: run it, unless its last run is still going (overlap prevention). */
  #fire(live: LiveTask): void {
    const record = live.record;
    if (!this.#canRun(record)) return;
    const previous = [...this.#live.values()].find((job) => job.record.scheduleId === record.id);
    if (previous !== undefined) {
      this.#deps.logger.warn(
        { plugin: record.plugin, task: record.name, schedule: record.id, running: previous.record.id },
        'skipping a run of a recurring task: its previous run has not finished',
      );
      this.#advance(live, [], this.#deps.clock.now());
      return;
    }
    this.#advance(live, [record.runAt], this.#deps.clock.now());
  }

  /** Runs the schedule's missed occurrences by its policy (it was due while the host or plugin was down). */
  #catchUp(live: LiveTask): void {
    const now = this.#deps.clock.now();
    if (!this.#canRun(live.record) || live.record.runAt > now || live.record.status !== 'scheduled') return;
    const recurrence = live.record.recurrence as RecurrenceSpec;
    const occurrences = missedOccurrences(
      recurrence,
      live.next as NextOccurrence,
      live.record.runAt,
      now,
      this.#maxCatchUp,
    );
    this.#deps.logger.info(
      {
        plugin: live.record.plugin,
        task: live.record.name,
        schedule: live.record.id,
        policy: recurrence.missed,
        running: occurrences.length,
      },
      'a recurring task missed runs while it could not run',
    );
    this.#advance(live, occurrences, now);
  }

  /** Enqueues a job per occurrence, moves the schedule to its next occurrence after `now`, and persists it. */
  #advance(live: LiveTask, occurrences: readonly number[], now: number): void {
    const record = live.record;
    const next = live.next as NextOccurrence;
    const definition = this.#queueOf(record).definition as Definition;
    const lastOccurrence = occurrences.at(-1);
    if (lastOccurrence !== undefined) record.lastRunAt = lastOccurrence;
    const following = next(Math.max(now, record.runAt));
    if (following === undefined) {
      void this.#finish(live, 'completed', {});
    } else {
      record.runAt = following;
      this.#save(record);
      this.#armSchedule(live);
    }
    for (const occurrence of occurrences) {
      const options: EnqueueOptions = {
        priority: record.priority,
        retries: record.maxAttempts - 1,
        ...(record.timeoutMs === undefined ? {} : { timeout: record.timeoutMs }),
      };
      this.#addJob(
        record.plugin,
        record.name,
        definition,
        record.payload,
        options,
        occurrence,
        record.id,
      ).catch((error: unknown) =>
        this.#deps.logger.error(
          { err: error, schedule: record.id },
          'could not enqueue a run of a recurring task',
        ),
      );
    }
  }

  /** A plugin can run again (or defined a task): start its due jobs and make up its schedules' missed runs. */
  #resume(plugin: string): void {
    if (!this.#open) return;
    for (const live of this.#live.values()) {
      if (live.record.plugin === plugin && live.record.kind === 'recurring') this.#catchUp(live);
    }
    for (const queue of this.#queues.values()) if (queue.plugin === plugin) this.#pump(queue);
  }

  /** Whether a schedule's runs can start now: its plugin runs, has defined the task, and the schedule is valid. */
  #canRun(record: TaskRecord): boolean {
    const live = this.#live.get(record.id);
    return (
      live?.next !== undefined &&
      this.#runningPlugins.has(record.plugin) &&
      this.#queueOf(record).definition !== undefined
    );
  }

  #pump(queue: Queue): void {
    const definition = queue.definition;
    if (definition === undefined || !this.#open || !this.#runningPlugins.has(queue.plugin)) return;
    while (queue.running < definition.concurrency) {
      const record = queue.ready.shift();
      if (record === undefined) return;
      const live = this.#live.get(record.id);
      if (live === undefined || live.record.status !== 'scheduled') continue;
      this.#start(queue, definition, live);
    }
  }

  #start(queue: Queue, definition: Definition, live: LiveTask): void {
    const record = live.record;
    const { clock } = this.#deps;
    queue.running++;
    record.status = 'running';
    record.attempts++;
    record.startedAt = clock.now();
    this.#save(record);
    const controller = new AbortController();
    const run = { controller, abandoned: false, settled: Promise.resolve() };
    live.run = run;
    this.#emit('task.started', live);
    const context = this.#context(live, controller.signal);
    const timeoutMs = record.timeoutMs ?? definition.timeoutMs;
    const work = () => definition.handler(record.payload, context);
    const attempt =
      timeoutMs === undefined
        ? new Promise((resolve) => resolve(work()))
        : runWithTimeout(clock, work, timeoutMs, () => {
            const timeout = errors.taskTimeout(record.id, record.name, timeoutMs);
            controller.abort(timeout);
            return timeout;
          });
    run.settled = attempt.then(
      (result) => this.#settle(queue, live, run, definition, { result }),
      (error: unknown) => this.#settle(queue, live, run, definition, { error }),
    );
  }

  #context(live: LiveTask, signal: AbortSignal): TaskContext {
    const record = live.record;
    const makeLogger = () =>
      this.#deps.logger.child({ plugin: record.plugin, task: record.name, taskId: record.id });
    let logger: Logger | undefined;
    return {
      id: record.id,
      name: record.name,
      attempt: record.attempts,
      maxAttempts: record.maxAttempts,
      idempotencyKey: record.idempotencyKey,
      scheduledAt: record.runAt,
      signal,
      get logger() {
        logger ??= makeLogger();
        return logger;
      },
      progress: async (value: unknown) => {
        if (live.run?.controller.signal !== signal || signal.aborted) return;
        record.progress = this.#json(`The progress of task '${record.name}'`, value);
        this.#save(record);
        this.#emit('task.progress', live);
      },
    } satisfies TaskContext;
  }

  async #settle(
    queue: Queue,
    live: LiveTask,
    run: NonNullable<LiveTask['run']>,
    definition: Definition,
    outcome: { readonly result?: unknown; readonly error?: unknown },
  ): Promise<void> {
    if (run.abandoned) return;
    queue.running--;
    live.run = undefined;
    const record = live.record;
    if (record.status !== 'running') {
      this.#pump(queue);
      return;
    }
    const durationMs = this.#deps.clock.now() - (record.startedAt ?? record.runAt);
    this.#longestRunMs.set(record.plugin, Math.max(this.#longestRunMs.get(record.plugin) ?? 0, durationMs));
    if (!('error' in outcome)) {
      try {
        const result = this.#json(
          `The result of task '${record.name}'`,
          outcome.result === undefined ? null : outcome.result,
        );
        await this.#finish(live, 'completed', { result }, durationMs);
      } catch (error) {
        await this.#fail(live, definition, error, durationMs);
      }
    } else await this.#fail(live, definition, outcome.error, durationMs);
    this.#pump(queue);
  }

  async #fail(live: LiveTask, definition: Definition, cause: unknown, durationMs: number): Promise<void> {
    const record = live.record;
    const error = cause instanceof TrellisError ? cause : errors.taskFailed(record.id, record.name, cause);
    if (record.attempts >= record.maxAttempts) {
      await this.#finish(live, 'failed', { error: error.toJSON() }, durationMs);
      return;
    }
    const { initial, max, factor } = definition.backoff;
    const base = Math.min(max, initial * factor ** (record.attempts - 1));
    record.status = 'scheduled';
    record.error = error.toJSON();
    record.runAt = this.#deps.clock.now() + Math.round(base * (1 - 0.2 * this.#deps.random()));
    this.#save(record);
    this.#emit('task.retrying', live, { error: record.error, durationMs, retryAt: record.runAt });
    this.#armJob(live);
  }

  async #finish(
    live: LiveTask,
    status: 'completed' | 'failed' | 'cancelled',
    outcome: Pick<TaskRecord, 'result' | 'error'>,
    durationMs?: number,
  ): Promise<void> {
    const record = live.record;
    this.#disarm(live);
    this.#live.delete(record.id);
    record.status = status;
    record.finishedAt = this.#deps.clock.now();
    if (outcome.result !== undefined) record.result = outcome.result;
    if (outcome.error !== undefined) record.error = outcome.error;
    else if (status === 'completed') delete record.error;
    await this.#saveNow(record);
    if (status === 'completed')
      this.#emit('task.completed', live, {
        result: record.result,
        ...(durationMs === undefined ? {} : { durationMs }),
      });
    else if (status === 'failed')
      this.#emit('task.failed', live, {
        error: record.error,
        ...(durationMs === undefined ? {} : { durationMs }),
      });
    for (const waiter of live.waiters ?? []) waiter(copy(record));
    live.waiters = undefined;
  }

  /** Waits for the running attempts among `tasks` up to the stop timeout, then abandons the rest. */
  async #drain(tasks: readonly LiveTask[], reason: TrellisError): Promise<void> {
    const running = tasks.filter((live) => live.run !== undefined);
    if (running.length === 0) return;
    const { clock } = this.#deps;
    let timer: TimerHandle | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = clock.setTimeout(resolve, this.#stopTimeoutMs);
    });
    await Promise.race([Promise.all(running.map((live) => live.run?.settled)), bound]);
    clock.clearTimeout(timer);
    const saves: Promise<void>[] = [];
    for (const live of running) {
      const run = live.run;
      if (run === undefined) continue;
      run.abandoned = true;
      run.controller.abort(reason);
      live.run = undefined;
      this.#queueOf(live.record).running--;
      const record = live.record;
      record.status = 'scheduled';
      record.attempts--;
      saves.push(this.#saveNow(record));
      this.#queueOf(record).ready.push(record);
    }
    if (saves.length > 0) {
      this.#deps.logger.warn(
        { tasks: saves.length, reason: reason.message },
        'running tasks were aborted; they stay scheduled and run again',
      );
    }
    await Promise.all(saves);
  }

  #save(record: TaskRecord): void {
    this.#saveNow(record).catch(() => undefined);
  }

  async #saveNow(record: TaskRecord): Promise<void> {
    try {
      await this.#deps.store.saveTask(record);
    } catch (error) {
      this.#deps.logger.error(
        { err: error, task: record.id },
        'could not persist a task change; it may run again after a restart',
      );
    }
  }

  #emit(topic: string, live: LiveTask, extra: Partial<TaskEvent> = {}): void {
    const record = live.record;
    const event: TaskEvent = {
      id: record.id,
      plugin: record.plugin,
      name: record.name,
      attempt: record.attempts,
      ...(record.scheduleId === undefined ? {} : { scheduleId: record.scheduleId }),
      ...(topic === 'task.progress' && record.progress !== undefined ? { progress: record.progress } : {}),
      ...extra,
    };
    this.#deps
      .emit(topic, event)
      .catch((error: unknown) =>
        this.#deps.logger.error({ err: error, topic }, 'could not emit a task event'),
      );
  }

  #schedulePrune(): void {
    const { clock, store, logger } = this.#deps;
    this.#pruneTimer = clock.setTimeout(
      () => {
        if (!this.#open) return;
        store
          .pruneTasks(clock.now() - this.#historyMs)
          .catch((error: unknown) => logger.error({ err: error }, 'pruning the task history failed'))
          .finally(() => this.#schedulePrune());
      },
      Math.min(this.#historyMs, HOUR_MS),
    );
  }
}
