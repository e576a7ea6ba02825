import type { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { definePlugin } from '@trellis/core';
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { WebSocketCloseEvent } from '../../src/websocket/websocket-types.js';
import { connect, realtime, startRealtime, type TestClient } from '../websocket/support.js';
import { type ChatMessage, chatPlugin } from './chat-plugin.js';

const chat = chatPlugin(realtime);

function isPresence(members: string[]) {
  return (message: unknown) =>
    (message as { type?: string }).type === 'presence' &&
    JSON.stringify((message as { members: string[] }).members) === JSON.stringify(members);
}

const isMessage = (message: unknown) => (message as { type?: string }).type === 'message';

async function join(url: string, token: string): Promise<TestClient> {
  return connect(url, { headers: { authorization: `Bearer ${token}` } });
}

describe('chat over WebSocket', () => {
  it('lets two members talk, and tells the one left when the other goes', async () => {
    const fixture = await startRealtime([chat]);
    const url = fixture.wsUrl('/acme/chat/rooms/lobby');
    const alice = await join(url, 'alice');
    await alice.nextMatching(isPresence(['alice']));
    const bob = await join(url, 'bob');
    await alice.nextMatching(isPresence(['alice', 'bob']));
    await bob.nextMatching(isPresence(['alice', 'bob']));

    alice.send({ text: 'hi bob' });
    const expected = { type: 'message', room: 'lobby', from: 'alice', text: 'hi bob' };
    expect(await bob.nextMatching(isMessage)).toEqual(expected);
    expect(await alice.nextMatching(isMessage)).toEqual(expected);

    bob.send({ text: '' });
    expect(await bob.nextMatching((message) => 'error' in (message as object))).toMatchObject({
      error: { code: 'E_VALIDATION' },
    });

    bob.socket.close(1000, 'bye');
    expect(await alice.nextMatching(isPresence(['alice']))).toMatchObject({ room: 'lobby' });
  });

  it('broadcasts host events about a room to its members, and not to other rooms', async () => {
    const fixture = await startRealtime([chat]);
    const lobby = await join(fixture.wsUrl('/acme/chat/rooms/lobby'), 'alice');
    const kitchen = await join(fixture.wsUrl('/acme/chat/rooms/kitchen'), 'bob');
    await lobby.nextMatching(isPresence(['alice']));
    await kitchen.nextMatching(isPresence(['bob']));
    await fixture.host.emit('chat.message.sent', {
      room: 'lobby',
      from: 'system',
      text: 'maintenance at noon',
    });
    expect(await lobby.nextMatching(isMessage)).toMatchObject({
      from: 'system',
      text: 'maintenance at noon',
    });
    kitchen.send({ text: 'anyone?' });
    expect(await kitchen.nextMatching(isMessage)).toMatchObject({ from: 'bob', text: 'anyone?' });
    expect(kitchen.messages.filter(isMessage)).toHaveLength(1);
  });

  it('refuses an unauthenticated client with 4001', async () => {
    const fixture = await startRealtime([chat]);
    const stranger = await connect(fixture.wsUrl('/acme/chat/rooms/lobby'));
    expect((await stranger.closed).code).toBe(4001);
    const result = await fetch(fixture.httpUrl('/graphql'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ rooms }' }),
    });
    expect(await result.json()).toEqual({ data: { rooms: [] } });
  });

  it('serves the messages of a room as a GraphQL subscription', async () => {
    const fixture = await startRealtime([chat]);
    const alice = await join(fixture.wsUrl('/acme/chat/rooms/lobby'), 'alice');
    const client = createClient({
      url: fixture.wsUrl('/graphql'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const received: ChatMessage[] = [];
    const unsubscribe = client.subscribe<{ messageSent: ChatMessage }>(
      { query: 'subscription { messageSent(room: "lobby") { room from text } }' },
      { next: (result) => received.push(result.data!.messageSent), error: () => {}, complete: () => {} },
    );
    // The subscription is live once the first probe arrives; only the content is asserted.
    while (received.length === 0) {
      alice.send({ text: 'probe' });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    alice.send({ text: 'hello graphql' });
    while (!received.some((message) => message.text === 'hello graphql')) await nextTurn();
    expect(received.at(-1)).toEqual({ room: 'lobby', from: 'alice', text: 'hello graphql' });
    unsubscribe();
    await client.dispose();
  });

  it('closes the chat sockets with 1012 and drops its schema parts when the plugin is disabled', async () => {
    const fixture = await startRealtime([chat]);
    const alice = await join(fixture.wsUrl('/acme/chat/rooms/lobby'), 'alice');
    await fixture.host.disable('@acme/chat');
    expect((await alice.closed).code).toBe(1012);
    expect(fixture.gateway.schema()).toBeUndefined();
  });
});

describe('backpressure', () => {
  /** Every client joins one room; `{ flood: bytes }` broadcasts until a member is dropped. */
  const firehose = (closes: WebSocketCloseEvent[]) =>
    definePlugin({
      name: 'firehose',
      version: '1.0.0',
      setup(ctx) {
        const { ws } = realtime(ctx);
        const room = ws.room('all');
        ws('/', (connection) => {
          connection.join('all');
          connection.on('close', (event) => closes.push(event));
          connection.on('message', async (message) => {
            const chunk = 'x'.repeat((message as { flood: number }).flood);
            const members = room.size;
            let sent = 0;
            // One broadcast per turn of the event loop, so that a client reading normally keeps up.
            while (room.size === members && sent < 5_000) {
              room.broadcast({ sequence: sent++, chunk });
              await nextTurn();
            }
            room.broadcast({ done: sent });
          });
        });
      },
    });

  it('drops a client that stops reading, while the others receive everything', async () => {
    const closes: WebSocketCloseEvent[] = [];
    const fixture = await startRealtime([firehose(closes)], { websocket: { maxBufferedBytes: 64 * 1024 } });
    const fast = await connect(fixture.wsUrl('/firehose'));
    const slow = await connect(fixture.wsUrl('/firehose'));
    const socket = (slow.socket as unknown as { _socket: Socket })._socket;
    socket.pause();
    fast.send({ flood: 16 * 1024 });
    const done = (await fast.nextMatching((message) => 'done' in (message as object))) as { done: number };
    const sequences = fast.messages.flatMap((message) => {
      const sequence = (message as { sequence?: number }).sequence;
      return sequence === undefined ? [] : [sequence];
    });
    expect(sequences).toEqual(Array.from({ length: done.done }, (_, index) => index));
    expect(done.done).toBeLessThan(5_000);
    expect(closes).toEqual([{ code: 4008, reason: 'E_WS_SLOW_CONSUMER' }]);
    socket.resume();
    expect((await slow.closed).code).toBe(1006);
  });
});
