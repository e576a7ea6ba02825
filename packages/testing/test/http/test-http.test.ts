import '@trellis/http';
import { definePlugin } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { createTestHost } from '../../src/vitest/index.js';

const chat = definePlugin({
  name: 'chat',
  version: '1.0.0',
  setup(ctx) {
    ctx.http.get('/hello', () => ({ hello: 'world' }));
    ctx.http.post('/echo', (request) => ({ got: request.body }));
    ctx.ws('/room', (connection) => {
      connection.send({ type: 'welcome' });
      connection.on('message', (message) => {
        if ((message as { type?: string }).type === 'bye') connection.close(4000, 'see you');
        else connection.send({ type: 'echo', message });
      });
    });
  },
});

describe('createTestHost({ http })', () => {
  it('serves the gateway in process and over the loopback interface', async () => {
    const testHost = await createTestHost({ plugins: [chat], http: true });
    const injected = await testHost.http.inject({ method: 'GET', url: '/chat/hello' });
    expect(injected.statusCode).toBe(200);
    expect(injected.json()).toEqual({ hello: 'world' });
    const posted = await testHost.http.inject({ method: 'POST', url: '/chat/echo', payload: { a: 1 } });
    expect(posted.json()).toEqual({ got: { a: 1 } });
    expect(testHost.http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const fetched = await testHost.http.fetch('/chat/hello');
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toEqual({ hello: 'world' });
    const missing = await testHost.http.fetch('/nowhere');
    expect(missing.status).toBe(404);
    await missing.body?.cancel();
  });

  it('talks to WebSocket endpoints with JSON messages, waits that list what came, and closes', async () => {
    const testHost = await createTestHost({ plugins: [chat], http: true });
    const client = await testHost.ws('/chat/room');
    expect(await client.expectMessage({ type: 'welcome' })).toEqual({ type: 'welcome' });
    client.send({ text: 'hi' });
    client.send({ text: 'again' });
    expect(
      await client.expectMessage(
        (message) => (message as { message: { text: string } }).message.text === 'again',
      ),
    ).toEqual({
      type: 'echo',
      message: { text: 'again' },
    });
    // The earlier echo was skipped by the predicate, not consumed: it is still there to expect.
    expect(await client.expectMessage({ message: { text: 'hi' } })).toMatchObject({ type: 'echo' });
    const late = await client
      .expectMessage({ type: 'never' }, { timeout: 50 })
      .catch((error: unknown) => error);
    expect(late).toMatchObject({
      code: 'E_WAIT_TIMEOUT',
      message: expect.stringContaining('{"type":"welcome"}'),
    });
    client.send({ type: 'bye' });
    expect(await client.expectClose(4000)).toEqual({ code: 4000, reason: 'see you' });
    expect(client.open).toBe(false);
    expect(client.messages).toHaveLength(3);

    const other = await testHost.ws('/chat/room');
    expect(await other.close()).toMatchObject({ code: 1000 });
    const lingering = await testHost.ws('/chat/room');
    await testHost.stop();
    expect(lingering.open).toBe(false);
  });

  it('refuses WebSocket paths the gateway does not serve, and bad paths', async () => {
    const testHost = await createTestHost({ plugins: [chat], http: { websocket: {} } });
    const refused = await testHost.ws('/nowhere').catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'E_WS_CONNECT_FAILED', details: { status: 404 } });
    await expect(testHost.ws('relative')).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });

  it('runs the gateway on the fake clock unless told otherwise', async () => {
    const slow = definePlugin({
      name: 'slow',
      version: '1.0.0',
      setup(ctx) {
        ctx.http.get('/wait', () => new Promise(() => undefined));
      },
    });
    const testHost = await createTestHost({ plugins: [slow], http: { handlerTimeout: 1_000 } });
    const response = testHost.http.inject({ method: 'GET', url: '/slow/wait' });
    await testHost.clock.advance(1_000);
    expect((await response).statusCode).toBe(504);
  });
});
