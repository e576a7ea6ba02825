import { definePlugin } from '@trellis/core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { postJson, startGatewayHost, stopAll } from '../support/gateway-host.js';

afterEach(stopAll);

const users = definePlugin({
  name: '@acme/users',
  version: '1.0.0',
  setup(ctx) {
    ctx.http.get('/', () => ({ prefix: ctx.http.prefix }));
    ctx.http.get('/:id', (request) => ({ id: request.params.id, query: request.query }));
    ctx.http.post('/', (request, reply) =>
      reply.code(201).header('location', '/acme/users/9').send({ created: request.body }),
    );
    ctx.http.delete('/:id', () => undefined);
    ctx.http.route({
      method: ['PUT', 'PATCH'],
      url: '/:id/name',
      handler: (request) => ({ method: request.method }),
    });
    ctx.http.get('/text', () => 'plain words');
    ctx.http.get('/status', { prefix: false }, () => ({ owner: 'users' }));
    ctx.http.post(
      '/typed/:id',
      {
        schema: {
          params: z.object({ id: z.coerce.number().int() }),
          querystring: z.object({ verbose: z.enum(['yes', 'no']).default('no') }),
          body: z.object({ name: z.string().min(1) }),
        },
      },
      (request) => ({ id: request.params.id + 1, verbose: request.query.verbose, name: request.body.name }),
    );
    ctx.http.get('/broken', { schema: { response: z.object({ ok: z.boolean() }) } }, () => ({ ok: 'yes' }));
  },
});

describe('plugin routes', () => {
  it("live under the plugin's prefix (a scoped name without its @) unless registered with prefix: false", async () => {
    const { json } = await startGatewayHost([users]);
    expect(await json('/acme/users')).toMatchObject({ status: 200, body: { prefix: '/acme/users' } });
    expect(await json('/acme/users/7?tag=a&tag=b')).toMatchObject({
      status: 200,
      body: { id: '7', query: { tag: ['a', 'b'] } },
    });
    expect(await json('/status')).toMatchObject({ status: 200, body: { owner: 'users' } });
    expect((await json('/acme/users/status')).body).toMatchObject({ id: 'status' });
  });

  it('answer with reply.code().header().send(), 204 for undefined, text for strings, and every declared method', async () => {
    const { request, json } = await startGatewayHost([users]);
    const created = await request('/acme/users', postJson({ name: 'Ada' }));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/acme/users/9');
    expect(await created.json()).toEqual({ created: { name: 'Ada' } });
    const deleted = await request('/acme/users/9', { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    const text = await request('/acme/users/text');
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await text.text()).toBe('plain words');
    expect((await json('/acme/users/9/name', { method: 'PUT' })).body).toEqual({ method: 'PUT' });
    expect((await json('/acme/users/9/name', { method: 'PATCH' })).body).toEqual({ method: 'PATCH' });
  });

  it('answers HEAD from the GET route without a body', async () => {
    const { request } = await startGatewayHost([users]);
    const response = await request('/acme/users/3', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.text()).toBe('');
  });

  it('validates and transforms params, query and body with Standard Schemas', async () => {
    const { json } = await startGatewayHost([users]);
    expect(await json('/acme/users/typed/41', postJson({ name: 'Ada' }))).toMatchObject({
      status: 200,
      body: { id: 42, verbose: 'no', name: 'Ada' },
    });
    const badParams = await json('/acme/users/typed/abc', postJson({ name: 'Ada' }));
    expect(badParams).toMatchObject({
      status: 400,
      body: { error: { code: 'E_VALIDATION', details: { part: 'params' } } },
    });
    const badQuery = await json('/acme/users/typed/1?verbose=maybe', postJson({ name: 'Ada' }));
    expect(badQuery).toMatchObject({ status: 400, body: { error: { details: { part: 'querystring' } } } });
    const badBody = await json('/acme/users/typed/1', postJson({ name: '' }));
    expect(badBody).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'E_VALIDATION',
          details: { part: 'body', route: 'POST /acme/users/typed/:id', issues: [{ path: 'name' }] },
        },
      },
    });
  });

  it('answers 500 when a handler breaks its response schema', async () => {
    const { json } = await startGatewayHost([users]);
    const { status, body } = await json('/acme/users/broken');
    expect(status).toBe(500);
    expect(body).toMatchObject({
      error: { code: 'E_VALIDATION', details: { direction: 'result', issues: [{ path: 'ok' }] } },
    });
  });

  it('fails the setup of a plugin declaring a malformed route, naming the option', async () => {
    const cases: Array<
      [string, (ctx: Parameters<Parameters<typeof definePlugin>[0]['setup']>[0]) => void, RegExp]
    > = [
      ['no slash', (ctx) => ctx.http.get('users', () => 1), /must be a string starting with '\/'/],
      [
        'bad method',
        (ctx) => ctx.http.route({ method: 'FETCH' as 'GET', url: '/', handler: () => 1 }),
        /route method/,
      ],
      ['no handler', (ctx) => ctx.http.get('/', {}, undefined as unknown as () => 1), /handler/],
      [
        'bad auth',
        (ctx) => ctx.http.get('/', { auth: { roles: 'admin' as unknown as string[] } }, () => 1),
        /auth option/,
      ],
      [
        'bad schema',
        (ctx) => ctx.http.get('/', { schema: { body: {} as never } }, () => 1),
        /Standard Schema/,
      ],
      ['cache on POST', (ctx) => ctx.http.post('/', { cache: true }, () => 1), /only on GET or HEAD/],
    ];
    const plugins = cases.map(([name, setup]) =>
      definePlugin({ name: `bad-${name.replaceAll(' ', '-').toLowerCase()}`, version: '1.0.0', setup }),
    );
    const { host } = await startGatewayHost(plugins);
    for (const [index, [, , message]] of cases.entries()) {
      const info = host.plugins()[index]!;
      expect(info.state).toBe('failed');
      expect(info.error?.code).toBe('E_SETUP_FAILED');
      expect(info.error?.message).toMatch(message);
    }
  });
});
