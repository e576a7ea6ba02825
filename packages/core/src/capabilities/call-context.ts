import { randomBytes } from 'node:crypto';

/** Free-form, JSON-friendly facts a caller attaches to a call; nested calls inherit them. */
export type CallMetadata = Readonly<Record<string, unknown>>;

/** The caller of a call made by the host itself rather than by a plugin. */
export const HOST_CALLER = 'host';

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
  /** Absolute deadline (ms since the epoch), the tightest of the caller's and every enclosing call's. */
  readonly deadline: number | undefined;
  /** Metadata from the caller, inherited from enclosing calls. */
  readonly metadata: CallMetadata;
  /** How many calls enclose this one (0 for a call made from outside any handler). */
  readonly depth: number;
  /** The call's params; middleware may replace them before calling `next()`. */
  params: unknown;

  #requestId: string | undefined;
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #aborted = false;
  readonly #callerSignal: AbortSignal | undefined;

  /**
   * Positional arguments rather than an options object: one call context is made per call, and an extra
   * object per call is measurable on the hot path.
   *
   * @param parent - the call this one is made from; the new call inherits its request id, metadata
   *   and signal (the deadline is computed by the caller, already the tightest).
   */
  constructor(
    capability: string,
    params: unknown,
    caller: string,
    deadline: number | undefined,
    parent?: CallContext,
    signal?: AbortSignal,
    metadata?: CallMetadata,
  ) {
    this.capability = capability;
    this.params = params;
    this.caller = caller;
    this.deadline = deadline;
    if (parent === undefined) {
      this.metadata = metadata ?? EMPTY_METADATA;
      this.depth = 0;
      this.#callerSignal = signal;
    } else {
      this.metadata = metadata === undefined ? parent.metadata : { ...parent.metadata, ...metadata };
      this.depth = parent.depth + 1;
      this.#requestId = parent.requestId;
      this.#callerSignal = signal ?? parent.signal;
    }
  }

  /** Identifies the request this call belongs to; nested calls share their parent's id. */
  get requestId(): string {
    if (this.#requestId === undefined) {
      requestSequence += 1;
      this.#requestId = `${requestIdPrefix}-${requestSequence.toString(36)}`;
    }
    return this.#requestId;
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

  /** Milliseconds left before the deadline (negative once it passed), or `undefined` without one. */
  remainingMs(): number | undefined {
    return this.deadline === undefined ? undefined : this.deadline - Date.now();
  }

  /** Aborts the handler's signal (now, or when it is first read); used by the pipeline on timeout. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }
}

const EMPTY_METADATA: CallMetadata = Object.freeze({});
