import { definePlugin } from '@trellis/core';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startGatewayHost, stopAll } from '../support/gateway-host.js';
import { parseRawResponse, rawExchange } from '../support/raw-http.js';

afterEach(stopAll);

let aborted: unknown;

const echo = definePlugin({
  name: 'echo',
  version: '1.0.0',
  setup(ctx) {
    ctx.http.post('/', (request) => ({ received: request.body }));
    ctx.http.get('/stuck', (request) => {
      request.signal.addEventListener('abort', () => {
        aborted = request.signal.reason;
      });
      return new Promise(() => {});
    });
  },
});

describe('request limits', () => {
  it('answers a body over bodyLimit with 413 E_PAYLOAD_TOO_LARGE', async () => {
    const { json } = await startGatewayHost([echo], { bodyLimit: 64 });
    const small = await json('/echo', postJson({ note: 'fits' }));
    expect(small).toMatchObject({ status: 200, body: { received: { note: 'fits' } } });
    const { status, body } = await json('/echo', postJson({ note: 'x'.repeat(200) }));
    expect(status).toBe(413);
    expect(body).toMatchObject({ error: { code: 'E_PAYLOAD_TOO_LARGE', details: { limitBytes: 64 } } });
  });

  it('answers malformed JSON with 400 E_BAD_REQUEST', async () => {
    const { json } = await startGatewayHost([echo]);
    const { status, body } = await json('/echo', {
      method: 'POST',
      body: '{"unterminated": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: 'E_BAD_REQUEST' } });
  });

  it('refuses prototype poisoning in a JSON body with 400', async () => {
    const { json } = await startGatewayHost([echo]);
    const { status, body } = await json('/echo', {
      method: 'POST',
      body: '{"__proto__": {"admin": true}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: 'E_BAD_REQUEST' } });
  });

  it('answers a body of an unknown media type with 415', async () => {
    const { json } = await startGatewayHost([echo]);
    const { status, body } = await json('/echo', {
      method: 'POST',
      body: '<a/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(status).toBe(415);
    expect(body).toMatchObject({
      error: { code: 'E_UNSUPPORTED_MEDIA_TYPE', details: { contentType: 'application/xml' } },
    });
  });

  it('answers headers over maxHeaderSize with 431 and the error body', async () => {
    const { url } = await startGatewayHost([echo], { maxHeaderSize: 1024 });
    const text = await rawExchange(url, [
      `GET /echo/stuck HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`,
    ]);
    const { status, body } = parseRawResponse(text);
    expect(status).toBe(431);
    expect(body).toMatchObject({ error: { code: 'E_HEADERS_TOO_LARGE', details: { limitBytes: 1024 } } });
  });

  it('answers a request not received within requestTimeout with 408', async () => {
    const { url } = await startGatewayHost([echo], { requestTimeout: 200, handlerTimeout: 5_000 });
    // Headers announce a body that never comes.
    const text = await rawExchange(url, [
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"partial":',
    ]);
    const { status, body } = parseRawResponse(text);
    expect(status).toBe(408);
    expect(body).toMatchObject({ error: { code: 'E_REQUEST_TIMEOUT' } });
  });

  it('answers a handler slower than handlerTimeout with 504 E_TIMEOUT and aborts its signal', async () => {
    aborted = undefined;
    const { json } = await startGatewayHost([echo], { handlerTimeout: 100 });
    const { status, body } = await json('/echo/stuck');
    expect(status).toBe(504);
    expect(body).toMatchObject({
      error: { code: 'E_TIMEOUT', details: { route: 'GET /echo/stuck', timeoutMs: 100 } },
    });
    expect(aborted).toMatchObject({ code: 'E_TIMEOUT' });
  });
});
