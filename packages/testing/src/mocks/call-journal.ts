import { expect } from 'vitest';

/** One call of a mocked capability, as the journal of a test host keeps it. */
export interface MockCall {
  readonly capability: string;
  readonly params: unknown;
  /** The plugin that made the call, or `host`. */
  readonly caller: string;
  /** The fake clock's time of the call. */
  readonly time: number;
}

function describeCalls(calls: readonly MockCall[]): string {
  if (calls.length === 0) return 'no further call was made';
  return `the calls left are: ${calls
    .map((call) => `${call.capability}(${JSON.stringify(call.params) ?? 'undefined'}) from ${call.caller}`)
    .join(', ')}`;
}

/**
 * Every call of every mocked capability of a test host, in order, with a cursor for ordered
 * expectations: each {@link CallJournal.expectCall} checks the next call not yet expected.
 */
export class CallJournal {
  readonly #calls: MockCall[] = [];
  #verified = 0;

  /** The calls so far, oldest first. */
  get calls(): readonly MockCall[] {
    return this.#calls;
  }

  /** Records a call. @internal */
  record(call: MockCall): void {
    this.#calls.push(call);
  }

  /**
   * Asserts that the next call not yet expected is of `capability` with params matching `params` (a deep
   * partial, compared like `toMatchObject`), and returns it.
   */
  expectCall(capability: string, params?: unknown): MockCall {
    const index = this.#verified;
    const next = this.#calls[index];
    const ordinal = `call #${index + 1} of the mocked capabilities`;
    expect(
      next,
      `expected ${ordinal} to be '${capability}', but ${describeCalls(this.#calls.slice(index))}`,
    ).toBeDefined();
    const call = next as MockCall;
    const expected = params === undefined ? { capability } : { capability, params };
    expect(
      { capability: call.capability, params: call.params },
      `${ordinal} does not match (${describeCalls(this.#calls.slice(index))})`,
    ).toMatchObject(expected as Record<string, unknown>);
    this.#verified = index + 1;
    return call;
  }

  /** Asserts that every call was expected by {@link CallJournal.expectCall}. */
  expectNoMoreCalls(): void {
    const left = this.#calls.slice(this.#verified);
    expect(left.length, `expected no more calls of mocked capabilities, but ${describeCalls(left)}`).toBe(0);
  }

  /** Forgets the calls so far (and the expectations made on them). */
  clear(): void {
    this.#calls.length = 0;
    this.#verified = 0;
  }
}
