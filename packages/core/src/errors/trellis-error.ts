/**
 * The stable error codes of the Trellis kernel. Codes never change meaning once published; plugins may
 * define their own codes (any `E_` + upper-case string), which is why {@link TrellisErrorCode} stays open.
 */
export const ERROR_CODES = [
  'E_INVALID_ARGUMENT',
  'E_MANIFEST_INVALID',
  'E_PLUGIN_DUPLICATE',
  'E_PLUGIN_NOT_FOUND',
  'E_PLUGIN_STATE',
  'E_PLUGIN_DISABLED',
  'E_PLUGIN_FAILED',
  'E_HOST_API_INCOMPATIBLE',
  'E_HOST_STATE',
  'E_DEPENDENCY_CYCLE',
  'E_DEPENDENCY_MISSING',
  'E_DEPENDENCY_VERSION',
  'E_DEPENDENCY_FAILED',
  'E_DEPENDENCY_UNDECLARED',
  'E_CONFIG_INVALID',
  'E_SETUP_FAILED',
  'E_SETUP_TIMEOUT',
  'E_TEARDOWN_FAILED',
  'E_TEARDOWN_TIMEOUT',
  'E_RELOAD_FAILED',
  'E_CAPABILITY_NOT_FOUND',
  'E_CAPABILITY_DUPLICATE',
  'E_CAPABILITY_FAILED',
  'E_CALL_DEPTH',
  'E_PERMISSION_DENIED',
  'E_VALIDATION',
  'E_TIMEOUT',
  'E_ABORTED',
  'E_CIRCUIT_OPEN',
  'E_BULKHEAD_FULL',
  'E_RATE_LIMITED',
  'E_POOL_TIMEOUT',
  'E_BATCH_MISMATCH',
  'E_TOPIC_INVALID',
  'E_SUBSCRIBER_FAILED',
  'E_SIGNATURE_INVALID',
  'E_VALUE_NOT_JSON',
  'E_VALUE_TOO_LARGE',
  'E_STORE_FAILED',
  'E_TASK_UNKNOWN',
  'E_TASK_DUPLICATE',
  'E_TASK_NOT_FOUND',
  'E_TASK_CANCELLED',
  'E_TASK_FAILED',
  'E_SCHEDULE_INVALID',
  'E_SURFACE_START_FAILED',
  'E_SURFACE_STOP_FAILED',
] as const;

/** A code from {@link ERROR_CODES}, or a plugin's own `E_*` code. */
export type TrellisErrorCode = (typeof ERROR_CODES)[number] | (string & {});

/** Structured, JSON-serialisable facts about a failure (plugin names, paths, limits, issues...). */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/** The wire form of a {@link TrellisError}: what crosses process and network boundaries. No stack. */
export interface SerializedTrellisError {
  readonly name: 'TrellisError';
  readonly code: TrellisErrorCode;
  readonly message: string;
  readonly details: ErrorDetails;
  /** Present (true) when trying again later may succeed. */
  readonly retryable?: true;
  readonly cause?: SerializedTrellisError;
}

/** Options accepted by the {@link TrellisError} constructor. */
export interface TrellisErrorOptions {
  /** Structured facts about the failure; must be JSON-serialisable to cross boundaries. */
  readonly details?: ErrorDetails;
  /** The underlying failure, kept for logs and local debugging. */
  readonly cause?: unknown;
  /** True when the failure is transient, so the same call may succeed if tried again (default false). */
  readonly retryable?: boolean;
}

const CODE_PATTERN = /^E_[A-Z0-9_]+$/;

/**
 * Every failure a user of Trellis can cause or meet. `code` is stable and meant for programs; `message`
 * is meant for people and says what happened and what to do; `details` carries the structured facts.
 */
export class TrellisError extends Error {
  /** Stable, machine-readable code such as `E_DEPENDENCY_CYCLE`. */
  readonly code: TrellisErrorCode;
  /** Structured facts about the failure. */
  readonly details: ErrorDetails;
  /** True when the failure is transient (a timeout, an overloaded or unreachable dependency). */
  readonly retryable: boolean;

  constructor(code: TrellisErrorCode, message: string, options: TrellisErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (!CODE_PATTERN.test(code)) {
      throw new TypeError(`TrellisError code must look like E_SOMETHING, got ${JSON.stringify(code)}`);
    }
    this.name = 'TrellisError';
    this.code = code;
    this.details = options.details ?? {};
    this.retryable = options.retryable ?? false;
  }

  /** The wire form: code, message, details and a serialised TrellisError cause; never a stack. */
  toJSON(): SerializedTrellisError {
    const cause = this.cause instanceof TrellisError ? this.cause.toJSON() : undefined;
    return {
      name: 'TrellisError',
      code: this.code,
      message: this.message,
      details: this.details,
      ...(this.retryable ? { retryable: true as const } : {}),
      ...(cause === undefined ? {} : { cause }),
    };
  }

  /**
   * Rebuilds an error received from another process or host. Anything that is not a well-formed
   * serialised TrellisError becomes `E_INVALID_ARGUMENT` rather than being trusted blindly.
   */
  static fromJSON(value: unknown): TrellisError {
    if (!isSerializedTrellisError(value)) {
      return new TrellisError('E_INVALID_ARGUMENT', 'Received a malformed serialised TrellisError.', {
        details: { received: typeof value },
      });
    }
    const cause = value.cause === undefined ? undefined : TrellisError.fromJSON(value.cause);
    return new TrellisError(value.code, value.message, {
      details: value.details,
      cause,
      retryable: value.retryable === true,
    });
  }

  /** True when `value` is a TrellisError, optionally with the given code. */
  static is(value: unknown, code?: TrellisErrorCode): value is TrellisError {
    return value instanceof TrellisError && (code === undefined || value.code === code);
  }
}

function isSerializedTrellisError(value: unknown): value is SerializedTrellisError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.code === 'string' &&
    CODE_PATTERN.test(candidate.code) &&
    typeof candidate.message === 'string' &&
    typeof candidate.details === 'object' &&
    candidate.details !== null &&
    (candidate.cause === undefined || isSerializedTrellisError(candidate.cause))
  );
}

/** A short, safe description of any thrown value, for messages about failures that were not Errors. */
export function describeThrown(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
