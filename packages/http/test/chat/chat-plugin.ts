import { definePlugin, type PluginContext, TrellisError } from '@trellis/core';
import type { PluginGraphql } from '../../src/graphql/graphql-gateway.js';
import type { PluginWebSocket, Room } from '../../src/websocket/websocket-hub.js';

/** A chat message, as the chat plugin emits it on `chat.message.sent`. */
export interface ChatMessage {
  readonly room: string;
  readonly from: string;
  readonly text: string;
}

/**
 * A chat: authenticated clients join `/acme/chat/rooms/:room` and send `{ text }`; each message is
 * emitted as a host event, and the plugin's own subscription to `chat.**` broadcasts it to the room (so
 * a message emitted by anyone else reaches the room too). Presence goes to every member when someone
 * joins or leaves. GraphQL serves `rooms` and the `messageSent(room)` subscription from the same events.
 */
export function chatPlugin(
  realtime: (ctx: PluginContext) => { readonly ws: PluginWebSocket; readonly graphql: PluginGraphql },
) {
  return definePlugin({
    name: '@acme/chat',
    version: '1.0.0',
    permissions: { emits: ['chat.**'] },
    setup(ctx) {
      const { ws, graphql } = realtime(ctx);
      const watched = new Set<string>();
      const announce = (_member: unknown, room: Room) =>
        room.broadcast({
          type: 'presence',
          room: room.name,
          members: room.members().map((member) => member.principal?.id),
        });
      ws(
        '/rooms/:room',
        (connection) => {
          const room = connection.params.room!;
          if (!watched.has(room)) {
            watched.add(room);
            ws.room(room).on('join', announce);
            ws.room(room).on('leave', announce);
          }
          connection.join(room);
          connection.on('message', async (message) => {
            const text = (message as { text?: unknown } | null)?.text;
            if (typeof text !== 'string' || text === '') {
              throw new TrellisError(
                'E_VALIDATION',
                'A chat message is { "text": "..." } with a non-empty text.',
              );
            }
            await ctx.emit('chat.message.sent', { room, from: connection.principal!.id, text });
          });
        },
        { auth: true },
      );
      ctx.on<ChatMessage>('chat.**', (message, event) => {
        if (event.topic === 'chat.message.sent')
          ws.room(message.room).broadcast({ type: 'message', ...message });
      });
      graphql.extend({
        typeDefs: /* GraphQL */ `
          type ChatMessage { room: String!, from: String!, text: String! }
          extend type Query { rooms: [String!]! }
          extend type Subscription { messageSent(room: String!): ChatMessage }
        `,
        resolvers: {
          Query: { rooms: () => ws.rooms().map((room) => room.name) },
          Subscription: {
            messageSent: {
              subscribe: graphql.fromEvents<ChatMessage>(
                'chat.message.sent',
                (message, args) => message.room === args.room,
              ),
            },
          },
        },
      });
    },
  });
}
