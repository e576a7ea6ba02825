import { TrellisError } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { createTestHost, isCapabilityMock, mock } from '../../src/vitest/index.js';

describe('mock', () => {
  it('hands a handler the params and the call context, and records both', async () => {
    const lookup = mock((params: { id: number }, call) => ({
      id: params.id,
      caller: call.caller,
      requestId: call.requestId,
    }));
    const testHost = await createTestHost({ mocks: { 'people.lookup': lookup } });
    const answer = await testHost.call(
      'people.lookup',
      { id: 3 },
      { requestId: 'req-1', metadata: { tenant: 't' } },
    );
    expect(answer).toEqual({ id: 3, caller: 'host', requestId: 'req-1' });
    expect(lookup).toHaveBeenCalledExactlyOnceWith({ id: 3 });
    expect(lookup.contexts[0]?.metadata).toEqual({ tenant: 't' });
    expect(lookup.callers()).toEqual(['host']);
  });

  it('fails the next call or every call, with a TrellisError for a code and the value itself otherwise', async () => {
    const send = mock('sent').mockRejectedOnce('E_SMTP_DOWN').mockRejectedOnce('not a code');
    const testHost = await createTestHost({ mocks: { 'mail.send': send } });
    const first = await testHost.call('mail.send').catch((error: unknown) => error);
    expect(first).toBeInstanceOf(TrellisError);
    expect(first).toMatchObject({ code: 'E_SMTP_DOWN', message: 'Mocked failure E_SMTP_DOWN.' });
    // A value that is not a code is thrown as it is; the kernel wraps it as any handler's.
    const second = await testHost.call('mail.send').catch((error: unknown) => error);
    expect(second).toMatchObject({ code: 'E_CAPABILITY_FAILED', cause: 'not a code' });
    expect(await testHost.call('mail.send')).toBe('sent');
    const failure = new TrellisError('E_QUOTA', 'quota exceeded', { retryable: true });
    send.mockRejected(failure);
    await expect(testHost.call('mail.send')).rejects.toBe(failure);
    await expect(testHost.call('mail.send')).rejects.toBe(failure);
  });

  it('can be driven with the Vitest mock API, and cleared or reset with its contexts', async () => {
    const counter = mock<unknown, number>(0);
    const testHost = await createTestHost({ mocks: { 'count.next': counter } });
    counter.mockReturnValueOnce(1).mockResolvedValueOnce(2);
    expect([
      await testHost.call('count.next'),
      await testHost.call('count.next'),
      await testHost.call('count.next'),
    ]).toEqual([1, 2, 0]);
    expect(counter.contexts).toHaveLength(3);
    counter.mockClear();
    expect(counter.contexts).toHaveLength(0);
    expect(counter).not.toHaveBeenCalled();
    counter.mockImplementation(() => 9);
    await testHost.call('count.next');
    counter.mockReset();
    expect(counter.contexts).toHaveLength(0);
    expect(await testHost.call('count.next')).toBe(0);
  });

  it('is told apart from plain functions, and gets a recorder for static values and handlers', async () => {
    expect(isCapabilityMock(mock())).toBe(true);
    expect(isCapabilityMock(() => 1)).toBe(false);
    const testHost = await createTestHost({
      mocks: { 'a.static': 1, 'a.handler': () => 2, 'a.nothing': undefined },
    });
    await testHost.call('a.static');
    await testHost.call('a.nothing');
    expect(isCapabilityMock(testHost.mock('a.handler'))).toBe(true);
    expect(testHost.mock('a.static')).toHaveBeenCalledOnce();
    expect(testHost.mock('a.handler')).not.toHaveBeenCalled();
  });

  it('provides the mocked capability with its options: params are validated', async () => {
    const { z } = await import('zod');
    const testHost = await createTestHost({
      mocks: {
        'geo.locate': mock({ lat: 0 }, { params: z.object({ ip: z.ipv4() }), description: 'where an ip is' }),
      },
    });
    await expect(testHost.call('geo.locate', { ip: 'nope' })).rejects.toMatchObject({ code: 'E_VALIDATION' });
    expect(testHost.host.capabilities()).toEqual([
      expect.objectContaining({
        name: 'geo.locate',
        plugin: 'geo',
        validatesParams: true,
        description: 'where an ip is',
      }),
    ]);
    expect(testHost.paramsSchemaOf('geo.locate')).toBeDefined();
  });
});
