import { definePlugin, TrellisError } from '@trellis/core';
import { z } from 'zod';

const RoomName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes');
const MAX_TEXT = 2_000;

/**
 * Rooms over WebSocket (`/chat/rooms/:room?token=...`): members send `{ "text": "..." }`, every member
 * receives `{ "type": "message", ... }`, and joins and leaves are announced as `{ "type": "presence" }`.
 * Messages are kept in the plugin's state and announced as `chat.message.sent` events; the history is
 * served over REST and GraphQL, where `messageSent` streams new ones.
 */
export default definePlugin({
  name: 'chat',
  version: '1.0.0',
  dependencies: { users: '^1.0.0' },
  permissions: { emits: ['chat.**'], observes: ['chat.**'] },
  config: z.object({ historyLimit: z.number().int().positive().default(200) }),
  setup(ctx) {
    /** A message's key sorts by time, so listing a room's prefix reads its history in order. */
    const messageKey = (room, at, id) => `message:${room}:${String(at).padStart(15, '0')}:${id}`;

    const history = async (room, limit = ctx.config.historyLimit) => {
      const entries = await ctx.state.list(`message:${room}:`);
      return entries.slice(-limit).map(({ value }) => value);
    };

    const post = async (room, principal, text) => {
      if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_TEXT)
        throw new TrellisError(
          'E_BAD_MESSAGE',
          `A message is { "text": "..." } with 1 to ${MAX_TEXT} characters.`,
        );
      const message = {
        id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
        room,
        from: principal.id,
        name: principal.claims?.name ?? principal.id,
        text: text.trim(),
        at: new Date().toISOString(),
      };
      await ctx.state.set(messageKey(room, Date.parse(message.at), message.id), message);
      const rooms = new Set((await ctx.state.get('rooms')) ?? []);
      if (!rooms.has(room)) await ctx.state.set('rooms', [...rooms, room].sort());
      await ctx.emit('chat.message.sent', message);
      return message;
    };

    const presence = (room) => ({
      type: 'presence',
      room,
      members: [
        ...new Set(
          ctx.ws
            .room(room)
            .members()
            .map((member) => member.principal.id),
        ),
      ],
    });

    ctx.ws(
      '/rooms/:room',
      (connection) => {
        const room = connection.params.room;
        if (!RoomName.safeParse(room).success) {
          connection.close(4400, 'room names are lower-case letters, digits and dashes');
          return;
        }
        connection.join(room);
        ctx.ws.room(room).broadcast(presence(room));
        connection.on('message', (message) => post(room, connection.principal, message?.text));
        connection.on('close', () => ctx.ws.room(room).broadcast(presence(room)));
      },
      { auth: true },
    );

    // Every message reaches the room's sockets through the event, whoever posted it (REST or WebSocket).
    ctx.on('chat.message.sent', (message) => {
      ctx.ws.room(message.room).broadcast({ type: 'message', ...message });
    });

    ctx.provide('chat.rooms', async () => (await ctx.state.get('rooms')) ?? [], {
      description: 'Rooms with messages',
    });
    ctx.provide('chat.history', ({ room, limit }) => history(room, limit), {
      params: z.object({ room: RoomName, limit: z.number().int().positive().optional() }),
      description: "A room's messages, oldest first",
    });

    ctx.http.get('/rooms', { auth: true, summary: 'Rooms with messages' }, () => ctx.call('chat.rooms'));
    ctx.http.get('/rooms/:room/messages', { auth: true, summary: "A room's messages" }, (request) =>
      ctx.call('chat.history', { room: request.params.room }),
    );
    ctx.http.post(
      '/rooms/:room/messages',
      { auth: true, schema: { body: z.object({ text: z.string() }) }, summary: 'Post a message' },
      (request, reply) => {
        if (!RoomName.safeParse(request.params.room).success)
          throw new TrellisError('E_VALIDATION', 'Room names are lower-case letters, digits and dashes.');
        reply.code(201);
        return post(request.params.room, request.principal, request.body.text);
      },
    );

    ctx.graphql.extend({
      typeDefs: /* GraphQL */ `
        type Message { id: ID! room: String! from: ID! name: String! text: String! at: String! }
        extend type Query { rooms: [String!]! messages(room: String!, limit: Int): [Message!]! }
        extend type Subscription { messageSent(room: String!): Message! }
      `,
      resolvers: {
        Query: {
          rooms: async (_source, _args, context) => {
            await context.authorize(true);
            return context.call('chat.rooms');
          },
          messages: async (_source, args, context) => {
            await context.authorize(true);
            return context.call('chat.history', args);
          },
        },
        Subscription: {
          messageSent: {
            subscribe: ctx.graphql.fromEvents(
              'chat.message.sent',
              (message, args) => message.room === args.room,
            ),
          },
        },
      },
    });
  },
});
