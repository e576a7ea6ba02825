import type { Clock } from '../clock/clock.js';
import { errors } from '../errors/errors.js';

/** Every state a circuit can be in; metrics export one series per state. */
export const CIRCUIT_STATES = ['closed', 'half-open', 'open'] as const;

/** Where a circuit breaker stands: letting calls through, refusing them, or letting a few probes test the water. */
export type CircuitState = (typeof CIRCUIT_STATES)[number];

/** How a {@link CircuitBreaker} decides to open, and how it recovers. */
export interface CircuitBreakerOptions {
  /**
   * `consecutive` opens after `threshold` failures in a row; `sampling` opens when the failure ratio over
   * the last `windowMs` reaches `failureRate` (default `consecutive`).
   */
  readonly mode?: 'consecutive' | 'sampling';
  /** Consecutive mode: failures in a row that open the circuit (integer, default 5). */
  readonly threshold?: number;
  /** Sampling mode: failure ratio in the window that opens the circuit, 0 < rate <= 1 (default 0.5). */
  readonly failureRate?: number;
  /** Sampling mode: length of the sliding window in ms (default 10 000). */
  readonly windowMs?: number;
  /** Sampling mode: calls the window must hold before the circuit may open (integer, default 10). */
  readonly minimumCalls?: number;
  /** How long the circuit stays open before letting probes through, in ms (default 10 000). */
  readonly openMs?: number;
  /** Probe calls allowed at the same time while half-open (integer, default 1). */
  readonly halfOpenProbes?: number;
  /** Successful probes in a row that close the circuit again (integer, default 1). */
  readonly successThreshold?: number;
}

/** Called after every real change of state (never for a no-op), with the state left and the state entered. */
export type CircuitStateListener = (from: CircuitState, to: CircuitState) => void;

/**
 * The sliding window is this many buckets; the oldest is dropped whole, so the window covers between
 * nine and ten tenths of `windowMs`. Ten keeps that error small while rotation stays a few array writes.
 */
const BUCKET_COUNT = 10;

/**
 * A circuit breaker for one capability. The pipeline calls {@link CircuitBreaker.acquire} before each
 * attempt and exactly one of {@link CircuitBreaker.recordSuccess}, {@link CircuitBreaker.recordFailure}
 * or {@link CircuitBreaker.recordIgnored} after an admitted attempt ends.
 *
 * Nothing here allocates or starts a timer: open → half-open happens lazily when `state` is read or
 * `acquire` is called after `openMs`, and the sampling window is rotated from `clock.now()` on each record.
 *
 * Attempts admitted under an earlier state can finish after the state moved on (a call admitted while
 * closed that ends while the circuit is open or half-open). `acquire` returns a ticket; handing it back to
 * the record methods lets the breaker drop such late outcomes exactly. Without a ticket the breaker still
 * ignores every outcome while open and never counts more probe outcomes than probes it admitted.
 */
export class CircuitBreaker {
  readonly #capability: string;
  readonly #clock: Clock;
  readonly #onStateChange: CircuitStateListener | undefined;
  readonly #sampling: boolean;
  readonly #threshold: number;
  readonly #failureRate: number;
  readonly #minimumCalls: number;
  readonly #openMs: number;
  readonly #halfOpenProbes: number;
  readonly #successThreshold: number;
  readonly #bucketMs: number;

  #state: CircuitState = 'closed';
  /** Bumped on every transition, so a ticket from an earlier state no longer matches. */
  #generation = 0;
  #openUntil = 0;
  #consecutiveFailures = 0;
  #probesInFlight = 0;
  #probeSuccesses = 0;

  // Sampling window: per-bucket counts in a ring, plus running totals so a decision is O(1).
  readonly #bucketCalls: Float64Array;
  readonly #bucketFailures: Float64Array;
  #bucketIndex = 0;
  #bucketEpoch = 0;
  #windowCalls = 0;
  #windowFailures = 0;

