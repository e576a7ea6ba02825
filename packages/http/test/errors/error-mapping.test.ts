import { definePlugin, errors, TrellisError } from '@trellis/core';
import { afterEach, describe, expect, it } from 'vitest';
import { httpErrors } from '../../src/index.js';
import { startGatewayHost, stopAll } from '../support/gateway-host.js';

afterEach(stopAll);

interface Case {
  readonly error: unknown;
  readonly status: number;
  readonly code: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const CASES: Readonly<Record<string, Case>> = {
  validation: {
    error: errors.validation('users.get', 'params', [{ path: 'id', message: 'Expected number' }]),
    status: 400,
    code: 'E_VALIDATION',
  },
  'invalid-result': {
    error: errors.validation('users.get', 'result', [{ path: 'name', message: 'Required' }]),
    status: 500,
    code: 'E_VALIDATION',
  },
  'invalid-argument': {
    error: errors.invalidArgument('The id', 'a number', 'x'),
    status: 400,
    code: 'E_INVALID_ARGUMENT',
  },
  unauthenticated: {
    error: httpErrors.unauthenticated('No credentials.', ['bearer', 'api-key']),
    status: 401,
    code: 'E_UNAUTHENTICATED',
    headers: { 'www-authenticate': 'Bearer realm="trellis", Api-Key realm="trellis"' },
  },
  'permission-denied': {
    error: errors.permissionDenied('users', 'call', 'billing.charge'),
    status: 403,
    code: 'E_PERMISSION_DENIED',
  },
  'capability-not-found': {
    error: errors.capabilityNotFound('users.nope'),
    status: 404,
    code: 'E_CAPABILITY_NOT_FOUND',
  },
  'plugin-not-found': {
    error: errors.pluginNotFound('nope', ['users']),
    status: 404,
    code: 'E_PLUGIN_NOT_FOUND',
  },
  'task-not-found': { error: errors.taskNotFound('t-1'), status: 404, code: 'E_TASK_NOT_FOUND' },
  timeout: { error: errors.timeout('users.get', 100), status: 504, code: 'E_TIMEOUT' },
  'circuit-open': {
    error: errors.circuitOpen('users.get', 2_500),
    status: 503,
    code: 'E_CIRCUIT_OPEN',
    headers: { 'retry-after': '3' },
  },
  'bulkhead-full': {
    error: errors.bulkheadFull('users.get', 4, 0),
    status: 503,
    code: 'E_BULKHEAD_FULL',
    headers: { 'retry-after': '1' },
  },
  'rate-limited': {
    error: errors.rateLimited('users.get', 'web', 1_200),
    status: 429,
    code: 'E_RATE_LIMITED',
    headers: { 'retry-after': '2' },
  },
  'plugin-disabled': { error: errors.pluginDisabled('billing'), status: 503, code: 'E_PLUGIN_DISABLED' },
  'value-too-large': {
    error: errors.valueTooLarge('A state value', 2_000_000, 1_048_576),
    status: 413,
    code: 'E_VALUE_TOO_LARGE',
  },
  'plugin-code': {
    error: new TrellisError('E_QUOTA_EXCEEDED', 'Your quota is used up.'),
    status: 500,
    code: 'E_QUOTA_EXCEEDED',
  },
  'plugin-code-retryable': {
    error: new TrellisError('E_UPSTREAM_DOWN', 'The mail server does not answer.', { retryable: true }),
    status: 503,
    code: 'E_UPSTREAM_DOWN',
    headers: { 'retry-after': '1' },
  },
  'plugin-not-found-suffix': {
    error: new TrellisError('E_USER_NOT_FOUND', 'No user ada.'),
    status: 404,
    code: 'E_USER_NOT_FOUND',
  },
  'plugin-exists-suffix': {
    error: new TrellisError('E_USER_EXISTS', 'User ada exists.'),
    status: 409,
    code: 'E_USER_EXISTS',
  },
  'schedule-invalid': {
    error: errors.scheduleInvalid('digest', "'61 * * * *' is not valid"),
    status: 400,
    code: 'E_SCHEDULE_INVALID',
  },
};

const failing = definePlugin({
  name: 'failing',
  version: '1.0.0',
  setup(ctx) {
    ctx.http.get('/trellis/:case', (request) => {
      throw CASES[request.params.case ?? '']?.error;
    });
    ctx.http.get('/unexpected', () => {
      throw new Error('connection to db://admin:hunter2@10.0.0.5 refused');
    });
    ctx.provide('failing.crash', () => {
      throw new Error('secret internal detail hunter2');
    });
    ctx.http.expose('failing.crash');
  },
});

describe('error responses through real HTTP', () => {
  it.each(Object.entries(CASES))('%s answers its status with the error body', async (name, expected) => {
    const { request } = await startGatewayHost([failing]);
    const response = await request(`/failing/trellis/${name}`);
    expect(response.status).toBe(expected.status);
    const body = (await response.json()) as {
      error: { code: string; message: string; details: Record<string, unknown> };
    };
    expect(body.error.code).toBe(expected.code);
    expect(body.error.message).toBe((expected.error as TrellisError).message);
    expect(body.error.details.requestId).toBe(response.headers.get('x-request-id'));
    for (const [header, value] of Object.entries(expected.headers ?? {}))
      expect(response.headers.get(header)).toBe(value);
    if (expected.headers?.['retry-after'] === undefined)
      expect(response.headers.get('retry-after')).toBeNull();
  });

  it('answers an unexpected error with 500 E_INTERNAL, without its message or stack', async () => {
    const { request } = await startGatewayHost([failing]);
    const response = await request('/failing/unexpected');
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('at ');
    const body = JSON.parse(text) as { error: { code: string; details: { requestId: string } } };
    expect(body.error.code).toBe('E_INTERNAL');
    expect(body.error.details.requestId).toBe(response.headers.get('x-request-id'));
  });

  it("hides the message of a capability's unexpected exception behind E_CAPABILITY_FAILED", async () => {
    const { json } = await startGatewayHost([failing]);
    const { status, body } = await json<{
      error: { code: string; message: string; details: Record<string, unknown> };
    }>('/api/failing.crash', { method: 'POST' });
    expect(status).toBe(500);
    expect(body.error.code).toBe('E_CAPABILITY_FAILED');
    expect(body.error.message).not.toContain('hunter2');
    expect(body.error.details).toMatchObject({ capability: 'failing.crash', plugin: 'failing' });
  });

  it('answers an unknown path with 404 E_ROUTE_NOT_FOUND and a known path with another method with 405 and Allow', async () => {
    const { request } = await startGatewayHost([failing]);
    const missing = await request('/nowhere?x=1');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      error: { code: 'E_ROUTE_NOT_FOUND', details: { method: 'GET', path: '/nowhere' } },
    });
    const wrongMethod = await request('/failing/unexpected', { method: 'PUT' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');
    expect(await wrongMethod.json()).toMatchObject({ error: { code: 'E_METHOD_NOT_ALLOWED' } });
  });

  it('adopts a sane x-request-id from the client and replaces an unsafe one', async () => {
    const { request } = await startGatewayHost([failing]);
    const adopted = await request('/failing/unexpected', { headers: { 'x-request-id': 'trace-42' } });
    expect(adopted.headers.get('x-request-id')).toBe('trace-42');
    const replaced = await request('/failing/unexpected', { headers: { 'x-request-id': 'bad id <script>' } });
    expect(replaced.headers.get('x-request-id')).not.toBe('bad id <script>');
    expect(replaced.headers.get('x-request-id')).toMatch(/^[\w.:-]+$/);
  });
});
