import { definePlugin } from '@trellis/core';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { isSensitiveName, redactUrl } from '../../src/index.js';
import { postJson, startGatewayHost, stopAll } from '../support/gateway-host.js';

afterEach(stopAll);

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info', redact: { paths: ['*.password', '*.*.password', '*.token'], censor: '[redacted]' } },
    { write: (line: string) => lines.push(JSON.parse(line)) },
  );
  return { logger, lines, requests: () => lines.filter((line) => line.msg === 'request completed') };
}

const accounts = definePlugin({
  name: 'accounts',
  version: '1.0.0',
  setup(ctx) {
    ctx.http.post('/login', (request) => ({
      user: (request.body as { user: string }).user,
      token: 'session-secret',
    }));
  },
});

describe('request logging', () => {
  it('logs method, path, route, status, duration and request id of every request', async () => {
    const { logger, requests } = capturingLogger();
    const { request } = await startGatewayHost([accounts], { logger });
    const response = await request('/accounts/login', postJson({ user: 'ada', password: 'pw' }));
    await request('/nowhere');
    expect(requests()).toEqual([
      expect.objectContaining({
        requestId: response.headers.get('x-request-id'),
        method: 'POST',
        url: '/accounts/login',
        route: '/accounts/login',
        plugin: 'accounts',
        status: 200,
        durationMs: expect.any(Number),
        ip: '127.0.0.1',
      }),
      expect.objectContaining({ method: 'GET', url: '/nowhere', route: 'unmatched', status: 404 }),
    ]);
    expect(requests()[0]).not.toHaveProperty('requestBody');
  });

  it('logs bodies when asked, with secrets redacted, and redacts secrets in query strings', async () => {
    const { logger, requests } = capturingLogger();
    const { request } = await startGatewayHost([accounts], { logger, logging: { bodies: true } });
    await request('/accounts/login?access_token=abc123&page=2', postJson({ user: 'ada', password: 'pw' }));
    const [line] = requests();
    expect(line).toMatchObject({
      url: '/accounts/login?access_token=[redacted]&page=2',
      requestBody: { user: 'ada', password: '[redacted]' },
      responseBody: { user: 'ada', token: '[redacted]' },
    });
    expect(JSON.stringify(line)).not.toContain('abc123');
  });

  it('logs nothing per request with logging: false', async () => {
    const { logger, requests } = capturingLogger();
    const { request } = await startGatewayHost([accounts], { logger, logging: false });
    await request('/accounts/login', postJson({ user: 'ada' }));
    expect(requests()).toEqual([]);
  });
});

describe('redactUrl', () => {
  it('hides the value of every sensitive query parameter and keeps everything else', () => {
    const name = fc.stringMatching(/^[a-z_]{1,12}$/);
    const value = fc.stringMatching(/^[a-z0-9]{1,12}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 6 }), (parameters) => {
        const query = parameters.map(([key, val]) => `${key}=${val}`).join('&');
        const redacted = redactUrl(`/path?${query}`);
        const kept = redacted.slice('/path?'.length).split('&');
        parameters.forEach(([key, val], index) => {
          expect(kept[index]).toBe(isSensitiveName(key) ? `${key}=[redacted]` : `${key}=${val}`);
        });
      }),
    );
    expect(redactUrl('/plain')).toBe('/plain');
    expect(isSensitiveName('apiKey')).toBe(true);
    expect(isSensitiveName('client-secret')).toBe(true);
    expect(isSensitiveName('page')).toBe(false);
  });
});