  /**
   * @param capability - named in the `E_CIRCUIT_OPEN` errors this breaker throws.
   * @param options - validated here; a bad value throws `E_INVALID_ARGUMENT`.
   * @param clock - the only source of time.
   * @param onStateChange - told about each transition after it happened; it must not throw, since it runs
   *   inside `acquire` and the record methods.
   */
  constructor(
    capability: string,
    options: CircuitBreakerOptions,
    clock: Clock,
    onStateChange?: CircuitStateListener,
  ) {
    const mode = options.mode ?? 'consecutive';
    if (mode !== 'consecutive' && mode !== 'sampling') {
      throw errors.invalidArgument('circuitBreaker.mode', "'consecutive' or 'sampling'", mode);
    }
    this.#capability = capability;
    this.#clock = clock;
    this.#onStateChange = onStateChange;
    this.#sampling = mode === 'sampling';
    this.#threshold = positiveInteger('circuitBreaker.threshold', options.threshold, 5);
    this.#failureRate = options.failureRate ?? 0.5;
    if (typeof this.#failureRate !== 'number' || !(this.#failureRate > 0 && this.#failureRate <= 1)) {
      throw errors.invalidArgument(
        'circuitBreaker.failureRate',
        'a number greater than 0 and at most 1',
        options.failureRate,
      );
    }
    const windowMs = positiveNumber('circuitBreaker.windowMs', options.windowMs, 10_000);
    this.#minimumCalls = positiveInteger('circuitBreaker.minimumCalls', options.minimumCalls, 10);
    this.#openMs = positiveNumber('circuitBreaker.openMs', options.openMs, 10_000);
    this.#halfOpenProbes = positiveInteger('circuitBreaker.halfOpenProbes', options.halfOpenProbes, 1);
    this.#successThreshold = positiveInteger('circuitBreaker.successThreshold', options.successThreshold, 1);
    this.#bucketMs = windowMs / BUCKET_COUNT;
    const bucketSlots = this.#sampling ? BUCKET_COUNT : 0;
    this.#bucketCalls = new Float64Array(bucketSlots);
    this.#bucketFailures = new Float64Array(bucketSlots);
    if (this.#sampling) this.#bucketEpoch = Math.floor(clock.now() / this.#bucketMs);
  }

  /** The current state; reading it moves an open circuit to half-open once `openMs` has passed. */
  get state(): CircuitState {
    if (this.#state === 'open' && this.#clock.now() >= this.#openUntil) this.#transition('half-open');
    return this.#state;
  }

  /**
   * Admits one attempt or throws `E_CIRCUIT_OPEN`. While open, `retryAfterMs` is the time left before
   * probes are let through; while half-open with every probe slot taken, it is 0 (a slot frees as soon as
   * a probe ends). An admitted attempt must be followed by exactly one record call.
   *
   * @returns a ticket to pass to the record call, so that an outcome arriving after the state changed is
   *   recognised as late. Ignoring it is allowed; see the class description.
   */
  acquire(): number {
    if (this.#state === 'closed') return this.#generation;
    if (this.#state === 'open') {
      const remainingMs = this.#openUntil - this.#clock.now();
      if (remainingMs > 0) throw errors.circuitOpen(this.#capability, Math.ceil(remainingMs));
      this.#transition('half-open');
    }
    if (this.#probesInFlight >= this.#halfOpenProbes) throw errors.circuitOpen(this.#capability, 0);
    this.#probesInFlight += 1;
    return this.#generation;
  }

  /** Books an admitted attempt that succeeded. */
  recordSuccess(ticket?: number): void {
    if (ticket !== undefined && ticket !== this.#generation) return;
    if (this.#state === 'closed') {
      if (this.#sampling) this.#sample(0);
      else this.#consecutiveFailures = 0;
    } else if (this.#state === 'half-open' && this.#probesInFlight > 0) {
      this.#probesInFlight -= 1;
      this.#probeSuccesses += 1;
      if (this.#probeSuccesses >= this.#successThreshold) this.#transition('closed');
    }
  }

  /** Books an admitted attempt that failed in a way that says the capability is unhealthy. */
  recordFailure(ticket?: number): void {
    if (ticket !== undefined && ticket !== this.#generation) return;
    if (this.#state === 'closed') {
      if (this.#sampling) this.#sample(1);
      else {
        this.#consecutiveFailures += 1;
        if (this.#consecutiveFailures >= this.#threshold) this.#open();
      }
    } else if (this.#state === 'half-open' && this.#probesInFlight > 0) {
      this.#open();
    }
  }

  /**
   * Books an admitted attempt whose failure says nothing about the capability's health (bad params, a
   * caller abort): frees its probe slot when half-open and changes nothing else.
   */
  recordIgnored(ticket?: number): void {
    if (ticket !== undefined && ticket !== this.#generation) return;
    if (this.#state === 'half-open' && this.#probesInFlight > 0) this.#probesInFlight -= 1;
  }

  /** Adds one outcome (1 for a failure) to the window and opens the circuit if the window says so. */
  #sample(failure: 0 | 1): void {
    this.#rotate(this.#clock.now());
    const index = this.#bucketIndex;
    this.#bucketCalls[index]! += 1;
    this.#bucketFailures[index]! += failure;
    this.#windowCalls += 1;
    this.#windowFailures += failure;
    // A success can open the circuit too: it may be the call that brings the window up to minimumCalls.
    if (
      this.#windowCalls >= this.#minimumCalls &&
      this.#windowFailures >= this.#failureRate * this.#windowCalls
    ) {
      this.#open();
    }
  }

  /** Drops the buckets that fell out of the window since the last record. */
  #rotate(now: number): void {
    const epoch = Math.floor(now / this.#bucketMs);
    let steps = epoch - this.#bucketEpoch;
    // A clock stepping backwards keeps writing into the current bucket rather than rewinding the ring.
    if (steps <= 0) return;
    this.#bucketEpoch = epoch;
    if (steps >= BUCKET_COUNT) {
      this.#clearWindow();
      return;
    }
    let index = this.#bucketIndex;
    while (steps > 0) {
      index = index === BUCKET_COUNT - 1 ? 0 : index + 1;
      this.#windowCalls -= this.#bucketCalls[index]!;
      this.#windowFailures -= this.#bucketFailures[index]!;
      this.#bucketCalls[index] = 0;
      this.#bucketFailures[index] = 0;
      steps -= 1;
    }
    this.#bucketIndex = index;
  }

  #clearWindow(): void {
    this.#bucketCalls.fill(0);
    this.#bucketFailures.fill(0);
    this.#windowCalls = 0;
    this.#windowFailures = 0;
  }

  #open(): void {
    this.#openUntil = this.#clock.now() + this.#openMs;
    this.#transition('open');
  }

  /** Every caller changes the state to a different one, so each call here is a real transition. */
  #transition(to: CircuitState): void {
    const from = this.#state;
    this.#state = to;
    this.#generation += 1;
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
    if (to === 'closed') {
      // Closing starts from a clean slate: the failures that opened the circuit are history.
      this.#consecutiveFailures = 0;
      if (this.#sampling) {
        this.#clearWindow();
        this.#bucketEpoch = Math.floor(this.#clock.now() / this.#bucketMs);
      }
    }
    this.#onStateChange?.(from, to);
  }
}

function positiveNumber(what: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw errors.invalidArgument(what, 'a finite number greater than 0', value);
  }
  return value;
}

function positiveInteger(what: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw errors.invalidArgument(what, 'an integer greater than 0', value);
  }
  return value;
}
