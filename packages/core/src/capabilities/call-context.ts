import { randomBytes } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock/clock.js';
import type { CallRetryOptions } from '../policies/retry.js';

/** Free-form, JSON-friendly facts a caller attaches to a call; nested calls inherit them. */
export type CallMetadata = Readonly<Record<string, unknown>>;

/** The caller of a call made by the host itself rather than by a plugin. */
export const HOST_CALLER = 'host';

/** Per-call changes to a capability's policies, carried from the call options to the pipeline. */
export interface PolicyOverrides {
  /** `false` turns retries off for this call; an object adjusts them (`force` retries a non-idempotent capability). */
  readonly retry?: false | CallRetryOptions;
  /** `false` bypasses the cache for this call: no lookup, nothing stored. */
  readonly cache?: false;
}

// Request ids only need to be unique per process and cheap: a random prefix plus a counter costs a
// fraction of a UUID on every call.
const requestIdPrefix = randomBytes(4).toString('hex');
let requestSequence = 0;

/**
 * Everything a capability handler and its middleware know about one call: who called, which request it
 * belongs to, when it must be done by, how to notice it was abandoned, and the caller's metadata.
 *
 * Values that cost something to create (the request id, the AbortSignal) are made on first use, because
 * most calls never read them and the call path has a budget of a few hundred nanoseconds.
 */
export class CallContext {
  /** The capability being called. */
  readonly capability: string;
  /** The plugin that made the call, or `'host'`. */
  readonly caller: string;
  /**
   * Absolute deadline of this attempt (ms since the epoch): the tightest of the caller's, every enclosing
   * call's and the capability's own per-attempt timeout.
   */
  readonly deadline: number | undefined;
  /** The time this attempt was given when it started, in ms (`deadline` minus the start), if it has a deadline. */
  readonly timeoutMs: number | undefined;
  /** Metadata from the caller, inherited from enclosing calls. */
  readonly metadata: CallMetadata;
  /** The call's params; middleware may replace them before calling `next()`. */
  params: unknown;
  /** Per-call policy changes (set by the router from the call options). @internal */
  overrides: PolicyOverrides | undefined;

  #depth: number;
  #attempt = 1;
  #requestId: string | undefined;
  #principal: Principal | undefined;
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #aborted = false;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #callerDeadline: number | undefined;
  readonly #clock: Clock;

  /**
   * Made by the host for every call; plugins receive it, they never construct it. Positional arguments
   * rather than an options object: one context is made per call, and an extra object per call is
   * measurable on the hot path.
   *
   * @param callerDeadline - the deadline of the whole call (caller's timeout, enclosing calls), which
   *   bounds every retry attempt; `deadline` is this attempt's, possibly tighter.
   * @param parent - the call this one is made from; the new call inherits its request id, metadata and
   *   signal.
   * @internal
   */
  constructor(
    capability: string,
    params: unknown,
    caller: string,
    clock: Clock,
    callerDeadline: number | undefined,
    deadline: number | undefined,
    timeoutMs: number | undefined,
    parent?: CallContext,
    signal?: AbortSignal,
    metadata?: CallMetadata,
  ) {
    this.capability = capability;
    this.params = params;
    this.caller = caller;
    this.#clock = clock;
    this.#callerDeadline = callerDeadline;
    this.deadline = deadline;
    this.timeoutMs = timeoutMs;
    if (parent === undefined) {
      this.metadata = metadata ?? EMPTY_METADATA;
      this.#depth = 0;
      this.#callerSignal = signal;
    } else {
      this.metadata = metadata === undefined ? parent.metadata : { ...parent.metadata, ...metadata };
      this.#depth = parent.depth + 1;
      this.#requestId = parent.requestId;
      this.#principal = parent.principal;
      this.#callerSignal = signal ?? parent.signal;
    }
  }

  /** How many calls enclose this one (0 for a call made from outside any handler). */
  get depth(): number {
    return this.#depth;
  }

  /** Which attempt this is (1 for the first; retries count up). */
  get attempt(): number {
    return this.#attempt;
  }

  /** Identifies the request this call belongs to; nested calls and retries share their parent's id. */
  get requestId(): string {
    if (this.#requestId === undefined) {
      requestSequence += 1;
      this.#requestId = `${requestIdPrefix}-${requestSequence.toString(36)}`;
    }
    return this.#requestId;
  }

  /** Who the request acts for, when it came through an authenticated surface; nested calls inherit it. */
  get principal(): Principal | undefined {
    return this.#principal;
  }

  /**
   * Sets who the call acts for and the request id it belongs to (a surface passes both in `CallOptions`).
   * @internal
   */
  assignIdentity(principal: Principal | undefined, requestId: string | undefined): void {
    if (principal !== undefined) this.#principal = principal;
    if (requestId !== undefined) this.#requestId = requestId;
  }

  /** Aborted when the call times out or its caller gives up; pass it to fetch, streams and timers. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      const callerSignal = this.#callerSignal;
      if (this.#aborted) controller.abort(this.#abortReason);
      else if (callerSignal?.aborted) controller.abort(callerSignal.reason);
      else
        callerSignal?.addEventListener('abort', () => controller.abort(callerSignal.reason), { once: true });
    }
    return this.#controller.signal;
  }

  /** The signal the caller passed (or inherited), which the pipeline watches to abandon the call. */
  get callerSignal(): AbortSignal | undefined {
    return this.#callerSignal;
  }

  /** The deadline of the whole call, across retries. */
  get callerDeadline(): number | undefined {
    return this.#callerDeadline;
  }

  /** Milliseconds left before the deadline (negative once it passed), or `undefined` without one. */
  remainingMs(): number | undefined {
    return this.deadline === undefined ? undefined : this.deadline - this.#clock.now();
  }

  /** Aborts the handler's signal (now, or when it is first read); used by the pipeline on timeout. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  /**
   * The context of the next attempt of this call: same request, caller, params and metadata, a fresh
   * signal (the previous attempt's may have been aborted) and its own deadline. @internal
   */
  nextAttempt(deadline: number | undefined): CallContext {
    const next = new CallContext(
      this.capability,
      this.params,
      this.caller,
      this.#clock,
      this.#callerDeadline,
      deadline,
      deadline === undefined ? undefined : deadline - this.#clock.now(),
      undefined,
      this.#callerSignal,
      this.metadata,
    );
    next.#requestId = this.requestId;
    next.#principal = this.#principal;
    next.#depth = this.#depth;
    next.#attempt = this.#attempt + 1;
    next.overrides = this.overrides;
    return next;
  }
}

const EMPTY_METADATA: CallMetadata = Object.freeze({});
