import { connect } from 'node:net';
import { definePlugin } from '@trellis/core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { postJson, startGatewayHost, stopAll } from '../support/gateway-host.js';

afterEach(stopAll);

let abortedWith: unknown;
let entered: () => void = () => {};

const math = definePlugin({
  name: 'math',
  version: '1.0.0',
  setup(ctx) {
    ctx.provide('math.add', ({ a, b }: { a: number; b: number }) => ({ sum: a + b }), {
      params: z.object({ a: z.number(), b: z.number() }),
    });
    ctx.provide('math.square', ({ n }: { n: number }) => ({ square: n * n }), {
      params: z.object({ n: z.coerce.number() }),
    });
    ctx.provide('math.slow', (_params, call) => {
      entered();
      return new Promise((_resolve, reject) => {
        call.signal.addEventListener('abort', () => {
          abortedWith = call.signal.reason;
          reject(call.signal.reason);
        });
      });
    });
    ctx.http.expose('math.square', { method: 'GET', path: '/square/:n' });
  },
});

const secrets = definePlugin({
  name: 'secrets',
  version: '1.0.0',
  setup(ctx) {
    ctx.provide('secrets.get', () => ({ secret: 'hunter2' }));
  },
});

const reporter = definePlugin({
  name: 'reporter',
  version: '1.0.0',
  permissions: { calls: ['math.add'] },
  setup(ctx) {
    ctx.http.expose('math.add', { path: '/sum' });
    ctx.http.expose('secrets.get', { path: '/secret' });
  },
});

describe('REST exposure of capabilities', () => {
  it('calls capabilities matching rest.expose at POST /api/<capability> with the body as params', async () => {
    const { json } = await startGatewayHost([math, secrets], { rest: { expose: ['math.*'] } });
    expect(await json('/api/math.add', postJson({ a: 2, b: 3 }))).toMatchObject({
      status: 200,
      body: { sum: 5 },
    });
  });

  it("answers the capability's validation failure with 400 E_VALIDATION and its issues", async () => {
    const { json } = await startGatewayHost([math], { rest: { expose: ['math.*'] } });
    const { status, body } = await json('/api/math.add', postJson({ a: 2, b: 'three' }));
    expect(status).toBe(400);
    expect(body).toMatchObject({
      error: {
        code: 'E_VALIDATION',
        details: { capability: 'math.add', direction: 'params', issues: [{ path: 'b' }] },
      },
    });
  });

  it('answers 404 for a capability no pattern exposes, existing or not, without calling it', async () => {
    const { json } = await startGatewayHost([math, secrets], { rest: { expose: ['math.*'] } });
    for (const name of ['secrets.get', 'math']) {
      const { status, body } = await json(`/api/${name}`, postJson({}));
      expect(status).toBe(404);
      expect(body).toMatchObject({
        error: { code: 'E_CAPABILITY_NOT_FOUND', details: { capability: name } },
      });
      expect(JSON.stringify(body)).not.toContain('hunter2');
    }
  });

  it('applies rest.auth to pattern-exposed capabilities', async () => {
    const { json } = await startGatewayHost([math], { rest: { expose: ['math.*'], auth: true } });
    expect(await json('/api/math.add', postJson({ a: 1, b: 1 }))).toMatchObject({ status: 401 });
  });

  it('serves ctx.http.expose() with a method and path, merging path parameters and query into the params', async () => {
    const { json } = await startGatewayHost([math]);
    expect(await json('/math/square/4')).toMatchObject({ status: 200, body: { square: 16 } });
    expect(await json('/math/square/abc')).toMatchObject({
      status: 400,
      body: { error: { code: 'E_VALIDATION' } },
    });
  });

  it("calls through the exposing plugin's context, so its permissions decide", async () => {
    const { json } = await startGatewayHost([math, secrets, reporter]);
    expect(await json('/reporter/sum', postJson({ a: 1, b: 2 }))).toMatchObject({
      status: 200,
      body: { sum: 3 },
    });
    const { status, body } = await json('/reporter/secret', postJson({}));
    expect(status).toBe(403);
    expect(body).toMatchObject({
      error: { code: 'E_PERMISSION_DENIED', details: { plugin: 'reporter', target: 'secrets.get' } },
    });
  });

  it('abandons the capability call when the client disconnects', async () => {
    abortedWith = undefined;
    const { url } = await startGatewayHost([math], { rest: { expose: ['math.*'] } });
    const reached = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(
        'POST /api/math.slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
      );
    });
    await reached;
    socket.destroy();
    await expect.poll(() => abortedWith).toMatchObject({ code: 'E_ABORTED' });
  });
});
