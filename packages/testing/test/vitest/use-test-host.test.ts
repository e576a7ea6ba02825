import { beforeAll, describe, expect, it } from 'vitest';
import { createTestHost, mock, type TestHost, useTestHost } from '../../src/vitest/index.js';

describe('useTestHost', () => {
  const store = mock({ id: 1 });
  const testHost = useTestHost({ mocks: { 'store.get': store } });
  const seen: TestHost[] = [];

  it('makes a started test host before each test', async () => {
    expect(testHost().host.state).toBe('running');
    expect(await testHost().call('store.get')).toEqual({ id: 1 });
    expect(store).toHaveBeenCalledTimes(1);
    seen.push(testHost());
  });

  it('makes a fresh one for the next test, with the mock calls cleared, and stopped the previous', () => {
    expect(testHost()).not.toBe(seen[0]);
    expect(seen[0]?.host.state).toBe('stopped');
    expect(store).not.toHaveBeenCalled();
  });
});

describe('test hosts made through @trellis/testing/vitest', () => {
  let madeInTest: TestHost | undefined;
  let madeBeforeAll: TestHost | undefined;

  beforeAll(async () => {
    madeBeforeAll = await createTestHost();
  });

  it('are stopped when the test that made them finishes', async () => {
    madeInTest = await createTestHost();
    expect(madeInTest.host.state).toBe('running');
  });

  it('(the host of the previous test is stopped)', () => {
    expect(madeInTest?.host.state).toBe('stopped');
  });

  it('live across the tests of the file when made outside a test', () => {
    expect(madeBeforeAll?.host.state).toBe('running');
  });
});

describe('the accessor of useTestHost', () => {
  const testHost = useTestHost();
  let early: unknown;

  beforeAll(() => {
    try {
      testHost();
    } catch (error) {
      early = error;
    }
  });

  it('is refused before the host of a test is made', () => {
    expect(early).toMatchObject({ code: 'E_HOST_STATE', message: expect.stringContaining('inside a test') });
    expect(testHost().host.state).toBe('running');
  });
});
