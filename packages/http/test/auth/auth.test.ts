import { definePlugin, type Principal, TrellisError } from '@trellis/core';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startGatewayHost, stopAll } from '../support/gateway-host.js';

afterEach(stopAll);

const TOKENS: Readonly<Record<string, Principal>> = {
  alice: { id: 'alice', scheme: 'bearer', roles: ['admin'], scopes: ['users:read', 'users:list'] },
  bob: { id: 'bob', scheme: 'bearer', roles: [], scopes: ['users:read'] },
};

const auth = definePlugin({
  name: 'auth',
  version: '1.0.0',
  setup(ctx) {
    ctx.auth.provide('bearer', (request) => {
      const token = request.headers.authorization?.slice('Bearer '.length);
      if (token === undefined) return undefined;
      const principal = TOKENS[token];
      if (principal === undefined)
        throw new TrellisError('E_UNAUTHENTICATED', 'The token is unknown or expired.');
      return principal;
    });
    ctx.auth.provide('api-key', (request) =>
      request.headers['x-api-key'] === 'service-key'
        ? { id: 'reporting', scheme: 'api-key', scopes: ['users:read'] }
        : undefined,
    );
    ctx.auth.provide('broken', (request) =>
      request.headers['x-broken'] === undefined ? undefined : ({ name: 'no id' } as unknown as Principal),
    );
  },
});

const users = definePlugin({
  name: 'users',
  version: '1.0.0',
  setup(ctx) {
    ctx.http.get('/me', { auth: true }, (request) => request.principal);
    ctx.http.get('/admin', { auth: { roles: ['admin'] } }, () => ({ admin: true }));
    ctx.http.get('/list', { auth: { scopes: ['users:read', 'users:list'] } }, () => ({ listed: true }));
    ctx.http.get('/bearer-only', { auth: { schemes: ['bearer'] } }, () => ({ ok: true }));
    ctx.http.get('/public', (request) => ({ principal: request.principal?.id ?? null }));
    ctx.provide('users.whoami', (_params, call) => ({
      principal: call.principal?.id ?? null,
      caller: call.caller,
    }));
    ctx.http.expose('users.whoami', { auth: true });
  },
});

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('authentication and authorization', () => {
  it('answers 401 with a challenge per registered scheme when credentials are missing', async () => {
    const { request } = await startGatewayHost([auth, users]);
    const response = await request('/users/me');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="trellis", Api-Key realm="trellis", Broken realm="trellis"',
    );
    expect(await response.json()).toMatchObject({
      error: { code: 'E_UNAUTHENTICATED', details: { schemes: ['bearer', 'api-key', 'broken'] } },
    });
  });

  it("answers 401 with the provider's reason when credentials are rejected, even on an open route", async () => {
    const { json } = await startGatewayHost([auth, users]);
    for (const path of ['/users/me', '/users/public']) {
      const { status, body } = await json<{ error: { code: string; message: string } }>(
        path,
        bearer('mallory'),
      );
      expect(status).toBe(401);
      expect(body.error.code).toBe('E_UNAUTHENTICATED');
      expect(body.error.message).toContain('The token is unknown or expired.');
    }
  });

  it('lets the principal through to the handler, and to capabilities as call.principal', async () => {
    const { json } = await startGatewayHost([auth, users]);
    expect(await json('/users/me', bearer('alice'))).toMatchObject({
      status: 200,
      body: { id: 'alice', roles: ['admin'] },
    });
    expect(await json('/users/public')).toMatchObject({ status: 200, body: { principal: null } });
    expect(await json('/users/public', bearer('bob'))).toMatchObject({
      status: 200,
      body: { principal: 'bob' },
    });
    expect(
      await json('/api/users.whoami', {
        ...postJson({}),
        headers: { 'content-type': 'application/json', authorization: 'Bearer bob' },
      }),
    ).toMatchObject({
      status: 200,
      body: { principal: 'bob', caller: 'users' },
    });
  });

  it('answers 403 naming the missing role or scope', async () => {
    const { json } = await startGatewayHost([auth, users]);
    expect(await json('/users/admin', bearer('alice'))).toMatchObject({ status: 200 });
    const noRole = await json<{ error: { message: string } }>('/users/admin', bearer('bob'));
    expect(noRole).toMatchObject({
      status: 403,
      body: {
        error: {
          code: 'E_PERMISSION_DENIED',
          details: { principal: 'bob', missingRoles: ['admin'], missingScopes: [] },
        },
      },
    });
    expect(noRole.body.error.message).toContain("role 'admin'");
    const noScope = await json<{ error: { message: string } }>('/users/list', bearer('bob'));
    expect(noScope).toMatchObject({
      status: 403,
      body: { error: { details: { missingScopes: ['users:list'] } } },
    });
    expect(noScope.body.error.message).toContain("scope 'users:list'");
  });

  it('tries the other providers when the Authorization header names none, and enforces required schemes', async () => {
    const { json } = await startGatewayHost([auth, users]);
    const key = { headers: { 'x-api-key': 'service-key' } };
    expect(await json('/users/me', key)).toMatchObject({
      status: 200,
      body: { id: 'reporting', scheme: 'api-key' },
    });
    expect(await json('/users/bearer-only', key)).toMatchObject({
      status: 403,
      body: { error: { code: 'E_PERMISSION_DENIED', details: { requiredSchemes: ['bearer'] } } },
    });
    expect(await json('/users/bearer-only', bearer('bob'))).toMatchObject({ status: 200 });
  });

  it('answers 500 when a provider resolves something that is not a principal', async () => {
    const { json } = await startGatewayHost([auth, users]);
    expect(await json('/users/public', { headers: { 'x-broken': '1' } })).toMatchObject({
      status: 500,
      body: { error: { code: 'E_AUTH_PROVIDER_INVALID', details: { scheme: 'broken', plugin: 'auth' } } },
    });
  });

  it('forgets the providers of a plugin once it stops', async () => {
    const { host, request } = await startGatewayHost([auth, users]);
    expect((await request('/users/me', bearer('alice'))).status).toBe(200);
    await host.disable('auth');
    const response = await request('/users/me', bearer('alice'));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBeNull();
    expect(await response.json()).toMatchObject({
      error: { message: expect.stringContaining('No auth provider is registered') },
    });
    await host.enable('auth');
    expect((await request('/users/me', bearer('alice'))).status).toBe(200);
  });

  it('refuses a second provider of a scheme, naming both plugins', async () => {
    const copycat = definePlugin({
      name: 'copycat',
      version: '1.0.0',
      dependencies: ['auth'],
      setup(ctx) {
        ctx.auth.provide('Bearer', () => undefined);
      },
    });
    const { host } = await startGatewayHost([auth, copycat]);
    const failed = host.plugins().find((plugin) => plugin.name === 'copycat');
    expect(failed?.error?.cause).toMatchObject({
      code: 'E_AUTH_PROVIDER_DUPLICATE',
      details: { scheme: 'bearer', owner: 'auth', claimant: 'copycat' },
    });
  });
});
