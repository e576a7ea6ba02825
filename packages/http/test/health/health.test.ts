import { definePlugin } from '@trellis/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReadinessReport } from '../../src/index.js';
import { startGatewayHost, stopAll } from '../support/gateway-host.js';

afterEach(stopAll);

let databaseUp = true;

const database = definePlugin({
  name: 'database',
  version: '1.0.0',
  setup(ctx) {
    ctx.health.check('connection', () => (databaseUp ? { ok: true, details: { pool: 4 } } : false));
  },
});

describe('health endpoints', () => {
  it('reports ready with every plugin and check while everything runs', async () => {
    databaseUp = true;
    const { json } = await startGatewayHost([database]);
    expect(await json('/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const { status, body } = await json<ReadinessReport>('/health/ready');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ready',
      host: 'running',
      plugins: [{ name: 'database', state: 'running', activation: 'eager' }],
      checks: [{ plugin: 'database', name: 'connection', ok: true, details: { pool: 4 } }],
    });
  });

  it('answers 503 while a custom check fails, throws or times out', async () => {
    databaseUp = false;
    const slow = definePlugin({
      name: 'cache',
      version: '1.0.0',
      setup(ctx) {
        ctx.health.check('warm', () => new Promise(() => {}), { timeout: 50 });
        ctx.health.check('config', () => {
          throw new Error('missing CACHE_URL');
        });
        ctx.health.check('noop', () => {});
      },
    });
    const { json } = await startGatewayHost([database, slow]);
    const { status, body } = await json<ReadinessReport>('/health/ready');
    expect(status).toBe(503);
    expect(body.status).toBe('not ready');
    expect(body.checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'connection', ok: false }),
        expect.objectContaining({ name: 'warm', ok: false, error: 'timed out after 50 ms' }),
        expect.objectContaining({ name: 'config', ok: false, error: 'missing CACHE_URL' }),
        expect.objectContaining({ name: 'noop', ok: true }),
      ]),
    );
    expect((await json('/health/live')).status).toBe(200);
  });

  it('answers 503 naming the failed plugin and its error', async () => {
    databaseUp = true;
    const broken = definePlugin({
      name: 'broken',
      version: '1.0.0',
      setup() {
        throw new Error('bad config');
      },
    });
    const { json } = await startGatewayHost([database, broken]);
    const { status, body } = await json<ReadinessReport>('/health/ready');
    expect(status).toBe(503);
    expect(body.plugins).toContainEqual(
      expect.objectContaining({
        name: 'broken',
        state: 'failed',
        error: expect.objectContaining({ code: 'E_SETUP_FAILED' }),
      }),
    );
  });

  it('does not wait for lazy plugins, and drops the checks of a stopped plugin', async () => {
    databaseUp = false;
    const lazy = definePlugin({
      name: 'reports',
      version: '1.0.0',
      activation: 'lazy',
      provides: ['reports.build'],
      setup(ctx) {
        ctx.provide('reports.build', () => 'report');
      },
    });
    const { host, json } = await startGatewayHost([database, lazy]);
    expect((await json('/health/ready')).status).toBe(503);
    await host.disable('database');
    const { status, body } = await json<ReadinessReport>('/health/ready');
    expect(body.checks).toEqual([]);
    expect(status).toBe(503);
    await host.enable('database');
    databaseUp = true;
    expect(await json('/health/ready')).toMatchObject({
      status: 200,
      body: {
        plugins: expect.arrayContaining([
          expect.objectContaining({ name: 'reports', state: 'registered', activation: 'lazy' }),
        ]),
      },
    });
  });

  it('refuses a second check of the same name from one plugin', async () => {
    const twice = definePlugin({
      name: 'twice',
      version: '1.0.0',
      setup(ctx) {
        ctx.health.check('db', () => true);
        ctx.health.check('db', () => true);
      },
    });
    const { host } = await startGatewayHost([twice]);
    expect(host.plugins()[0]?.error?.cause).toMatchObject({
      code: 'E_HEALTH_CHECK_DUPLICATE',
      details: { plugin: 'twice', check: 'db' },
    });
  });
});
