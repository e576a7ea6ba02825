import { createHost, definePlugin, type Host } from '@trellis/core';
import { type HttpGateway, httpSurface } from '@trellis/http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_SCHEME } from '../../src/admin/admin-api.js';
import { adminPlugin } from '../../src/admin/admin-plugin.js';

const TOKEN = 'a-very-secret-admin-token';

describe('the admin API', () => {
  let host: Host;
  let gateway: HttpGateway;
  const reloads: string[] = [];

  beforeEach(async () => {
    reloads.length = 0;
    gateway = httpSurface({ listen: false, logging: false });
    const store = definePlugin({
      name: 'store',
      version: '1.0.0',
      setup(ctx) {
        ctx.http.get('/', () => ({ ok: true }));
      },
    });
    const users = definePlugin({
      name: '@acme/users',
      version: '2.0.0',
      dependencies: ['store'],
      setup() {},
    });
    host = createHost({
      plugins: [
        store,
        users,
        adminPlugin({
          token: TOKEN,
          host: () => host,
          gateway,
          reload: async (name) => {
            reloads.push(name);
            await host.reload(name);
          },
          origin: (name) =>
            name === 'store' ? { origin: 'directory', directory: '/p/plugins/store' } : undefined,
          version: '0.1.0',
        }),
      ],
      surfaces: [gateway],
      logger: { level: 'silent' },
    });
    await host.start();
  });

  afterEach(() => host.stop());

  function request(method: 'GET' | 'POST', url: string, token: string | null = TOKEN) {
    return gateway.inject({
      method,
      url: `/_trellis${url}`,
      headers: token === null ? {} : { authorization: `Trellis-Admin ${token}` },
    });
  }

  it('lists the plugins without itself, with their dependents', async () => {
    const response = await request('GET', '/plugins');
    expect(response.statusCode).toBe(200);
    const { plugins } = response.json();
    expect(plugins.map((plugin: { name: string; state: string }) => [plugin.name, plugin.state])).toEqual([
      ['store', 'running'],
      ['@acme/users', 'running'],
    ]);
    expect(plugins[0]).toMatchObject({
      dependents: ['@acme/users'],
      origin: 'directory',
      directory: '/p/plugins/store',
    });
  });

  it('refuses requests without the right token', async () => {
    expect((await request('GET', '/plugins', null)).statusCode).toBe(401);
    const wrong = await request('POST', '/plugins/store/disable', 'guess');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('E_UNAUTHENTICATED');
    expect((await request('GET', '/plugins', `${TOKEN}x`)).statusCode).toBe(401);
    expect(host.plugins().find((plugin) => plugin.name === 'store')?.state).toBe('running');
    // Other schemes are left to other providers: the admin provider does not reject them.
    const bearer = await gateway.inject({ url: '/store', headers: { authorization: 'Bearer abc' } });
    expect(bearer.statusCode).toBe(200);
  });

  it('disables and enables a plugin with its dependents, addressed by a scoped name too', async () => {
    const disabled = await request('POST', '/plugins/store/disable');
    expect(disabled.statusCode).toBe(200);
    const body = disabled.json();
    expect(body.plugin.state).toBe('disabled');
    expect(body.plugins.find((plugin: { name: string }) => plugin.name === '@acme/users')).toMatchObject({
      state: 'disabled',
      disabledBy: 'store',
    });
    expect((await gateway.inject('/store')).statusCode).toBe(503);
    expect((await request('POST', '/plugins/store/enable')).json().plugin.state).toBe('running');
    expect((await gateway.inject('/store')).statusCode).toBe(200);
    const scoped = await request('POST', `/plugins/${encodeURIComponent('@acme/users')}/disable`);
    expect(scoped.json().plugin).toMatchObject({ name: '@acme/users', state: 'disabled' });
  });

  it('reloads through the given function', async () => {
    const reloaded = await request('POST', '/plugins/store/reload');
    expect(reloaded.statusCode).toBe(200);
    expect(reloads).toEqual(['store']);
  });

  it('describes one plugin with its routes', async () => {
    const detail = (await request('GET', '/plugins/store')).json().plugin;
    expect(detail.routes).toEqual([
      expect.objectContaining({ method: 'GET', path: '/store', state: 'serving' }),
    ]);
  });

  it('answers 404 for an unknown plugin or action and 409 for itself', async () => {
    const missing = await request('POST', '/plugins/nope/disable');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('E_PLUGIN_NOT_FOUND');
    expect(missing.json().error.message).toContain('store, @acme/users');
    expect((await request('GET', '/plugins/nope')).statusCode).toBe(404);
    expect((await request('POST', '/plugins/store/explode')).statusCode).toBe(404);
    const itself = await request('POST', `/plugins/${encodeURIComponent('@trellis/admin')}/disable`);
    expect(itself.statusCode).toBe(409);
    expect(itself.json().error.code).toBe('E_ADMIN_PROTECTED');
    expect(ADMIN_SCHEME).toBe('trellis-admin');
  });
});
