import { ERROR_CODES, TrellisError } from '@trellis/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  errorBody,
  errorHeaders,
  HTTP_ERROR_CODES,
  publicError,
  REALTIME_ERROR_CODES,
  STATUS_BY_CODE,
  statusForError,
} from '../../src/index.js';

describe('statusForError', () => {
  it('gives every listed code a 4xx or 5xx status and anything else 500', () => {
    for (const status of Object.values(STATUS_BY_CODE)) expect(status >= 400 && status < 600).toBe(true);
    expect(statusForError(new Error('x'))).toBe(500);
    expect(statusForError('a string')).toBe(500);
    expect(statusForError(new TrellisError('E_SOMETHING_NEW', 'new'))).toBe(500);
  });

  it('maps every code the gateway raises itself, except the internal ones', () => {
    const internal = new Set([
      'E_ROUTE_CLASH',
      'E_ROUTE_INVALID',
      'E_AUTH_PROVIDER_DUPLICATE',
      'E_AUTH_PROVIDER_INVALID',
      'E_HEALTH_CHECK_DUPLICATE',
      'E_SURFACE_DISABLED',
      'E_INTERNAL',
    ]);
    for (const code of HTTP_ERROR_CODES)
      if (!internal.has(code)) expect(STATUS_BY_CODE[code], code).toBeDefined();
    for (const code of Object.keys(STATUS_BY_CODE))
      expect([...ERROR_CODES, ...HTTP_ERROR_CODES, ...REALTIME_ERROR_CODES] as string[]).toContain(code);
  });
});

describe('errorBody', () => {
  it('always has code, message and details with the request id, and never the message of a foreign error', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.stringMatching(/^[\w-]{1,20}$/),
        fc.boolean(),
        (message, requestId, trellis) => {
          const error = trellis
            ? new TrellisError('E_VALIDATION', message, { details: { field: 'x' } })
            : new Error(message);
          const body = errorBody(error, requestId);
          expect(body.error.details.requestId).toBe(requestId);
          if (trellis)
            expect(body.error).toMatchObject({ code: 'E_VALIDATION', message, details: { field: 'x' } });
          else expect(body.error.code).toBe('E_INTERNAL');
          if (!trellis && message.length > 3)
            expect(JSON.stringify(body)).not.toContain(JSON.stringify(message).slice(1, -1));
        },
      ),
    );
  });

  it('replaces the message of E_CAPABILITY_FAILED, keeping capability and plugin', () => {
    const failed = new TrellisError(
      'E_CAPABILITY_FAILED',
      "Capability 'a.b' of plugin 'a' failed: password=hunter2.",
      {
        details: { capability: 'a.b', plugin: 'a' },
      },
    );
    const visible = publicError(failed);
    expect(visible.message).not.toContain('hunter2');
    expect(visible.details).toEqual({ capability: 'a.b', plugin: 'a' });
  });
});

describe('errorHeaders', () => {
  it('rounds retryAfterMs up to whole seconds for retryable 429 and 503', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600_000 }), (retryAfterMs) => {
        const error = new TrellisError('E_RATE_LIMITED', 'slow down', {
          details: { retryAfterMs },
          retryable: true,
        });
        expect(Number(errorHeaders(error)['retry-after'])).toBe(Math.ceil(retryAfterMs / 1000));
      }),
    );
    expect(errorHeaders(new TrellisError('E_PLUGIN_DISABLED', 'off'))).toEqual({});
    expect(errorHeaders(new TrellisError('E_VALIDATION', 'bad', { retryable: true }))).toEqual({});
  });
});
