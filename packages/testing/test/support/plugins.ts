import { definePlugin, TrellisError } from '@trellis/core';
import { z } from 'zod';

/** A user as the `store` dependency returns it. */
export interface User {
  readonly id: number;
  readonly name: string;
}

/**
 * A well-behaved plugin: it reads users from its `store` dependency, emits `user.seen`, keeps a visit
 * counter in its state and prunes it hourly with a recurring task.
 */
export const users = definePlugin({
  name: 'users',
  version: '1.0.0',
  dependencies: { store: '^2.1.0' },
  provides: ['users.get', 'users.visits'],
  permissions: { calls: ['store.*'], emits: ['user.*'] },
  config: z.object({ greeting: z.string().default('Hello') }).default({ greeting: 'Hello' }),
  async setup(ctx) {
    ctx.provide(
      'users.get',
      async ({ id }: { id: number }, call) => {
        const user = await ctx.call<User | null>('store.get', { key: `user:${id}` }, { parent: call });
        if (user === null)
          throw new TrellisError('E_USER_NOT_FOUND', `No user ${id}; create it first.`, { details: { id } });
        await ctx.emit('user.seen', { id });
        const visits = (await ctx.state.get<number>(`visits:${id}`)) ?? 0;
        await ctx.state.set(`visits:${id}`, visits + 1);
        return { ...user, greeting: `${ctx.config.greeting}, ${user.name}` };
      },
      { params: z.object({ id: z.number().int().positive() }), timeout: 500 },
    );
    ctx.provide(
      'users.visits',
      async ({ id }: { id: number }) => (await ctx.state.get<number>(`visits:${id}`)) ?? 0,
      {
        params: z.object({ id: z.number().int().positive() }),
      },
    );
    ctx.tasks.define('prune', async () => {
      const visits = await ctx.state.list('visits:');
      for (const entry of visits) await ctx.state.delete(entry.key);
      return visits.length;
    });
    await ctx.tasks.every(60 * 60 * 1000, 'prune');
    return { greeting: () => ctx.config.greeting };
  },
});
