import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlugin, type Schema } from '../../src/index.js';
import { startedHost } from '../support/pipeline-hosts.js';
import { rejectionOf } from '../support/thrown.js';

/** The same schemas written with each library, so every behaviour is checked against both. */
interface SchemaKit {
  /** `{ id: number }` */
  readonly byId: Schema;
  /** `{ user: { tags: string[] } }` */
  readonly nested: Schema;
  /** `{ id: string → number, limit: number = 10 }` */
  readonly transforming: Schema;
  /** `{ name: string }` */
  readonly named: Schema;
  /** `{ id: number }`, checked asynchronously: 13 is refused. */
  readonly asyncById: Schema;
}

const zodKit: SchemaKit = {
  byId: z.object({ id: z.number() }),
  nested: z.object({ user: z.object({ tags: z.array(z.string()) }) }),
  transforming: z.object({ id: z.string().transform(Number), limit: z.number().default(10) }),
  named: z.object({ name: z.string() }),
  asyncById: z.object({ id: z.number() }).refine(async (value) => value.id !== 13, { message: 'unlucky id' }),
};

const valibotKit: SchemaKit = {
  byId: v.object({ id: v.number() }),
  nested: v.object({ user: v.object({ tags: v.array(v.string()) }) }),
  transforming: v.object({
    id: v.pipe(
      v.string(),
      v.transform((value) => Number(value)),
    ),
    limit: v.optional(v.number(), 10),
  }),
  named: v.object({ name: v.string() }),
  asyncById: v.pipeAsync(
    v.object({ id: v.number() }),
    v.checkAsync(async (value) => value.id !== 13, 'unlucky id'),
  ),
};

describe.each([
  ['zod', zodKit],
  ['valibot', valibotKit],
])('validation with %s', (_library, kit) => {
  /** A started host whose `shop.run` validates with `params`/`result` and returns `reply` (or its params). */
  async function hostWith(options: { params?: Schema; result?: Schema; reply?: unknown }) {
    const received: unknown[] = [];
    const shop = definePlugin({
      name: 'shop',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.provide(
          'shop.run',
          (params: unknown) => {
            received.push(params);
            return 'reply' in options ? options.reply : params;
          },
          { params: options.params, result: options.result },
        );
      },
    });
    return { host: await startedHost([shop]), received };
  }

  it('refuses invalid params with E_VALIDATION (direction params, issues with path) without running the handler', async () => {
    const { host, received } = await hostWith({ params: kit.byId });
    const error = await rejectionOf(host.call('shop.run', { id: 'seven' }));
    expect(error.code).toBe('E_VALIDATION');
    expect(error.details.capability).toBe('shop.run');
    expect(error.details.direction).toBe('params');
    const issues = error.details.issues as Array<{ path: string; message: string }>;
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('id');
    expect(issues[0]?.message).toMatch(/\S/);
    expect(error.message).toContain('id:');
    expect(received).toEqual([]);
  });

  it('reports nested paths with dots and array indexes', async () => {
    const { host } = await hostWith({ params: kit.nested });
    const error = await rejectionOf(host.call('shop.run', { user: { tags: ['a', 5] } }));
    expect((error.details.issues as Array<{ path: string }>).map((issue) => issue.path)).toEqual([
      'user.tags[1]',
    ]);
  });

  it('reports every issue at once', async () => {
    const { host } = await hostWith({ params: kit.named });
    const error = await rejectionOf(host.call('shop.run', 'not an object'));
    expect(error.code).toBe('E_VALIDATION');
    expect((error.details.issues as unknown[]).length).toBeGreaterThanOrEqual(1);
  });

  it('hands the handler the transformed value, defaults included', async () => {
    const { host, received } = await hostWith({ params: kit.transforming });
    await host.call('shop.run', { id: '42' });
    expect(received).toEqual([{ id: 42, limit: 10 }]);
  });

  it('accepts valid params unchanged', async () => {
    const { host, received } = await hostWith({ params: kit.byId });
    expect(await host.call('shop.run', { id: 7 })).toEqual({ id: 7 });
    expect(received).toEqual([{ id: 7 }]);
  });

  it('refuses an invalid result with E_VALIDATION direction result', async () => {
    const { host, received } = await hostWith({ result: kit.named, reply: { name: 12 } });
    const error = await rejectionOf(host.call('shop.run', {}));
    expect(error.code).toBe('E_VALIDATION');
    expect(error.details.direction).toBe('result');
    expect((error.details.issues as Array<{ path: string }>).map((issue) => issue.path)).toEqual(['name']);
    expect(received).toHaveLength(1);
  });

  it('returns the validated result', async () => {
    const { host } = await hostWith({ result: kit.named, reply: { name: 'Ada' } });
    expect(await host.call('shop.run', {})).toEqual({ name: 'Ada' });
  });

  it('validates with an asynchronous schema, both ways', async () => {
    const { host, received } = await hostWith({ params: kit.asyncById });
    expect(await host.call('shop.run', { id: 1 })).toEqual({ id: 1 });
    const error = await rejectionOf(host.call('shop.run', { id: 13 }));
    expect(error.code).toBe('E_VALIDATION');
    expect(error.details.direction).toBe('params');
    expect((error.details.issues as Array<{ message: string }>)[0]?.message).toBe('unlucky id');
    expect(received).toEqual([{ id: 1 }]);
  });

  it('validates results with an asynchronous schema', async () => {
    const { host } = await hostWith({ result: kit.asyncById, reply: { id: 13 } });
    const error = await rejectionOf(host.call('shop.run', {}));
    expect(error.code).toBe('E_VALIDATION');
    expect(error.details.direction).toBe('result');
  });

  it('validates params of calls made with a deadline too', async () => {
    const { host, received } = await hostWith({ params: kit.byId });
    expect((await rejectionOf(host.call('shop.run', { id: 'x' }, { timeout: 5_000 }))).code).toBe(
      'E_VALIDATION',
    );
    expect(received).toEqual([]);
  });

  it('marks validating capabilities in host.capabilities()', async () => {
    const { host } = await hostWith({ params: kit.byId, result: kit.named });
    expect(host.capabilities()[0]).toMatchObject({ validatesParams: true, validatesResult: true });
  });
});
