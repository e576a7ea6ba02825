import { AsyncLocalStorage } from 'node:async_hooks';
import { promisify } from 'node:util';

/** A global timer made by attributed code and not yet cleared or run. */
export interface TrackedTimer {
  readonly kind: 'setTimeout' | 'setInterval' | 'setImmediate';
  /** The delay asked for (timeouts and intervals). */
  readonly delayMs: number | undefined;
  /** The first stack frame outside the kit: where the plugin made the timer. */
  readonly location: string;
  /** The Node handle. */
  readonly handle: object;
}

interface TimerRecord extends TrackedTimer {
  readonly key: string;
}

type TimerFunction = (callback: (...args: unknown[]) => void, ...rest: unknown[]) => unknown;
type ClearFunction = (handle: unknown) => void;

const TIMER_KINDS = ['setTimeout', 'setInterval', 'setImmediate'] as const;
const CLEARERS = ['clearTimeout', 'clearInterval', 'clearImmediate'] as const;

/** Stack frames of the tracker itself and of Node, skipped when locating who made a timer. */
const OWN_FRAME = /timer-tracker\.|node:internal|plugin-observer\.|node:async_hooks/;

function locationOf(stack: string | undefined): string {
  const frames = (stack ?? '').split('\n').slice(1);
  const frame = frames.find((line) => !OWN_FRAME.test(line)) ?? frames[0] ?? '';
  return frame.trim().replace(/^at /, '');
}

function isAlive(handle: object): boolean {
  // Node marks a Timeout or Immediate destroyed once it ran (non-repeating), or was cleared in any way
  // (clearTimeout, timeout.close()); only the tracker's own bookkeeping is left when the field is missing.
  return (handle as { _destroyed?: unknown })._destroyed !== true;
}

/**
 * Watches the global timer functions while installed, remembering the timers made by code that runs
 * under an attribution key (a plugin's code, run by its observer). Timers made by anything else (the host,
 * the test runner, other plugins) are not recorded, so only the plugin is blamed for what it leaves
 * behind. Installs are counted: concurrent suites share one patch of the globals.
 */
class TimerTracker {
  readonly #storage = new AsyncLocalStorage<string>();
  readonly #timers = new Map<object, TimerRecord>();
  #installs = 0;
  #restore: (() => void) | undefined;

  /** Runs `work` attributed to `key`; timers it (and what it starts) makes are recorded under it. */
  attribute<T>(key: string, work: () => T): T {
    return this.#storage.run(key, work);
  }

  install(): void {
    this.#installs += 1;
    if (this.#installs > 1) return;
    const globals = globalThis as unknown as Record<string, unknown> & typeof globalThis;
    const originals = new Map<string, unknown>();
    for (const kind of TIMER_KINDS) {
      const original = globals[kind] as unknown as TimerFunction;
      originals.set(kind, original);
      globals[kind] = this.#tracking(kind, original) as never;
    }
    for (const clear of CLEARERS) {
      const original = globals[clear] as unknown as ClearFunction;
      originals.set(clear, original);
      globals[clear] = ((handle: unknown) => {
        this.#forget(handle);
        original(handle);
      }) as never;
    }
    this.#restore = () => {
      for (const [name, original] of originals) globals[name] = original as never;
    };
  }

  uninstall(): void {
    this.#installs = Math.max(0, this.#installs - 1);
    if (this.#installs > 0) return;
    this.#restore?.();
    this.#restore = undefined;
  }

  /** The timers made under `key` that are still pending. */
  pending(key: string): TrackedTimer[] {
    const pending: TrackedTimer[] = [];
    for (const [handle, record] of this.#timers) {
      if (!isAlive(handle)) this.#timers.delete(handle);
      else if (record.key === key) pending.push(record);
    }
    return pending;
  }

  /** Clears `timers` (after they were reported, so a leaking plugin does not keep the process busy). */
  clear(timers: readonly TrackedTimer[]): void {
    for (const timer of timers) {
      this.#timers.delete(timer.handle);
      if (timer.kind === 'setImmediate') clearImmediate(timer.handle as NodeJS.Immediate);
      else clearTimeout(timer.handle as NodeJS.Timeout);
    }
  }

  /** Forgets everything recorded under `key`. */
  forget(key: string): void {
    for (const [handle, record] of this.#timers) if (record.key === key) this.#timers.delete(handle);
  }

  #tracking(kind: TrackedTimer['kind'], original: TimerFunction): TimerFunction {
    const tracker = this;
    const wrapper = function (this: unknown, callback: (...args: unknown[]) => void, ...rest: unknown[]) {
      const handle = original.call(this, callback, ...rest);
      const key = tracker.#storage.getStore();
      if (key !== undefined && typeof handle === 'object' && handle !== null) {
        tracker.#timers.set(handle, {
          key,
          kind,
          delayMs: kind === 'setImmediate' ? undefined : Number(rest[0] ?? 0),
          location: locationOf(new Error().stack),
          handle,
        });
      }
      return handle;
    };
    const custom = (original as unknown as { [promisify.custom]?: unknown })[promisify.custom];
    if (custom !== undefined) Object.defineProperty(wrapper, promisify.custom, { value: custom });
    return wrapper;
  }

  #forget(handle: unknown): void {
    if (typeof handle === 'object' && handle !== null) {
      this.#timers.delete(handle);
      return;
    }
    // A timer may be cleared by its numeric id (`+timeout`); match it among the recorded ones.
    for (const recorded of this.#timers.keys()) {
      const primitive = (recorded as { [Symbol.toPrimitive]?: () => unknown })[Symbol.toPrimitive];
      if (typeof primitive === 'function' && primitive.call(recorded) === Number(handle)) {
        this.#timers.delete(recorded);
        return;
      }
    }
  }
}

/** The process's one tracker (the globals it patches are the process's). */
export const timerTracker = new TimerTracker();
