import { definePlugin } from '@trellis/core';
import { z } from 'zod';

/** Who spoke most, how much, and the first and last words of a day in a room. */
function summarise(room, day, messages) {
  const counts = new Map();
  for (const message of messages) counts.set(message.from, (counts.get(message.from) ?? 0) + 1);
  const speakers = [...counts.entries()]
    .sort((left, right) => right[1] - left[1])
    .map(([user, count]) => ({ user, count }));
  return {
    room,
    day,
    messages: messages.length,
    speakers,
    first: messages[0]?.text,
    last: messages.at(-1)?.text,
  };
}

/**
 * Summarises each room's day: a task runs daily (at `time` in `timezone`) and on demand
 * (`POST /digest/run`); summaries are kept in state (`GET /digest/:room`) and announced as
 * `digest.created` events.
 */
export default definePlugin({
  name: 'digest',
  version: '1.0.0',
  dependencies: { chat: '^1.0.0' },
  permissions: { calls: ['chat.*'], emits: ['digest.*'] },
  config: z.object({ time: z.string().default('18:00'), timezone: z.string().default('UTC') }),
  async setup(ctx) {
    ctx.tasks.define(
      'summarise',
      async (payload, task) => {
        const day = payload.day ?? new Date(task.scheduledAt).toISOString().slice(0, 10);
        const rooms = await ctx.call('chat.rooms');
        const digests = [];
        for (const [index, room] of rooms.entries()) {
          const messages = (await ctx.call('chat.history', { room })).filter((message) =>
            message.at.startsWith(day),
          );
          const digest = summarise(room, day, messages);
          await ctx.state.set(`digest:${room}:${day}`, digest);
          await ctx.emit('digest.created', digest);
          digests.push(digest);
          await task.progress({ rooms: rooms.length, done: index + 1 });
        }
        return digests;
      },
      { retries: 2, timeout: 60_000 },
    );
    await ctx.tasks.daily(ctx.config.time, 'summarise', { timezone: ctx.config.timezone, missed: 'once' });

    ctx.http.post(
      '/run',
      {
        auth: true,
        schema: {
          body: z
            .object({
              day: z
                .string()
                .regex(/^\d{4}-\d{2}-\d{2}$/)
                .optional(),
            })
            .default({}),
        },
        summary: 'Summarise now',
      },
      async (request) => {
        const day = request.body?.day ?? new Date().toISOString().slice(0, 10);
        // Requests for the same day within a minute share one run instead of each starting their own.
        const minute = Math.floor(Date.now() / 60_000);
        const job = await ctx.tasks.enqueue(
          'summarise',
          { day },
          { idempotencyKey: `digest-${day}-${minute}` },
        );
        const done = await ctx.tasks.wait(job.id);
        return { task: done.id, status: done.status, digests: done.result ?? [], error: done.error };
      },
    );
    ctx.http.get('/:room', { auth: true, summary: "A room's digests, newest first" }, async (request) =>
      (await ctx.state.list(`digest:${request.params.room}:`)).map(({ value }) => value).reverse(),
    );
  },
});
