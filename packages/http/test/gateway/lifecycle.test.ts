import { createServer, type Server } from 'node:net';
import { createHost, definePlugin, TrellisError } from '@trellis/core';
import { afterEach, describe, expect, it } from 'vitest';
import { httpSurface } from '../../src/index.js';
import { startGatewayHost, stopAll } from '../support/gateway-host.js';

const servers: Server[] = [];
afterEach(async () => {
  await stopAll();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function occupiedPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

describe('gateway lifecycle', () => {
  it('fails the start with E_SURFACE_START_FAILED when the port is taken, and stops the host cleanly', async () => {
    const port = await occupiedPort();
    const torn: string[] = [];
    const plugin = definePlugin({
      name: 'users',
      version: '1.0.0',
      setup(ctx) {
        ctx.http.get('/', () => 'ok');
      },
      teardown() {
        torn.push('users');
      },
    });
    const host = createHost({
      plugins: [plugin],
      surfaces: [httpSurface({ port })],
      logger: { level: 'silent' },
    });
    const failure = await host.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TrellisError);
    expect(failure).toMatchObject({ code: 'E_SURFACE_START_FAILED', details: { surface: 'http' } });
    expect((failure as TrellisError).message).toContain('EADDRINUSE');
    expect(host.state).toBe('stopped');
    expect(host.plugins()).toMatchObject([{ name: 'users', state: 'stopped' }]);
    expect(torn).toEqual(['users']);
  });

  it('serves inject() without a port when listen is false, and refuses it before the start', async () => {
    const plugin = definePlugin({
      name: 'users',
      version: '1.0.0',
      setup(ctx) {
        ctx.http.get('/:id', (request) => ({ id: request.params.id }));
      },
    });
    const gateway = httpSurface({ listen: false });
    const host = createHost({ plugins: [plugin], surfaces: [gateway], logger: { level: 'silent' } });
    expect(() => gateway.inject('/users/1')).toThrow(expect.objectContaining({ code: 'E_HOST_STATE' }));
    await host.start();
    try {
      expect(gateway.url).toBeUndefined();
      const response = await gateway.inject('/users/1');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ id: '1' });
    } finally {
      await host.stop();
    }
  });

  it('finishes in-flight requests before it stops, then refuses connections', async () => {
    let release: () => void = () => {};
    let entered: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const plugin = definePlugin({
      name: 'slow',
      version: '1.0.0',
      setup(ctx) {
        ctx.http.get('/', async () => {
          entered();
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return { done: true };
        });
      },
    });
    const { host, request } = await startGatewayHost([plugin]);
    const pending = request('/slow');
    await started;
    const stopping = host.stop();
    release();
    const response = await pending;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    await stopping;
    await expect(request('/slow')).rejects.toThrow();
  });

  it('refuses malformed options with E_INVALID_ARGUMENT naming the option', () => {
    expect(() => httpSurface({ port: -1 })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() => httpSurface({ bodyLimit: 0 })).toThrow(/bodyLimit/);
    expect(() => httpSurface({ rest: { prefix: 'api' } })).toThrow(/rest\.prefix/);
    expect(() => httpSurface({ rest: { expose: ['users..get'] } })).toThrow(
      expect.objectContaining({ code: 'E_TOPIC_INVALID' }),
    );
    expect(() => httpSurface({ rateLimit: { limit: 0 } })).toThrow(/rateLimit\.limit/);
  });

  it('gives plugins a ctx.ws that says WebSocket support is off when it is', async () => {
    const plugin = definePlugin({
      name: 'chat',
      version: '1.0.0',
      setup(ctx) {
        ctx.ws('/', () => {});
      },
    });
    const { host } = await startGatewayHost([plugin], { websocket: false });
    const [info] = host.plugins();
    expect(info).toMatchObject({ state: 'failed', error: { code: 'E_SETUP_FAILED' } });
    expect(info?.error?.message).toContain('websocket: false');
  });
});
