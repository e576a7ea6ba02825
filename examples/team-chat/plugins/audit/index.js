import { definePlugin } from '@trellis/core';
import { z } from 'zod';

/**
 * Records every host event (`**`) with its topic, source and time, kept for `retentionHours` through the
 * state's time to live; admins read the trail at `GET /audit/events`.
 */
export default definePlugin({
  name: 'audit',
  version: '1.0.0',
  permissions: { observes: ['**'] },
  config: z.object({
    retentionHours: z
      .number()
      .positive()
      .default(24 * 7),
  }),
  setup(ctx) {
    const ttl = ctx.config.retentionHours * 3_600_000;
    let sequence = 0;
    ctx.on('**', async (payload, event) => {
      sequence = (sequence + 1) % 1_000_000;
      // Time first, so the keys list in the order the events happened.
      const key = `event:${String(event.time).padStart(15, '0')}:${String(sequence).padStart(6, '0')}`;
      await ctx.state.set(
        key,
        { topic: event.topic, source: event.source, at: new Date(event.time).toISOString(), payload },
        { ttl },
      );
    });

    ctx.provide(
      'audit.events',
      async ({ limit, topic }) => {
        const entries = (await ctx.state.list('event:')).map(({ value }) => value);
        const matching =
          topic === undefined ? entries : entries.filter((entry) => entry.topic.startsWith(topic));
        return matching.slice(-limit).reverse();
      },
      {
        params: z.object({
          limit: z.number().int().positive().max(1_000).default(50),
          topic: z.string().optional(),
        }),
      },
    );

    ctx.http.get(
      '/events',
      { auth: { roles: ['admin'] }, summary: 'Recent events, newest first (admins)' },
      (request) =>
        ctx.call('audit.events', {
          limit: request.query.limit === undefined ? undefined : Number(request.query.limit),
          topic: request.query.topic,
        }),
    );
  },
});
