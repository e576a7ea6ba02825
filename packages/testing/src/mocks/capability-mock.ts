import { type CallContext, type CapabilityOptions, type ErrorDetails, TrellisError } from '@trellis/core';
import { type Mock, vi } from 'vitest';

/**
 * A mocked capability's implementation: like a handler, it receives the params and the call's context.
 * Declared so that a handler with typed params (`(params: { id: number }) => ...`) fits any mock.
 */
export type MockHandler<Params = unknown, Result = unknown> = {
  bivarianceHack(params: Params, call: CallContext): Result | Promise<Result>;
}['bivarianceHack'];

/** Options of {@link mock}: the capability's options, and the stand-in plugin that provides it. */
export interface MockOptions<Params = unknown, Result = unknown> extends CapabilityOptions<Params, Result> {
  /** The stand-in plugin providing the capability (default: the capability name's first segment). */
  readonly plugin?: string;
  /** That plugin's version (default: one satisfying every registered plugin's dependency range on it). */
  readonly version?: string;
}

declare const capabilityMockBrand: unique symbol;

/** What every {@link CapabilityMock} is, whatever its params and result types. */
export interface CapabilityMockLike {
  /** Type-level only: marks mocks made by {@link mock}. */
  readonly [capabilityMockBrand]: true;
}

/**
 * A recorder of a mocked capability: a Vitest mock function called with each call's params, so the usual
 * matchers work (`expect(testHost.mock('users.get')).toHaveBeenCalledWith({ id: 1 })`) and so do
 * `mockReturnValue`, `mockResolvedValueOnce`, `mockImplementation`... Implementations set that way receive
 * the params only; the call contexts are in {@link CapabilityMock.contexts}.
 */
export type CapabilityMock<Params = unknown, Result = unknown> = Mock<
  (params: Params) => Result | Promise<Result>
> &
  CapabilityMockLike & {
    /** The context of each call, in order: `caller`, `requestId`, `principal`, `metadata`... */
    readonly contexts: readonly CallContext[];
    /** The options the capability is provided with. */
    readonly options: MockOptions<Params, Result>;
    /**
     * Makes every following call fail with `error`. A code (`'E_NOT_FOUND'`) becomes a TrellisError with
     * that code, `message` and `details`; any other value is thrown as it is.
     */
    mockRejected(error: unknown, message?: string, details?: ErrorDetails): CapabilityMock<Params, Result>;
    /** Like {@link CapabilityMock.mockRejected}, for the next call only. */
    mockRejectedOnce(
      error: unknown,
      message?: string,
      details?: ErrorDetails,
    ): CapabilityMock<Params, Result>;
    /** Who made each call, in order (plugin names, or `host`). */
    callers(): string[];
  };

/** A value every call of a mocked capability returns (a function is taken as a handler instead). */
export type MockValue = object | string | number | boolean | null | undefined;

/** How a capability is mocked: a {@link mock} recorder, a handler, or the value every call returns. */
export type MockSpec = CapabilityMockLike | MockHandler | MockValue;

/** Mocked capabilities by name. */
export type Mocks = Readonly<Record<string, MockSpec>>;

interface MockInternals {
  invoke(params: unknown, call: CallContext): unknown;
}

const internals = new WeakMap<object, MockInternals>();

const CODE = /^E_[A-Z0-9_]+$/;

function failure(error: unknown, message: string | undefined, details: ErrorDetails | undefined): unknown {
  if (typeof error === 'string' && CODE.test(error))
    return new TrellisError(error, message ?? `Mocked failure ${error}.`, { details: details ?? {} });
  return error;
}

/**
 * A recorder for a mocked capability, answering with `implementation`: a handler `(params, call) => result`,
 * or a value every call returns. Pass it in `createTestHost({ mocks: { 'users.get': mock(...) } })`.
 */
export function mock<Params = unknown, Result = unknown>(
  implementation?: MockHandler<Params, Result> | Result,
  options: MockOptions<Params, Result> = {},
): CapabilityMock<Params, Result> {
  const contexts: CallContext[] = [];
  let current: CallContext | undefined;
  const recorder = vi.fn((params: Params) =>
    typeof implementation === 'function'
      ? (implementation as MockHandler<Params, Result>)(params, current as CallContext)
      : (implementation as Result),
  );
  const extras = {
    contexts,
    options,
    mockRejected(error: unknown, message?: string, details?: ErrorDetails) {
      recorder.mockRejectedValue(failure(error, message, details));
      return capabilityMock;
    },
    mockRejectedOnce(error: unknown, message?: string, details?: ErrorDetails) {
      recorder.mockRejectedValueOnce(failure(error, message, details));
      return capabilityMock;
    },
    callers: () => contexts.map((call) => call.caller),
  };
  const capabilityMock = Object.assign(recorder, extras) as unknown as CapabilityMock<Params, Result>;
  const clear = recorder.mockClear.bind(recorder);
  const reset = recorder.mockReset.bind(recorder);
  recorder.mockClear = () => {
    contexts.length = 0;
    return clear();
  };
  recorder.mockReset = () => {
    contexts.length = 0;
    return reset();
  };
  internals.set(capabilityMock, {
    invoke(params, call) {
      contexts.push(call);
      // The recorder runs its implementation synchronously, so the context is read before this returns.
      current = call;
      try {
        return recorder(params as Params);
      } finally {
        current = undefined;
      }
    },
  });
  return capabilityMock;
}

/** True when `value` was made by {@link mock}. */
export function isCapabilityMock(value: unknown): value is CapabilityMock {
  return typeof value === 'function' && internals.has(value);
}

/** Runs a call of a mocked capability through its recorder. */
export function invokeMock(capabilityMock: CapabilityMock, params: unknown, call: CallContext): unknown {
  return (internals.get(capabilityMock) as MockInternals).invoke(params, call);
}

/** The recorder for `spec`: the mock itself, or one answering with the handler or value it gives. */
export function toCapabilityMock(spec: MockSpec): CapabilityMock {
  return isCapabilityMock(spec) ? spec : mock(spec as MockHandler | MockValue);
}
