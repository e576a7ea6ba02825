import type { Clock } from '../clock/clock.js';
import { errors } from '../errors/errors.js';
import type { TaskRunner } from './task-runner.js';
import type {
  EnqueueOptions,
  PluginTasks,
  RecurringOptions,
  TaskDefinitionOptions,
  TaskFilter,
  TaskHandler,
  TaskInfo,
} from './task-types.js';

/** A plugin's view of the host's {@link TaskRunner}: only its own tasks, under its own name. */
export class ScopedTasks implements PluginTasks {
  readonly #plugin: string;
  readonly #runner: TaskRunner;
  readonly #clock: Clock;
  readonly #assertOpen: () => void;

  /** `assertOpen` throws once the plugin stopped, so a late setup cannot define handlers nobody removes. */
  constructor(plugin: string, runner: TaskRunner, clock: Clock, assertOpen: () => void) {
    this.#plugin = plugin;
    this.#runner = runner;
    this.#clock = clock;
    this.#assertOpen = assertOpen;
  }

  define<Payload, Result>(
    name: string,
    handler: TaskHandler<Payload, Result>,
    options?: TaskDefinitionOptions<Payload>,
  ): void {
    this.#assertOpen();
    this.#runner.define(this.#plugin, name, handler as TaskHandler, options as TaskDefinitionOptions);
  }

  enqueue(name: string, payload?: unknown, options?: EnqueueOptions): Promise<TaskInfo> {
    return this.#runner.enqueue(this.#plugin, name, payload, options);
  }

  async at(
    when: Date | number,
    name: string,
    payload?: unknown,
    options?: EnqueueOptions,
  ): Promise<TaskInfo> {
    const runAt = when instanceof Date ? when.getTime() : when;
    if (typeof runAt !== 'number' || !Number.isFinite(runAt))
      throw errors.scheduleInvalid(name, 'the time must be a valid Date or epoch milliseconds');
    if (runAt < this.#clock.now())
      throw errors.scheduleInvalid(
        name,
        `${new Date(runAt).toISOString()} is in the past; use enqueue() to run now`,
      );
    return this.#runner.enqueue(this.#plugin, name, payload, options, runAt);
  }

  async after(delayMs: number, name: string, payload?: unknown, options?: EnqueueOptions): Promise<TaskInfo> {
    if (!(typeof delayMs === 'number' && delayMs >= 0 && Number.isFinite(delayMs)))
      throw errors.scheduleInvalid(name, 'the delay must be a non-negative number of ms');
    return this.#runner.enqueue(this.#plugin, name, payload, options, this.#clock.now() + delayMs);
  }

  every(intervalMs: number, name: string, options?: RecurringOptions): Promise<TaskInfo> {
    return this.#runner.recur(this.#plugin, name, { every: intervalMs }, options);
  }

  cron(expression: string, name: string, options?: RecurringOptions): Promise<TaskInfo> {
    if (typeof expression !== 'string')
      return Promise.reject(errors.scheduleInvalid(name, 'the cron expression must be a string'));
    return this.#runner.recur(this.#plugin, name, { cron: expression }, options);
  }

  daily(time: string, name: string, options?: RecurringOptions): Promise<TaskInfo> {
    return this.#runner.recur(this.#plugin, name, { daily: time }, options);
  }

  cancel(id: string): Promise<TaskInfo> {
    return this.#runner.cancel(id, this.#plugin);
  }

  get(id: string): Promise<TaskInfo | undefined> {
    return this.#runner.get(id, this.#plugin);
  }

  list(filter: TaskFilter = {}): Promise<TaskInfo[]> {
    return this.#runner.list({ ...filter, plugin: this.#plugin });
  }

  wait(id: string): Promise<TaskInfo> {
    return this.#runner.wait(id, this.#plugin);
  }
}
