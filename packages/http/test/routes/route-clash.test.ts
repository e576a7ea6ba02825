import { createHost, definePlugin } from '@trellis/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpGateway, httpSurface } from '../../src/index.js';
import { startGatewayHost, stopAll } from '../support/gateway-host.js';

afterEach(stopAll);

describe('route clashes', () => {
  it('fail the later plugin with E_SETUP_FAILED naming both owners, and leave the earlier one serving', async () => {
    const first = definePlugin({
      name: 'first',
      version: '1.0.0',
      setup(ctx) {
        ctx.http.get('/shared', { prefix: false }, () => ({ owner: 'first' }));
        ctx.http.get('/items/:id', { prefix: false }, () => ({ owner: 'first' }));
      },
    });
    const samePath = definePlugin({
      name: 'same-path',
      version: '1.0.0',
      dependencies: ['first'],
      setup(ctx) {
        ctx.http.get('/shared', { prefix: false }, () => ({ owner: 'same-path' }));
      },
    });
    const sameShape = definePlugin({
      name: 'same-shape',
      version: '1.0.0',
      dependencies: ['first'],
      setup(ctx) {
        ctx.http.get('/items/:name', { prefix: false }, () => ({ owner: 'same-shape' }));
      },
    });
    const { host, json } = await startGatewayHost([first, samePath, sameShape]);
    const byName = new Map(host.plugins().map((plugin) => [plugin.name, plugin]));
    expect(byName.get('first')?.state).toBe('running');
    for (const [name, path] of [
      ['same-path', 'GET /shared'],
      ['same-shape', 'GET /items/:id'],
    ] as const) {
      const plugin = byName.get(name)!;
      expect(plugin.state).toBe('failed');
      expect(plugin.error?.code).toBe('E_SETUP_FAILED');
      expect(plugin.error?.message).toContain(`plugin '${name}'`);
      expect(plugin.error?.message).toContain(`plugin 'first'`);
      expect(plugin.error?.message).toContain(path.split(' ')[1]);
      expect(plugin.error?.cause).toMatchObject({
        code: 'E_ROUTE_CLASH',
        details: { owner: name, existingOwner: 'first' },
      });
    }
    expect(await json('/shared')).toMatchObject({ status: 200, body: { owner: 'first' } });
    expect(await json('/items/1')).toMatchObject({ status: 200, body: { owner: 'first' } });
  });

  it("refuse a plugin route on one of the gateway's own paths", async () => {
    const plugins = ['/health/live', '/metrics', '/openapi.json', '/graphql'].map((path, index) =>
      definePlugin({
        name: `taker-${index}`,
        version: '1.0.0',
        setup(ctx) {
          ctx.http.get(path, { prefix: false }, () => 'mine');
        },
      }),
    );
    const { host, request } = await startGatewayHost(plugins);
    for (const plugin of host.plugins()) {
      expect(plugin.state).toBe('failed');
      expect(plugin.error?.cause).toMatchObject({
        code: 'E_ROUTE_CLASH',
        details: { existingOwner: 'http gateway' },
      });
      expect(plugin.error?.message).toContain('the HTTP gateway itself');
    }
    expect(await (await request('/health/live')).json()).toEqual({ status: 'ok' });
  });

  it('withdraw, and log naming both owners, a plugin route that a Fastify route took over before the start', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    let gateway: HttpGateway | undefined;
    const plugin = definePlugin({
      name: 'admin',
      version: '1.0.0',
      setup(ctx) {
        ctx.http.get('/admin', { prefix: false }, () => 'plugin');
        gateway?.fastify.get('/admin', () => 'fastify');
      },
    });
    gateway = httpSurface({ port: 0, logger });
    const host = createHost({ plugins: [plugin], surfaces: [gateway], logger: { level: 'silent' } });
    await host.start();
    try {
      expect(await (await fetch(`${gateway.url}/admin`)).text()).toBe('fastify');
      expect(gateway.routes().some((route) => route.path === '/admin')).toBe(false);
      expect(lines).toContainEqual(
        expect.objectContaining({
          plugin: 'admin',
          err: expect.objectContaining({
            code: 'E_ROUTE_CLASH',
            message: expect.stringContaining("plugin 'admin'"),
          }),
        }),
      );
    } finally {
      await host.stop();
    }
  });

  it('refuse the same route twice from one plugin', async () => {
    const twice = definePlugin({
      name: 'twice',
      version: '1.0.0',
      setup(ctx) {
        ctx.http.get('/a', () => 1);
        ctx.http.get('/a', () => 2);
      },
    });
    const { host } = await startGatewayHost([twice]);
    expect(host.plugins()[0]?.error?.cause).toMatchObject({
      code: 'E_ROUTE_CLASH',
      details: { owner: 'twice', existingOwner: 'twice', path: '/twice/a' },
    });
  });
});
