import { type Clock, errors } from '@trellis/core';
import { httpErrors } from '../errors/http-errors.js';

/** What a health check reports: `true`/nothing for healthy, `false` for not, or an outcome with details. */
export type HealthCheckResult =
  | boolean
  | undefined
  // biome-ignore lint/suspicious/noConfusingVoidType: a check without a return statement returns void, and passes.
  | void
  | { readonly ok: boolean; readonly details?: Readonly<Record<string, unknown>> };

/** A plugin's health check; throwing (or rejecting) means unhealthy. The signal aborts at its timeout. */
export type HealthCheck = (signal: AbortSignal) => HealthCheckResult | Promise<HealthCheckResult>;

/** Options of one health check. */
export interface HealthCheckOptions {
  /** Time in ms it may take before counting as failed (default: the gateway's `health.checkTimeout`). */
  readonly timeout?: number;
}

/** `ctx.health`: what a plugin uses to take part in `/health/ready`. Checks are removed when it stops. */
export interface PluginHealth {
  /**
   * Adds a check run on every readiness probe; the host is not ready while it fails.
   * @throws TrellisError `E_HEALTH_CHECK_DUPLICATE` when the plugin already has a check of that name.
   */
  check(name: string, check: HealthCheck, options?: HealthCheckOptions): void;
}

/** The outcome of one check in a readiness report. */
export interface CheckReport {
  readonly plugin: string;
  readonly name: string;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly error?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

interface RegisteredCheck {
  readonly plugin: string;
  readonly name: string;
  readonly check: HealthCheck;
  readonly timeout: number | undefined;
}

/** The checks plugins registered, and how they are run: all at once, each under its time limit. */
export class HealthRegistry {
  readonly #checks: RegisteredCheck[] = [];
  readonly #clock: Clock;
  readonly #defaultTimeout: number;

  constructor(clock: Clock, defaultTimeout: number) {
    this.#clock = clock;
    this.#defaultTimeout = defaultTimeout;
  }

  /** Adds `plugin`'s check; see {@link PluginHealth.check}. */
  add(plugin: string, name: string, check: HealthCheck, options: HealthCheckOptions = {}): void {
    if (typeof name !== 'string' || name === '')
      throw errors.invalidArgument('A health check name', 'a non-empty string', name);
    if (typeof check !== 'function')
      throw errors.invalidArgument(`Health check '${name}'`, 'a function', check);
    const timeout = options.timeout;
    if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0))
      throw errors.invalidArgument(
        `The timeout of health check '${name}'`,
        'a number of ms greater than 0',
        timeout,
      );
    if (this.#checks.some((existing) => existing.plugin === plugin && existing.name === name))
      throw httpErrors.healthCheckDuplicate(plugin, name);
    this.#checks.push({ plugin, name, check, timeout });
  }

  /** Removes every check of `plugin` (it stopped). */
  removeChecksOf(plugin: string): void {
    for (let index = this.#checks.length - 1; index >= 0; index -= 1)
      if (this.#checks[index]!.plugin === plugin) this.#checks.splice(index, 1);
  }

  /** Runs every check concurrently; a check past its time limit counts as failed (and its signal aborts). */
  run(): Promise<CheckReport[]> {
    return Promise.all(this.#checks.map((registered) => this.#runOne(registered)));
  }

  async #runOne({
    plugin,
    name,
    check,
    timeout = this.#defaultTimeout,
  }: RegisteredCheck): Promise<CheckReport> {
    const startedAt = performance.now();
    const controller = new AbortController();
    let timer: unknown;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = this.#clock.setTimeout(() => {
        const reason = new Error(`timed out after ${timeout} ms`);
        controller.abort(reason);
        reject(reason);
      }, timeout);
    });
    try {
      const result = await Promise.race([Promise.resolve().then(() => check(controller.signal)), expired]);
      const durationMs = performance.now() - startedAt;
      if (typeof result === 'object' && result !== null)
        return {
          plugin,
          name,
          ok: result.ok === true,
          durationMs,
          ...(result.details ? { details: result.details } : {}),
        };
      return { plugin, name, ok: result !== false, durationMs };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { plugin, name, ok: false, durationMs: performance.now() - startedAt, error: message };
    } finally {
      this.#clock.clearTimeout(timer);
    }
  }
}
