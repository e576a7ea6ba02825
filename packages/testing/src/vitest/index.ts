import { errors } from '@trellis/core';
import { afterAll, beforeEach, onTestFinished } from 'vitest';
import { createTestHost } from '../host/create-test-host.js';
import { scopeTestHosts, stopAllTestHosts } from '../host/live-hosts.js';
import type { TestHost } from '../host/test-host.js';
import type { TestHostOptions } from '../host/test-host-options.js';
import { isCapabilityMock } from '../mocks/capability-mock.js';

export * from '../index.js';

// Importing this module is the opt-in. A test host made inside a test (or its beforeEach) is stopped when
// that test finishes; one made outside any test (a beforeAll, the module's top level) when the file ends.
scopeTestHosts((testHost) => {
  try {
    onTestFinished(async () => {
      await testHost.stop();
    });
  } catch {
    // Not inside a test: the afterAll below stops it.
  }
});
afterAll(() => stopAllTestHosts());

/**
 * A fresh test host for each test of the enclosing `describe` (or file), made from `options` before each
 * test (after clearing the calls recorded by the mocks in them) and stopped when the test finishes.
 * Returns the accessor to use inside the tests.
 *
 * ```ts
 * const testHost = useTestHost({ plugins: [users], mocks: { 'store.get': { id: 1 } } });
 * it('finds a user', async () => {
 *   expect(await testHost().call('users.get', { id: 1 })).toMatchObject({ id: 1 });
 * });
 * ```
 */
export function useTestHost(options: TestHostOptions = {}): () => TestHost {
  let current: TestHost | undefined;
  beforeEach(async () => {
    for (const spec of Object.values(options.mocks ?? {})) if (isCapabilityMock(spec)) spec.mockClear();
    current = await createTestHost(options);
  });
  return () => {
    if (current === undefined)
      throw errors.hostState(
        'not made yet',
        'use the test host of useTestHost()',
        'use it inside a test, where it is made before each',
      );
    return current;
  };
}
