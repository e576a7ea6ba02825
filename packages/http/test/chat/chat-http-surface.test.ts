import { createHost, definePlugin, type Host } from '@trellis/core';
import { createClient } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type HttpGateway, httpSurface } from '../../src/index.js';
import { connect, type TestClient, verifyBearer } from '../websocket/support.js';
import { type ChatMessage, chatPlugin } from './chat-plugin.js';

/** The auth provider the chat relies on, registered the way an application would: by a plugin. */
const tokens = definePlugin({
  name: 'tokens',
  version: '1.0.0',
  setup(ctx) {
    ctx.auth.provide('bearer', verifyBearer);
  },
});

const hosts: Host[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.stop();
});

async function startChat(): Promise<{ host: Host; gateway: HttpGateway; ws(path: string): string }> {
  const gateway = httpSurface({ host: '127.0.0.1', port: 0, logging: false });
  const host = createHost({
    plugins: [tokens, chatPlugin((ctx) => ctx)],
    surfaces: [gateway],
    logger: { level: 'silent' },
  });
  hosts.push(host);
  const report = await host.start();
  expect(report.failed).toEqual([]);
  return { host, gateway, ws: (path) => `${gateway.url!.replace('http', 'ws')}${path}` };
}

const isMessage = (message: unknown) => (message as { type?: string }).type === 'message';
const isPresence = (members: string[]) => (message: unknown) =>
  (message as { type?: string }).type === 'presence' &&
  JSON.stringify((message as { members: string[] }).members) === JSON.stringify(members);

function member(url: string, token: string): Promise<TestClient> {
  return connect(`${url}?token=${token}`);
}

describe('chat through the HTTP surface', () => {
  it('runs the whole chat: presence, messages, GraphQL subscription, refusal and disable', async () => {
    const { host, gateway, ws } = await startChat();
    const lobby = ws('/acme/chat/rooms/lobby');
    const alice = await member(lobby, 'alice');
    const bob = await member(lobby, 'bob');
    await alice.nextMatching(isPresence(['alice', 'bob']));

    const subscriber = createClient({
      url: ws('/graphql'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: 'Bearer alice' },
    });
    const received: ChatMessage[] = [];
    let completed = false;
    subscriber.subscribe<{ messageSent: ChatMessage }>(
      { query: 'subscription { messageSent(room: "lobby") { room from text } }' },
      {
        next: (result) => received.push(result.data!.messageSent),
        error: () => {},
        complete: () => {
          completed = true;
        },
      },
    );
    // The subscription is live once the first probe arrives; only the content is asserted.
    while (received.length === 0) {
      bob.send({ text: 'probe' });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    alice.send({ text: 'through the gateway' });
    expect(
      await bob.nextMatching((message) => isMessage(message) && (message as ChatMessage).text !== 'probe'),
    ).toEqual({
      type: 'message',
      room: 'lobby',
      from: 'alice',
      text: 'through the gateway',
    });

    const rooms = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ rooms }' }),
    });
    expect(await rooms.json()).toEqual({ data: { rooms: ['lobby'] } });

    bob.socket.close();
    await alice.nextMatching(isPresence(['alice']));
    expect((await (await connect(lobby)).closed).code).toBe(4001);

    await host.disable('@acme/chat');
    expect((await alice.closed).code).toBe(1012);
    while (!completed) await new Promise((resolve) => setTimeout(resolve, 10));
    const gone = await fetch(`${gateway.url}/graphql?query=${encodeURIComponent('{ rooms }')}`);
    expect(gone.status).toBe(503);
    await subscriber.dispose();
  });
});
