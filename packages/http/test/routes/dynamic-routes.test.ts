import { definePlugin, type Plugin } from '@trellis/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startGatewayHost, stopAll } from '../support/gateway-host.js';

afterEach(stopAll);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function versioned(
  version: string,
  options: { readonly setupDelay?: number; readonly fail?: boolean } = {},
): Plugin {
  return definePlugin({
    name: 'catalog',
    version,
    async setup(ctx) {
      ctx.http.get('/version', () => ({ version }));
      if (version === '1.0.0') {
        ctx.http.get('/legacy', () => ({ legacy: true }));
        ctx.http.get('/items/:id', (request) => ({ id: request.params.id }));
      } else {
        ctx.http.get('/items/:itemId', (request) => ({ itemId: request.params.itemId }));
      }
      if (options.setupDelay !== undefined) await pause(options.setupDelay);
      if (options.fail === true) throw new Error('the new version cannot start');
    },
    async teardown() {
      await pause(10);
    },
  });
}

describe('dynamic routes', () => {
  it('answer 503 E_PLUGIN_DISABLED while their plugin is disabled, and serve again once it is enabled', async () => {
    const { host, json } = await startGatewayHost([versioned('1.0.0')]);
    expect(await json('/catalog/version')).toMatchObject({ status: 200 });
    await host.disable('catalog');
    const disabled = await json('/catalog/version');
    expect(disabled).toMatchObject({
      status: 503,
      body: { error: { code: 'E_PLUGIN_DISABLED', details: { plugin: 'catalog' } } },
    });
    await host.enable('catalog');
    expect(await json('/catalog/version')).toMatchObject({ status: 200, body: { version: '1.0.0' } });
  });

  it('answer 503 E_PLUGIN_FAILED naming the plugin when its setup failed after declaring them', async () => {
    const { json } = await startGatewayHost([versioned('2.0.0', { fail: true })]);
    const { status, body } = await json<{ error: { code: string; message: string } }>('/catalog/version');
    expect(status).toBe(503);
    expect(body.error.code).toBe('E_PLUGIN_FAILED');
    expect(body.error.message).toContain("plugin 'catalog' failed");
  });

  it('swap handlers on reload while the server keeps its port and every looping request succeeds', async () => {
    const { host, url, request } = await startGatewayHost([versioned('1.0.0')]);
    const outcomes: Array<{ status: number; version?: string; startedAt: number; endedAt: number }> = [];
    let looping = true;
    // Four clients looping at once, so requests arrive in every phase of the reload.
    const loop = Promise.all(
      [1, 2, 3, 4].map(async () => {
        while (looping) {
          const startedAt = performance.now();
          const response = await request('/catalog/version');
          const body = (await response.json()) as { version?: string };
          outcomes.push({
            status: response.status,
            version: body.version,
            startedAt,
            endedAt: performance.now(),
          });
        }
      }),
    );
    await pause(20);
    const reloadStartedAt = performance.now();
    await host.reload('catalog', versioned('2.0.0', { setupDelay: 60 }));
    const reloadEndedAt = performance.now();
    await pause(20);
    looping = false;
    await loop;
    expect(outcomes.filter((outcome) => outcome.status !== 200)).toEqual([]);
    expect(
      outcomes.some((outcome) => outcome.startedAt < reloadEndedAt && outcome.endedAt > reloadStartedAt),
    ).toBe(true);
    const answeredAfter = outcomes.filter((outcome) => outcome.startedAt > reloadEndedAt);
    expect(answeredAfter.length).toBeGreaterThan(0);
    expect(answeredAfter.every((outcome) => outcome.version === '2.0.0')).toBe(true);
    expect(
      outcomes
        .filter((outcome) => outcome.endedAt < reloadStartedAt)
        .every((outcome) => outcome.version === '1.0.0'),
    ).toBe(true);
    expect((await request('/catalog/version')).url.startsWith(url)).toBe(true);
  });

  it('drop routes the new version no longer declares, and follow a renamed path parameter', async () => {
    const { host, json } = await startGatewayHost([versioned('1.0.0')]);
    expect(await json('/catalog/legacy')).toMatchObject({ status: 200 });
    await host.reload('catalog', versioned('2.0.0'));
    expect(await json('/catalog/legacy')).toMatchObject({
      status: 404,
      body: { error: { code: 'E_ROUTE_NOT_FOUND' } },
    });
    expect(await json('/catalog/items/5')).toMatchObject({ status: 200, body: { itemId: '5' } });
  });

  it('keep serving the previous version when a reload fails and is rolled back', async () => {
    const { host, json } = await startGatewayHost([versioned('1.0.0')]);
    await expect(host.reload('catalog', versioned('2.0.0', { fail: true }))).rejects.toMatchObject({
      code: 'E_RELOAD_FAILED',
    });
    expect(await json('/catalog/version')).toMatchObject({ status: 200, body: { version: '1.0.0' } });
    expect(await json('/catalog/items/3')).toMatchObject({ status: 200, body: { id: '3' } });
  });

  it('list each route with its plugin and state', async () => {
    const { host, gateway } = await startGatewayHost([versioned('1.0.0')]);
    expect(gateway.routes().filter((route) => route.plugin === 'catalog')).toEqual([
      { method: 'GET', path: '/catalog/items/:id', plugin: 'catalog', state: 'serving', chain: ['handler'] },
      { method: 'GET', path: '/catalog/legacy', plugin: 'catalog', state: 'serving', chain: ['handler'] },
      { method: 'GET', path: '/catalog/version', plugin: 'catalog', state: 'serving', chain: ['handler'] },
    ]);
    await host.disable('catalog');
    expect(
      gateway
        .routes()
        .filter((route) => route.plugin === 'catalog')
        .map((route) => route.state),
    ).toEqual(['unavailable', 'unavailable', 'unavailable']);
  });
});
