import { TrellisError } from '@trellis/core';

/** The error codes the test kit adds to the kernel's; misuse of an argument is the kernel's `E_INVALID_ARGUMENT`. */
export const TESTING_ERROR_CODES = [
  'E_WAIT_TIMEOUT',
  'E_CLOCK_RUNAWAY',
  'E_TEST_HOST_BOOT',
  'E_MOCK_CONFLICT',
  'E_MOCK_UNKNOWN',
  'E_HTTP_UNAVAILABLE',
  'E_SCHEMA_UNSUPPORTED',
  'E_ARBITRARY_EXHAUSTED',
  'E_WS_CONNECT_FAILED',
  'E_CONFORMANCE',
  'E_PROPERTY_FAILED',
  'E_EXAMPLE_MISSING',
] as const;

/** A code from {@link TESTING_ERROR_CODES}. */
export type TestingErrorCode = (typeof TESTING_ERROR_CODES)[number];

function list(items: readonly string[]): string {
  return items.length === 0 ? '(none)' : items.join(', ');
}

/**
 * Every error the kit raises is made here, so each code has one message that says what was waited for or
 * refused, and what to change in the test.
 */
export const testingErrors = {
  waitTimeout(
    what: string,
    timeoutMs: number,
    clock: 'fake' | 'real',
    seen: readonly string[],
  ): TrellisError {
    const hint =
      clock === 'fake'
        ? 'advance the fake clock further, raise the timeout, or check that the emitter may emit it (E_PERMISSION_DENIED in testHost.logs)'
        : 'raise the timeout, or check what the other side sent instead';
    return new TrellisError(
      'E_WAIT_TIMEOUT',
      `Waited ${timeoutMs} ms of ${clock} time for ${what}, and it did not come. Seen meanwhile: ${list(seen.slice(-10))}. To fix: ${hint}.`,
      { details: { what, timeoutMs, clock, seen: seen.slice(-10) } },
    );
  },

  settleTimeout(idleMs: number): TrellisError {
    return new TrellisError(
      'E_WAIT_TIMEOUT',
      `The awaited work did not finish: nothing was left on the fake clock and no real work completed within ${idleMs} ms. It is waiting for something outside the host (an unresolved promise, a socket); resolve it in the test.`,
      { details: { idleMs, clock: 'real' } },
    );
  },

  settleDeadline(withinMs: number): TrellisError {
    return new TrellisError(
      'E_WAIT_TIMEOUT',
      `The awaited work did not settle within ${withinMs} ms of fake time, with the fake clock running every timer meanwhile. It waits for something that does not happen in that span (a promise nobody resolves, a timer further ahead); resolve it in the test, or wait longer.`,
      { details: { withinMs, clock: 'fake' } },
    );
  },

  clockRunaway(limit: number, pending: number): TrellisError {
    return new TrellisError(
      'E_CLOCK_RUNAWAY',
      `The fake clock ran ${limit} timers and ${pending} are still pending: timers keep scheduling more (a recurring task, an interval, the task history pruning of a running host). Use advance(ms) or advanceTo(time) to run a bounded span of time, or raise the limit.`,
      { details: { limit, pending } },
    );
  },

  bootFailed(failures: ReadonlyArray<{ readonly name: string; readonly error: TrellisError }>): TrellisError {
    const lines = failures.map(({ name, error }) => `- ${name}: ${error.code}: ${error.message}`).join('\n');
    return new TrellisError(
      'E_TEST_HOST_BOOT',
      `The test host started, but ${failures.length} plugin${failures.length === 1 ? '' : 's'} failed:\n${lines}\nFix them, or pass allowBootFailures: true to test the failure itself.`,
      {
        details: { failed: failures.map(({ name, error }) => ({ plugin: name, error: error.toJSON() })) },
        cause: failures[0]?.error,
      },
    );
  },

  mockConflict(capability: string, problem: string, fix: string): TrellisError {
    return new TrellisError('E_MOCK_CONFLICT', `The mock of '${capability}' ${problem}. ${fix}`, {
      details: { capability },
    });
  },

  mockUnknown(capability: string, mocked: readonly string[]): TrellisError {
    return new TrellisError(
      'E_MOCK_UNKNOWN',
      `'${capability}' is not mocked in this test host. Mocked capabilities: ${list(mocked)}. Add it to the mocks option of createTestHost().`,
      { details: { capability, mocked } },
    );
  },

  httpUnavailable(reason: string): TrellisError {
    return new TrellisError('E_HTTP_UNAVAILABLE', `HTTP testing is not available: ${reason}.`, {
      details: { reason },
    });
  },

  schemaUnsupported(path: string, reason: string): TrellisError {
    return new TrellisError(
      'E_SCHEMA_UNSUPPORTED',
      `Cannot derive generated values from the schema at '${path || '(root)'}': ${reason}. Pass a fast-check arbitrary for these params instead.`,
      { details: { path, reason } },
    );
  },

  arbitraryExhausted(what: string, attempts: number): TrellisError {
    return new TrellisError(
      'E_ARBITRARY_EXHAUSTED',
      `Generated ${attempts} candidate values and none satisfied ${what}. The schema is narrower than its JSON Schema shows (a refinement, a rare pattern); pass a fast-check arbitrary for these params instead.`,
      { details: { what, attempts } },
    );
  },

  conformance(plugin: string, check: string, messages: readonly string[]): TrellisError {
    return new TrellisError(
      'E_CONFORMANCE',
      `Plugin '${plugin}' fails the ${check} check (${messages.length} problem${messages.length === 1 ? '' : 's'}):\n${messages.map((message) => `- ${message}`).join('\n')}`,
      { details: { plugin, check, problems: messages } },
    );
  },

  propertyFailed(
    capability: string,
    reason: string,
    counterexample: string,
    seed: number,
    path: string | null,
  ): TrellisError {
    return new TrellisError(
      'E_PROPERTY_FAILED',
      `${reason}\nCounterexample: ${counterexample}\nReplay it with { seed: ${seed}${path === null ? '' : `, path: '${path}'`} }.`,
      { details: { capability, counterexample, seed, path } },
    );
  },

  wsConnectFailed(url: string, reason: string, status?: number): TrellisError {
    return new TrellisError('E_WS_CONNECT_FAILED', `Could not open a WebSocket to ${url}: ${reason}.`, {
      details: { url, reason, ...(status === undefined ? {} : { status }) },
    });
  },

  exampleMissing(markdown: string, language: string, index: number, found: number): TrellisError {
    return new TrellisError(
      'E_EXAMPLE_MISSING',
      `${markdown} has no \`\`\`${language} example number ${index + 1} (it has ${found}). Check the index, or the language tag of the code block.`,
      { details: { markdown, language, index, found } },
    );
  },
};
