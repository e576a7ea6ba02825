import { definePlugin } from '@trellis/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startGatewayHost, stopAll } from '../support/gateway-host.js';
import { ManualClock } from '../support/manual-clock.js';

afterEach(stopAll);

let served = 0;

const news = definePlugin({
  name: 'news',
  version: '1.0.0',
  setup(ctx) {
    ctx.auth.provide('bearer', (request) => {
      const user = request.headers.authorization?.slice('Bearer '.length);
      return user === undefined ? undefined : { id: user, scheme: 'bearer' };
    });
    const answer = (request: { principal?: { id: string }; headers: Record<string, unknown> }) => {
      served += 1;
      return {
        served,
        lang: request.headers['accept-language'] ?? null,
        user: request.principal?.id ?? null,
      };
    };
    ctx.http.get('/latest', { cache: { ttl: 10_000, vary: ['Accept-Language'] } }, answer);
    ctx.http.get('/mine', { cache: { ttl: 10_000, authenticated: true } }, answer);
    ctx.http.get('/missing', { cache: true }, (_request, reply) => reply.code(404).send({ gone: true }));
    ctx.http.get('/flaky', { cache: true }, (_request, reply) => {
      served += 1;
      reply.code(served % 2 === 0 ? 200 : 202);
      return { served };
    });
  },
});

async function get(
  request: (path: string, init?: RequestInit) => Promise<Response>,
  path: string,
  headers: Record<string, string> = {},
) {
  const response = await request(path, { headers });
  return { headers: response.headers, body: (await response.json()) as { served: number } };
}

describe('response caching', () => {
  it('answers MISS then HIT with Cache-Control, Age and Vary, one entry per varying header value', async () => {
    served = 0;
    const clock = new ManualClock();
    const { request } = await startGatewayHost([news], { clock });
    const first = await get(request, '/news/latest', { 'accept-language': 'en' });
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect(first.headers.get('cache-control')).toBe('public, max-age=10');
    expect(first.headers.get('vary')).toBe('accept-language');
    clock.advance(3_000);
    const second = await get(request, '/news/latest', { 'accept-language': 'en' });
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(second.headers.get('age')).toBe('3');
    expect(second.headers.get('cache-control')).toBe('public, max-age=7');
    expect(second.headers.get('content-type')).toMatch(/^application\/json/);
    expect(second.body).toEqual(first.body);
    const french = await get(request, '/news/latest', { 'accept-language': 'fr' });
    expect(french.headers.get('x-cache')).toBe('MISS');
    expect(french.body.served).toBe(first.body.served + 1);
  });

  it('serves again from the handler once the TTL ran out, or when the client asks no-cache', async () => {
    served = 0;
    const clock = new ManualClock();
    const { request } = await startGatewayHost([news], { clock });
    await get(request, '/news/latest');
    clock.advance(10_000);
    const expired = await get(request, '/news/latest');
    expect(expired.headers.get('x-cache')).toBe('MISS');
    expect(expired.body.served).toBe(2);
    const refreshed = await get(request, '/news/latest', { 'cache-control': 'no-cache' });
    expect(refreshed.headers.get('x-cache')).toBe('MISS');
    expect(refreshed.body.served).toBe(3);
    expect((await get(request, '/news/latest')).body.served).toBe(3);
  });

  it('never caches an authenticated response unless the route opts in, and then per principal and privately', async () => {
    served = 0;
    const { request } = await startGatewayHost([news]);
    const auth = (user: string) => ({ authorization: `Bearer ${user}` });
    const bypassed = await get(request, '/news/latest', auth('ada'));
    expect(bypassed.headers.get('x-cache')).toBe('BYPASS');
    expect((await get(request, '/news/latest', auth('ada'))).body.served).toBe(bypassed.body.served + 1);

    const mine = await get(request, '/news/mine', auth('ada'));
    expect(mine.headers.get('cache-control')).toBe('private, max-age=10');
    const again = await get(request, '/news/mine', auth('ada'));
    expect(again.headers.get('x-cache')).toBe('HIT');
    expect(again.body).toEqual(mine.body);
    const other = await get(request, '/news/mine', auth('grace'));
    expect(other.headers.get('x-cache')).toBe('MISS');
    expect(other.body).toMatchObject({ user: 'grace' });
  });

  it('stores only 200 responses', async () => {
    served = 0;
    const { request } = await startGatewayHost([news]);
    expect((await request('/news/missing')).status).toBe(404);
    expect((await request('/news/missing')).headers.get('x-cache')).toBe('MISS');
    const accepted = await get(request, '/news/flaky');
    expect(accepted.body.served).toBe(1);
    const ok = await get(request, '/news/flaky');
    expect(ok.headers.get('x-cache')).toBe('MISS');
    expect((await get(request, '/news/flaky')).headers.get('x-cache')).toBe('HIT');
  });

  it('drops what a plugin cached when it is reloaded, or when it invalidates', async () => {
    served = 0;
    let invalidate: (path?: string) => number = () => 0;
    const withInvalidate = definePlugin({
      name: 'news',
      version: '1.0.0',
      setup(ctx) {
        ctx.http.get('/latest', { cache: true }, () => ({ served: ++served }));
        invalidate = (path) => ctx.http.invalidate(path);
      },
    });
    const { host, request } = await startGatewayHost([withInvalidate]);
    await get(request, '/news/latest');
    expect((await get(request, '/news/latest')).headers.get('x-cache')).toBe('HIT');
    expect(invalidate('/other')).toBe(0);
    expect(invalidate('/latest')).toBe(1);
    expect((await get(request, '/news/latest')).headers.get('x-cache')).toBe('MISS');
    await host.reload('news');
    expect((await get(request, '/news/latest')).headers.get('x-cache')).toBe('MISS');
  });

  it('is off everywhere with cache: false', async () => {
    const { request } = await startGatewayHost([news], { cache: false });
    await request('/news/latest');
    expect((await request('/news/latest')).headers.get('x-cache')).toBeNull();
  });
});
