import { definePlugin, systemClock } from '@trellis/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientRateLimiter } from '../../src/middleware/rate-limiter.js';
import { startGatewayHost, stopAll } from '../support/gateway-host.js';
import { ManualClock } from '../support/manual-clock.js';

afterEach(stopAll);

const api = definePlugin({
  name: 'api',
  version: '1.0.0',
  setup(ctx) {
    ctx.auth.provide('bearer', (request) => {
      const user = request.headers.authorization?.slice('Bearer '.length);
      return user === undefined ? undefined : { id: user, scheme: 'bearer' };
    });
    ctx.http.get('/limited', { rateLimit: { limit: 2, intervalMs: 60_000 } }, () => 'ok');
    ctx.http.get('/by-ip', { rateLimit: { limit: 1, intervalMs: 60_000, key: 'ip' } }, () => 'ok');
    ctx.http.get('/free', { rateLimit: false }, () => 'ok');
    ctx.http.get('/default', () => 'ok');
  },
});

describe('rate limiting', () => {
  it('answers 429 E_RATE_LIMITED with Retry-After once a client used its tokens', async () => {
    const { request } = await startGatewayHost([api]);
    expect((await request('/api/limited')).status).toBe(200);
    expect((await request('/api/limited')).status).toBe(200);
    const limited = await request('/api/limited');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({
      error: { code: 'E_RATE_LIMITED', details: { route: 'GET /api/limited', client: 'ip:127.0.0.1' } },
    });
  });

  it('counts per principal when authenticated, per IP otherwise or when told', async () => {
    const { request } = await startGatewayHost([api]);
    const as = (user: string) => ({ headers: { authorization: `Bearer ${user}` } });
    for (let index = 0; index < 2; index += 1)
      expect((await request('/api/limited', as('ada'))).status).toBe(200);
    expect((await request('/api/limited', as('ada'))).status).toBe(429);
    expect((await request('/api/limited', as('grace'))).status).toBe(200);
    expect((await request('/api/by-ip', as('ada'))).status).toBe(200);
    expect((await request('/api/by-ip', as('grace'))).status).toBe(429);
  });

  it("applies the gateway's default limit to routes without their own, except those opting out", async () => {
    const { request } = await startGatewayHost([api], { rateLimit: { limit: 1, intervalMs: 60_000 } });
    expect((await request('/api/default')).status).toBe(200);
    expect((await request('/api/default')).status).toBe(429);
    for (let index = 0; index < 3; index += 1) expect((await request('/api/free')).status).toBe(200);
    expect((await request('/health/live')).status).toBe(200);
    expect((await request('/health/live')).status).toBe(200);
  });
});

describe('ClientRateLimiter', () => {
  it('refills continuously: a token every interval / limit', () => {
    const clock = new ManualClock();
    const limiter = new ClientRateLimiter({ limit: 10, intervalMs: 1_000 }, clock);
    for (let index = 0; index < 10; index += 1) expect(limiter.take('c')).toBe(0);
    expect(limiter.take('c')).toBe(100);
    clock.advance(100);
    expect(limiter.take('c')).toBe(0);
    expect(limiter.take('c')).toBe(100);
  });

  it('never grants more than the burst plus what the elapsed time refilled', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 60 }),
        (limit, burst, gaps) => {
          const clock = new ManualClock();
          const limiter = new ClientRateLimiter({ limit, intervalMs: 1_000, burst }, clock);
          let granted = 0;
          let elapsed = 0;
          for (const gap of gaps) {
            clock.advance(gap);
            elapsed += gap;
            if (limiter.take('client') === 0) granted += 1;
            expect(granted).toBeLessThanOrEqual(burst + Math.floor((elapsed * limit) / 1_000) + 1);
          }
        },
      ),
    );
  });

  it('refuses malformed options', () => {
    expect(() => new ClientRateLimiter({ limit: -1 }, systemClock)).toThrow(/rateLimit\.limit/);
    expect(() => new ClientRateLimiter({ limit: 1, intervalMs: 0 }, systemClock)).toThrow(
      /rateLimit\.intervalMs/,
    );
    expect(() => new ClientRateLimiter({ limit: 1, key: 'cookie' as 'ip' }, systemClock)).toThrow(
      /rateLimit\.key/,
    );
  });
});
