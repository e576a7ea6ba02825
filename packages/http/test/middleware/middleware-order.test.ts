import { definePlugin } from '@trellis/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HOOK_STAGES, type HttpHook } from '../../src/index.js';
import { startGatewayHost, stopAll } from '../support/gateway-host.js';

afterEach(stopAll);

const records: string[] = [];
beforeEach(() => {
  records.length = 0;
});

function recorder(name: string): HttpHook {
  return async (_request, _reply, next) => {
    records.push(name);
    const result = await next();
    records.push(`${name}:after`);
    return result;
  };
}

const audit = definePlugin({
  name: 'audit',
  version: '1.0.0',
  setup(ctx) {
    for (const stage of HOOK_STAGES)
      ctx.http.use(recorder(`audit:${stage}`), { stage, scope: 'host', name: stage });
  },
});

const shop = definePlugin({
  name: 'shop',
  version: '1.0.0',
  setup(ctx) {
    ctx.auth.provide('bearer', (request) => {
      const user = request.headers.authorization?.slice('Bearer '.length);
      if (user === undefined) return undefined;
      records.push('auth');
      return { id: user, scheme: 'bearer' };
    });
    ctx.http.use(recorder('shop:request'), { stage: 'request', name: 'request' });
    ctx.http.use(recorder('shop:handler'), { stage: 'handler', name: 'handler' });
    ctx.http.use(
      (request, _reply, next) =>
        request.headers['x-short-circuit'] === undefined ? next() : { answeredBy: 'hook' },
      { name: 'short-circuit' },
    );
    ctx.http.get(
      '/item',
      {
        auth: true,
        rateLimit: { limit: 2, intervalMs: 60_000, burst: 2 },
        cache: { authenticated: true },
        schema: { querystring: z.object({ n: z.string().optional() }) },
      },
      (request) => {
        records.push('handler');
        return { n: request.query.n ?? null };
      },
    );
  },
});

const as = (user: string) => ({ headers: { authorization: `Bearer ${user}` } });

describe('HTTP middleware order', () => {
  it('runs request hooks, authentication, rate limiting, authenticated hooks, the cache, validation, handler hooks, the handler', async () => {
    const { request, gateway } = await startGatewayHost([audit, shop]);
    expect(gateway.routes().find((route) => route.path === '/shop/item')?.chain).toEqual([
      'audit:request',
      'shop:request',
      'shop:short-circuit',
      'authentication',
      'rate limit',
      'audit:authenticated',
      'response cache',
      'validation',
      'audit:handler',
      'shop:handler',
      'handler',
    ]);

    expect((await request('/shop/item', as('ada'))).headers.get('x-cache')).toBe('MISS');
    expect(records).toEqual([
      'audit:request',
      'shop:request',
      'auth',
      'audit:authenticated',
      'audit:handler',
      'shop:handler',
      'handler',
      'shop:handler:after',
      'audit:handler:after',
      'audit:authenticated:after',
      'shop:request:after',
      'audit:request:after',
    ]);

    // A cache hit is answered after the authenticated stage: handler hooks and the handler do not run.
    records.length = 0;
    expect((await request('/shop/item', as('ada'))).headers.get('x-cache')).toBe('HIT');
    expect(records).toEqual([
      'audit:request',
      'shop:request',
      'auth',
      'audit:authenticated',
      'audit:authenticated:after',
      'shop:request:after',
      'audit:request:after',
    ]);

    // Over the limit: refused after authentication, before the authenticated stage.
    records.length = 0;
    expect((await request('/shop/item?n=1', as('ada'))).status).toBe(429);
    expect(records).toEqual(['audit:request', 'shop:request', 'auth']);

    // Invalid input: refused by validation, after the cache and before the handler stage.
    records.length = 0;
    expect((await request('/shop/item?n=1&n=2', as('grace'))).status).toBe(400);
    expect(records).toEqual(['audit:request', 'shop:request', 'auth', 'audit:authenticated']);
  });

  it('lets a hook answer without calling next()', async () => {
    const { json } = await startGatewayHost([audit, shop]);
    expect(await json('/shop/item', { headers: { 'x-short-circuit': '1' } })).toMatchObject({
      status: 200,
      body: { answeredBy: 'hook' },
    });
    expect(records).not.toContain('handler');
    expect(records).not.toContain('auth');
  });

  it("applies host-scoped hooks to every plugin's routes and REST exposure, and withdraws them when their plugin stops", async () => {
    const other = definePlugin({
      name: 'other',
      version: '1.0.0',
      setup(ctx) {
        ctx.http.get('/', () => 'other');
        ctx.provide('other.ping', () => 'pong');
      },
    });
    const { host, request } = await startGatewayHost([audit, other], { rest: { expose: ['other.*'] } });
    await request('/other');
    expect(records).toContain('audit:handler');
    records.length = 0;
    await request('/api/other.ping', { method: 'POST' });
    expect(records).toContain('audit:request');
    await host.disable('audit');
    records.length = 0;
    expect(await (await request('/other')).text()).toBe('other');
    expect(records).toEqual([]);
  });

  it('refuses malformed middleware', async () => {
    const bad = definePlugin({
      name: 'bad',
      version: '1.0.0',
      setup(ctx) {
        ctx.http.use((_request, _reply, next) => next(), { stage: 'later' as 'request' });
      },
    });
    const { host } = await startGatewayHost([bad]);
    expect(host.plugins()[0]?.error?.cause).toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });
});
