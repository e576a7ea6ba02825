import { definePlugin } from '@trellis/core';
import * as v from 'valibot';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { OpenApiDocument } from '../../src/index.js';
import { startGatewayHost, stopAll } from '../support/gateway-host.js';

afterEach(stopAll);

const AddParams = z.object({ a: z.number(), b: z.number() });
const AddResult = z.object({ sum: z.number() });

const math = definePlugin({
  name: 'math',
  version: '1.0.0',
  setup(ctx) {
    ctx.auth.provide('bearer', () => undefined, { description: 'A session token.' });
    ctx.provide('math.add', ({ a, b }: { a: number; b: number }) => ({ sum: a + b }), {
      params: AddParams,
      result: AddResult,
      description: 'Adds two numbers.',
    });
    ctx.http.expose('math.add', { params: AddParams, result: AddResult, auth: { scopes: ['math:use'] } });
    ctx.provide('math.pi', () => Math.PI);
    ctx.http.get(
      '/items/:id',
      {
        summary: 'One item <b>bold</b>',
        schema: {
          params: z.object({ id: z.string().uuid() }),
          querystring: z.object({ expand: z.boolean().optional() }),
          response: z.object({ id: z.string() }),
        },
      },
      (request) => ({ id: request.params.id }),
    );
    ctx.http.post('/notes', { schema: { body: v.object({ text: v.string() }) } }, () => ({}));
  },
});

describe('the OpenAPI document', () => {
  it('documents an exposed capability with the JSON Schemas of its params and result, and its security', async () => {
    const { json } = await startGatewayHost([math]);
    const { status, body } = await json<OpenApiDocument>('/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    const operation = body.paths['/api/math.add']?.post as Record<string, unknown>;
    expect(operation).toMatchObject({
      operationId: 'math.add',
      tags: ['math'],
      'x-trellis-capability': 'math.add',
      security: [{ bearer: ['math:use'] }],
      requestBody: {
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: { a: { type: 'number' }, b: { type: 'number' } },
              required: ['a', 'b'],
            },
          },
        },
      },
      responses: {
        '200': {
          content: {
            'application/json': { schema: { type: 'object', properties: { sum: { type: 'number' } } } },
          },
        },
        default: { $ref: '#/components/responses/Error' },
      },
    });
    expect(body.components).toMatchObject({
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A session token.' } },
      schemas: { Error: { required: ['error'] } },
    });
  });

  it('documents capabilities exposed by patterns, saying when it cannot describe their schemas', async () => {
    const { json } = await startGatewayHost([math], { rest: { expose: ['math.*'] } });
    const { body } = await json<OpenApiDocument>('/openapi.json');
    expect(body.paths['/api/math.pi']?.post).toMatchObject({
      operationId: 'math.pi',
      requestBody: {
        content: { 'application/json': { schema: { description: expect.stringContaining('no schema') } } },
      },
    });
    expect(body.paths['/api/{capability}']).toBeUndefined();
  });

  it('documents routes with their parameters, bodies and responses', async () => {
    const { json } = await startGatewayHost([math]);
    const { body } = await json<OpenApiDocument>('/openapi.json');
    expect(body.paths['/math/items/{id}']?.get).toMatchObject({
      summary: 'One item <b>bold</b>',
      parameters: [
        { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
        { name: 'expand', in: 'query', required: false, schema: { type: 'boolean' } },
      ],
      responses: {
        '200': { content: { 'application/json': { schema: { properties: { id: { type: 'string' } } } } } },
      },
    });
    expect(body.paths['/math/notes']?.post).toMatchObject({
      requestBody: {
        content: { 'application/json': { schema: { description: expect.stringContaining('valibot') } } },
      },
    });
    expect(Object.keys(body.paths).some((path) => path.startsWith('/health') || path === '/metrics')).toBe(
      false,
    );
  });

  it('renders a self-contained docs page listing the operations, escaping their text', async () => {
    const { request } = await startGatewayHost([math]);
    const response = await request('/docs');
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<code>/api/math.add</code>');
    expect(html).toContain('Requires bearer (math:use).');
    expect(html).toContain('One item &lt;b&gt;bold&lt;/b&gt;');
    expect(html).not.toMatch(/<script|https?:\/\/(?!json-schema)/);
  });

  it('is left out with openapi: false', async () => {
    const { request } = await startGatewayHost([math], { openapi: false });
    expect((await request('/openapi.json')).status).toBe(404);
    expect((await request('/docs')).status).toBe(404);
  });
});
