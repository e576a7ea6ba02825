import type { Clock } from '../clock/clock.js';
import { errors } from '../errors/errors.js';
import { boundedJson, canonicalJson, parseJson } from './canonical-json.js';
import type { JsonValue, StateStore } from './store.js';

/** Longest state key accepted, in characters. */
export const MAX_STATE_KEY_LENGTH = 512;

/** Options for writing a state key. */
export interface StateSetOptions {
  /** Ms until the key expires (then reads as absent); absent: it never expires. */
  readonly ttl?: number;
}

/** Options for listing state keys. */
export interface StateListOptions {
  /** Only keys after this one (for paging: pass the last key of the previous page). */
  readonly after?: string;
  /** At most this many entries. */
  readonly limit?: number;
}

/**
 * A plugin's persistent key-value state (`ctx.state`), in its own namespace: a plugin can neither read
 * nor change another plugin's keys. Values are JSON (checked on write, with the offending path named) no
 * larger than the host's `maxStateValueBytes`; keys are non-empty strings of at most 512 characters.
 */
export interface PluginStateStore {
  /** The value under `key`, or `undefined` when absent or expired. */
  get<Value = JsonValue>(key: string): Promise<Value | undefined>;
  /** Stores `value` under `key`, replacing what was there. */
  set(key: string, value: unknown, options?: StateSetOptions): Promise<void>;
  /** Removes `key`; resolves whether it was there. */
  delete(key: string): Promise<boolean>;
  /** Entries whose key starts with `prefix` (all when empty), in key order. */
  list<Value = JsonValue>(
    prefix?: string,
    options?: StateListOptions,
  ): Promise<Array<{ readonly key: string; readonly value: Value }>>;
  /**
   * Atomically replaces the value under `key` with `next` only if it currently deep-equals `expected`
   * (`undefined`: only if the key is absent). Resolves whether it did; on `false` nothing changed, so
   * read again and retry.
   */
  compareAndSet(key: string, expected: unknown, next: unknown, options?: StateSetOptions): Promise<boolean>;
}

/** The {@link PluginStateStore} of one plugin over the host's store. */
export class NamespacedState implements PluginStateStore {
  readonly #namespace: string;
  readonly #store: StateStore;
  readonly #clock: Clock;
  readonly #maxValueBytes: number;

  constructor(namespace: string, store: StateStore, clock: Clock, maxValueBytes: number) {
    this.#namespace = namespace;
    this.#store = store;
    this.#clock = clock;
    this.#maxValueBytes = maxValueBytes;
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    this.#checkKey(key);
    const entry = await this.#store.read(this.#namespace, key, this.#clock.now());
    return entry === undefined ? undefined : parseJson<Value>(entry.json);
  }

  async set(key: string, value: unknown, options: StateSetOptions = {}): Promise<void> {
    this.#checkKey(key);
    const json = this.#encode(key, value);
    await this.#store.write(this.#namespace, key, json, this.#clock.now(), this.#expiry(options));
  }

  async delete(key: string): Promise<boolean> {
    this.#checkKey(key);
    return this.#store.remove(this.#namespace, key, this.#clock.now());
  }

  async list<Value>(
    prefix = '',
    options: StateListOptions = {},
  ): Promise<Array<{ readonly key: string; readonly value: Value }>> {
    if (typeof prefix !== 'string') throw errors.invalidArgument('A state prefix', 'a string', prefix);
    if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit > 0))
      throw errors.invalidArgument('The list limit', 'a positive integer', options.limit);
    const entries = await this.#store.list(this.#namespace, prefix, this.#clock.now(), options);
    return entries.map((entry) => ({ key: entry.key, value: parseJson<Value>(entry.json) }));
  }

  async compareAndSet(
    key: string,
    expected: unknown,
    next: unknown,
    options: StateSetOptions = {},
  ): Promise<boolean> {
    this.#checkKey(key);
    const ifJson = expected === undefined ? null : canonicalJson(expected, `The expected value of '${key}'`);
    const json = this.#encode(key, next);
    return this.#store.write(this.#namespace, key, json, this.#clock.now(), {
      ...this.#expiry(options),
      ifJson,
    });
  }

  #expiry(options: StateSetOptions): { expiresAt?: number } {
    const ttl = options.ttl;
    if (ttl === undefined) return {};
    if (!(typeof ttl === 'number' && ttl > 0 && Number.isFinite(ttl)))
      throw errors.invalidArgument('A state ttl', 'a positive number of ms', ttl);
    return { expiresAt: this.#clock.now() + ttl };
  }

  #encode(key: string, value: unknown): string {
    return boundedJson(value, `The value of state key '${key}'`, this.#maxValueBytes);
  }

  #checkKey(key: string): void {
    if (!(typeof key === 'string' && key.length > 0 && key.length <= MAX_STATE_KEY_LENGTH)) {
      throw errors.invalidArgument(
        'A state key',
        `a non-empty string of at most ${MAX_STATE_KEY_LENGTH} characters`,
        key,
      );
    }
  }
}
