import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runTrellis, spawnTrellis, stopAll } from '../support/cli-process.js';
import { listeningUrl } from '../support/project.js';
import { makeTempDirectory, type TempDirectory } from '../support/temp-directory.js';
import { linkWorkspace, PACKAGES_DIRECTORY } from '../support/workspace.js';

const DEMO = join(PACKAGES_DIRECTORY, '..', 'examples', 'team-chat');

/** A client of one room that keeps what it received. */
function joinRoom(
  url: string,
  token: string | undefined,
): Promise<{ socket: WebSocket; received: unknown[] }> {
  const received: unknown[] = [];
  const query = token === undefined ? '' : `?token=${token}`;
  const socket = new WebSocket(`${url.replace('http', 'ws')}/chat/rooms/general${query}`);
  socket.on('message', (data) => received.push(JSON.parse(String(data))));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, received }));
    socket.once('error', reject);
  });
}

async function until<T>(read: () => T | undefined): Promise<T> {
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the team-chat demo, as `npm start` runs it', () => {
  let directory: TempDirectory;
  let project: string;

  beforeEach(async () => {
    directory = await makeTempDirectory();
    project = join(directory.path, 'team-chat');
    await cp(DEMO, project, { recursive: true, filter: (source) => !source.includes('.trellis') });
    await linkWorkspace(project);
  });

  afterEach(async () => {
    await stopAll();
    await directory.remove();
  });

  it('signs in, serves REST, GraphQL and WebSocket rooms, runs the digest and keeps an audit trail', async () => {
    const host = spawnTrellis(['start', '--port', '0'], { cwd: project });
    await host.waitFor(/listening on/);
    const url = listeningUrl(host.stdout);
    const post = (path: string, body: unknown, token?: string) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
    const get = (path: string, token: string) =>
      fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });

    const wrong = await post('/auth/login', { username: 'ada', password: 'nope' });
    expect(wrong.status).toBe(401);
    const ada = (await (await post('/auth/login', { username: 'ada', password: 'analytical' })).json()) as {
      token: string;
    };
    const grace = (await (await post('/auth/login', { username: 'grace', password: 'compiler' })).json()) as {
      token: string;
    };
    expect(await (await get('/users/me', ada.token)).json()).toEqual({
      id: 'ada',
      name: 'Ada Lovelace',
      roles: ['member', 'admin'],
    });
    expect((await fetch(`${url}/users/me`)).status).toBe(401);
    expect(
      (await post('/api/users.create', { id: 'linus', name: 'Linus', password: 'penguins!' }, grace.token))
        .status,
    ).toBe(403);
    expect(
      (await post('/api/users.create', { id: 'linus', name: 'Linus', password: 'penguins!' }, ada.token))
        .status,
    ).toBe(200);
    expect(
      (await post('/api/users.create', { id: 'linus', name: 'Linus', password: 'penguins!' }, ada.token))
        .status,
    ).toBe(409);

    const refused = new WebSocket(`${url.replace('http', 'ws')}/chat/rooms/general`);
    const refusal = await new Promise<number>((resolve) => refused.once('close', resolve));
    expect(refusal).toBe(4001);

    const first = await joinRoom(url, ada.token);
    const second = await joinRoom(url, grace.token);
    first.socket.send(JSON.stringify({ text: 'Hello, Grace' }));
    const delivered = await until(() =>
      second.received.find((message) => (message as { type?: string }).type === 'message'),
    );
    expect(delivered).toMatchObject({ room: 'general', from: 'ada', text: 'Hello, Grace' });
    second.socket.close();
    const presence = await until(() =>
      first.received.findLast(
        (message) =>
          (message as { type?: string }).type === 'presence' &&
          (message as { members: string[] }).members.length === 1,
      ),
    );
    expect(presence).toMatchObject({ members: ['ada'] });
    first.socket.close();

    const graphql = await post(
      '/graphql',
      { query: '{ me { id } rooms messages(room: "general") { from text } }' },
      grace.token,
    );
    expect(await graphql.json()).toEqual({
      data: { me: { id: 'grace' }, rooms: ['general'], messages: [{ from: 'ada', text: 'Hello, Grace' }] },
    });

    const digest = (await (await post('/digest/run', {}, grace.token)).json()) as {
      status: string;
      digests: Array<{ room: string; messages: number }>;
    };
    expect(digest.status).toBe('completed');
    expect(digest.digests).toEqual([expect.objectContaining({ room: 'general', messages: 1 })]);

    expect((await get('/audit/events', grace.token)).status).toBe(403);
    const trail = (await (await get('/audit/events?limit=200', ada.token)).json()) as Array<{
      topic: string;
    }>;
    const topics = new Set(trail.map((entry) => entry.topic));
    for (const topic of [
      'auth.login',
      'user.created',
      'chat.message.sent',
      'digest.created',
      'task.completed',
    ])
      expect(topics).toContain(topic);

    const disabled = await runTrellis(['disable', 'chat'], { cwd: project });
    expect(disabled.code).toBe(0);
    expect((await get('/chat/rooms', ada.token)).status).toBe(503);
    expect((await runTrellis(['enable', 'chat'], { cwd: project })).code).toBe(0);
    expect(await (await get('/chat/rooms', ada.token)).json()).toEqual(['general']);
  });
});
