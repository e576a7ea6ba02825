import { definePlugin, TrellisError } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { WebSocketHub } from '../../src/websocket/websocket-hub.js';
import type { WebSocketCloseEvent, WebSocketConnection } from '../../src/websocket/websocket-types.js';
import { connect, realtime, startRealtime, TOKENS } from './support.js';

/** A plugin serving `path` with `handler`, under its own name. */
function endpointPlugin(
  name: string,
  path: string,
  handler: (connection: WebSocketConnection) => unknown,
  options: Parameters<ReturnType<typeof realtime>['ws']>[2] = {},
) {
  return definePlugin({
    name,
    version: '1.0.0',
    setup(ctx) {
      realtime(ctx).ws(path, handler, options);
    },
  });
}

/** Answers every message with `{ echo: message }`. */
function echo(connection: WebSocketConnection): void {
  connection.on('message', (message) => {
    connection.send({ echo: message });
  });
}

describe('WebSocket endpoints', () => {
  it('serves paths under the plugin prefix with params, query and principal', async () => {
    const paths: string[] = [];
    const plugin = definePlugin({
      name: '@acme/chat',
      version: '1.0.0',
      setup(ctx) {
        paths.push(
          realtime(ctx).ws('/rooms/:room', (connection) => {
            connection.send({
              principal: connection.principal?.id ?? null,
              params: connection.params,
              mood: connection.query.get('mood'),
            });
          }),
        );
        paths.push(realtime(ctx).ws('/feed', echo, { prefix: false }));
      },
    });
    const fixture = await startRealtime([plugin]);
    expect(paths).toEqual(['/acme/chat/rooms/:room', '/feed']);

    const client = await connect(fixture.wsUrl('/acme/chat/rooms/lobby%20one?token=alice&mood=calm'));
    expect(await client.next()).toEqual({ principal: 'alice', params: { room: 'lobby one' }, mood: 'calm' });

    const anonymous = await connect(fixture.wsUrl('/feed'));
    anonymous.send({ hello: 1 });
    expect(await anonymous.next()).toEqual({ echo: { hello: 1 } });
    await expect(connect(fixture.wsUrl('/acme/chat/feed'))).rejects.toThrow('404');
  });

  it('answers invalid JSON with an E_BAD_MESSAGE error frame and keeps the connection open', async () => {
    const fixture = await startRealtime([endpointPlugin('echo', '/', echo)]);
    const client = await connect(fixture.wsUrl('/echo'));
    client.send('{"not": json');
    const frame = (await client.next()) as { error: { code: string; message: string } };
    expect(frame.error.code).toBe('E_BAD_MESSAGE');
    expect(frame.error.message).toContain('JSON');
    client.send({ still: 'open' });
    expect(await client.next()).toEqual({ echo: { still: 'open' } });
  });

  it('passes binary messages as Buffers, and text as strings when json is false', async () => {
    const received: unknown[] = [];
    const fixture = await startRealtime([
      endpointPlugin(
        'raw',
        '/',
        (connection) => {
          connection.on('message', (message) => {
            received.push(message);
            connection.send(
              Buffer.isBuffer(message) ? Buffer.from([...message].reverse()) : `got ${message}`,
            );
          });
        },
        { json: false },
      ),
    ]);
    const client = await connect(fixture.wsUrl('/raw'));
    client.socket.send('{"a":1}');
    expect(await client.next()).toEqual('got {"a":1}');
    client.socket.send(Buffer.from([1, 2, 3]));
    expect([...((await client.next()) as Buffer)]).toEqual([3, 2, 1]);
    expect(received[0]).toBe('{"a":1}');
  });

  it('turns listener failures into error frames: TrellisErrors as they are, others masked', async () => {
    const logged: unknown[] = [];
    const plugin = definePlugin({
      name: 'faulty',
      version: '1.0.0',
      setup(ctx) {
        realtime(ctx).ws('/', (connection) => {
          connection.on('message', async (message) => {
            const kind = (message as { kind: string }).kind;
            if (kind === 'trellis')
              throw new TrellisError('E_ROOM_FULL', 'The room is full.', { details: { limit: 2 } });
            if (kind === 'plain') throw new Error('connection string postgres://secret@db');
            if (kind === 'bigint') connection.send({ value: 10n });
            if (kind === 'rejected') await Promise.reject(new Error('rejected internals'));
            connection.send({ ok: kind });
          });
          connection.on('close', () => logged.push('closed'));
        });
      },
    });
    const fixture = await startRealtime([plugin]);
    const client = await connect(fixture.wsUrl('/faulty'));

    client.send({ kind: 'trellis' });
    expect(await client.next()).toEqual({
      error: { code: 'E_ROOM_FULL', message: 'The room is full.', details: { limit: 2 } },
    });
    client.send({ kind: 'plain' });
    const masked = (await client.next()) as { error: { code: string; message: string } };
    expect(masked.error.code).toBe('E_INTERNAL');
    expect(masked.error.message).not.toContain('secret');
    client.send({ kind: 'bigint' });
    expect(((await client.next()) as { error: { code: string } }).error.code).toBe('E_VALUE_NOT_JSON');
    client.send({ kind: 'rejected' });
    expect(((await client.next()) as { error: { code: string } }).error.code).toBe('E_INTERNAL');
    client.send({ kind: 'fine' });
    expect(await client.next()).toEqual({ ok: 'fine' });
    expect(logged).toEqual([]);
  });

  it('closes with 1011 after an error frame when the handler fails while opening', async () => {
    const fixture = await startRealtime([
      endpointPlugin('broken', '/', () => {
        throw new TrellisError('E_NOT_READY', 'Not ready yet.');
      }),
    ]);
    const client = await connect(fixture.wsUrl('/broken'));
    expect(((await client.next()) as { error: { code: string } }).error.code).toBe('E_NOT_READY');
    expect((await client.closed).code).toBe(1011);
  });

  it('holds messages until an async handler has finished adding its listeners', async () => {
    let release = () => {};
    const ready = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fixture = await startRealtime([
      endpointPlugin('slow-start', '/', async (connection) => {
        await ready;
        echo(connection);
      }),
    ]);
    const client = await connect(fixture.wsUrl('/slow-start'));
    client.send({ early: true });
    release();
    expect(await client.next()).toEqual({ echo: { early: true } });
  });

  it('validates close codes and room names', async () => {
    const failures: string[] = [];
    const fixture = await startRealtime([
      endpointPlugin('strict', '/', (connection) => {
        connection.on('message', () => {
          for (const attempt of [
            () => connection.close(1006),
            () => connection.join(''),
            () => connection.close(999),
          ]) {
            try {
              attempt();
            } catch (error) {
              failures.push((error as TrellisError).code);
            }
          }
          connection.close(4000, 'done');
        });
      }),
    ]);
    const client = await connect(fixture.wsUrl('/strict'));
    client.send({});
    expect(await client.closed).toEqual({ code: 4000, reason: 'done' });
    expect(failures).toEqual(['E_INVALID_ARGUMENT', 'E_INVALID_ARGUMENT', 'E_INVALID_ARGUMENT']);
  });

  it('refuses a path another plugin serves, naming both plugins', async () => {
    const first = endpointPlugin('first', '/shared', echo, { prefix: false });
    const second = endpointPlugin('second', '/shared', echo, { prefix: false });
    const third = endpointPlugin('third', '/rooms/:name', echo, { prefix: false });
    const fourth = endpointPlugin('fourth', '/rooms/:id', echo, { prefix: false });
    const fixture = await startRealtime([first, second, third, fourth]);
    const failed = Object.fromEntries(
      fixture.host
        .plugins()
        .filter((plugin) => plugin.state === 'failed')
        .map((plugin) => [plugin.name, plugin.error?.cause]),
    );
    expect(Object.keys(failed).sort()).toEqual(['fourth', 'second']);
    const clash = failed.second as TrellisError;
    expect(clash.code).toBe('E_WS_ENDPOINT_CLASH');
    expect(clash.details).toEqual({ path: '/shared', owner: 'first', claimant: 'second' });
    expect(clash.message).toContain("'first'");
    expect(clash.message).toContain("'second'");
    expect((failed.fourth as TrellisError).details).toMatchObject({ owner: 'third', claimant: 'fourth' });
  });

  it('refuses malformed endpoint paths and handlers', async () => {
    const codes: string[] = [];
    const plugin = definePlugin({
      name: 'sloppy',
      version: '1.0.0',
      setup(ctx) {
        const attempts = [
          () => realtime(ctx).ws('no-slash', echo),
          () => realtime(ctx).ws('/x', 'not a function' as never),
          () => realtime(ctx).ws('/y', echo, null as never),
        ];
        for (const attempt of attempts) {
          try {
            attempt();
          } catch (error) {
            codes.push((error as TrellisError).code);
          }
        }
      },
    });
    await startRealtime([plugin]);
    expect(codes).toEqual(['E_ROUTE_INVALID', 'E_INVALID_ARGUMENT', 'E_INVALID_ARGUMENT']);
  });

  it("leaves other upgrades to Fastify's own WebSocket routes", async () => {
    const fixture = await startRealtime([endpointPlugin('echo', '/', echo)], {
      configure: (app) => {
        app.register(async (instance) => {
          instance.get('/plain', { websocket: true }, (socket) => socket.send('plain route'));
        });
      },
    });
    expect(await (await connect(fixture.wsUrl('/plain'))).next()).toBe('plain route');
    await expect(fixture.hub.register(fixture.app)).rejects.toThrow(TrellisError);
  });

  it('rejects malformed hub options', () => {
    const deps = {
      authenticator: { authenticate: async () => undefined },
      logger: undefined as never,
      host: () => undefined,
    };
    expect(() => new WebSocketHub(deps, { heartbeatInterval: -1 })).toThrow(TrellisError);
    expect(() => new WebSocketHub(deps, { maxPayload: 1.5 })).toThrow(/maxPayload/);
  });
});

describe('WebSocket rooms', () => {
  interface Command {
    readonly join?: string;
    readonly leave?: string;
    readonly say?: string;
    readonly to?: string;
    readonly state?: string;
    readonly everyone?: string;
  }
  const lobby = definePlugin({
    name: 'lobby',
    version: '1.0.0',
    setup(ctx) {
      const { ws } = realtime(ctx);
      ws('/', (connection) => {
        connection.on('message', (message) => {
          const command = message as Command;
          if (command.join !== undefined) connection.join(command.join);
          if (command.leave !== undefined) connection.leave(command.leave);
          if (command.say !== undefined) {
            ws.room(command.to!).broadcast(
              { from: connection.principal?.id, say: command.say },
              { except: connection },
            );
          }
          if (command.everyone !== undefined) ws.broadcast({ everyone: command.everyone });
          if (command.state !== undefined) {
            const room = ws.room(command.state);
            connection.send({
              rooms: connection.rooms(),
              members: room.members().map((member) => member.principal?.id),
              size: room.size,
              has: room.has(connection),
              nonEmpty: ws
                .rooms()
                .map((each) => each.name)
                .sort(),
              connections: ws.connections().length,
            });
          }
        });
      });
    },
  });

  it('broadcasts to the members of a room but the sender, and tracks membership', async () => {
    const fixture = await startRealtime([lobby]);
    const [alice, bob, root] = await Promise.all(
      ['alice', 'bob', 'root'].map((token) => connect(fixture.wsUrl(`/lobby?token=${token}`))),
    );
    alice!.send({ join: 'x' });
    bob!.send({ join: 'x' });
    root!.send({ join: 'y', state: 'y' });
    expect(await root!.next()).toMatchObject({ rooms: ['y'], members: ['root'], has: true });
    alice!.send({ say: 'hello x', to: 'x', state: 'x' });
    expect(await bob!.next()).toEqual({ from: 'alice', say: 'hello x' });
    expect(await alice!.next()).toEqual({
      rooms: ['x'],
      members: ['alice', 'bob'],
      size: 2,
      has: true,
      nonEmpty: ['x', 'y'],
      connections: 3,
    });
    bob!.send({ leave: 'x', state: 'x' });
    expect(await bob!.next()).toMatchObject({ rooms: [], members: ['alice'], has: false });
    root!.send({ everyone: 'all hands' });
    for (const client of [alice!, bob!, root!])
      expect(await client.next()).toEqual({ everyone: 'all hands' });
    root!.socket.close();
    await root!.closed;
    alice!.send({ state: 'y' });
    expect(await alice!.next()).toMatchObject({ members: [], size: 0, nonEmpty: ['x'], connections: 2 });
  });
});

describe('WebSocket authentication', () => {
  const guarded = definePlugin({
    name: 'vault',
    version: '1.0.0',
    setup(ctx) {
      const { ws } = realtime(ctx);
      const greet = (connection: WebSocketConnection) => connection.send({ hello: connection.principal?.id });
      ws('/members', greet, { auth: true });
      ws('/admin', greet, { auth: { roles: ['admin'] } });
    },
  });

  it('closes with 4001 before the handler runs when credentials are missing or invalid', async () => {
    const fixture = await startRealtime([guarded]);
    for (const url of ['/vault/members', '/vault/members?token=nobody']) {
      const client = await connect(fixture.wsUrl(url));
      const frame = (await client.next()) as { error: { code: string } };
      expect(frame.error.code).toBe('E_UNAUTHENTICATED');
      const closed = await client.closed;
      expect(closed.code).toBe(4001);
      expect(closed.reason).toMatch(/^E_UNAUTHENTICATED: /);
      expect(client.messages).toHaveLength(1);
    }
  });

  it('closes with 4003 when the principal lacks a required role, and lets the right one in', async () => {
    const fixture = await startRealtime([guarded]);
    const member = await connect(fixture.wsUrl('/vault/admin'), {
      headers: { authorization: 'Bearer alice' },
    });
    expect(((await member.next()) as { error: { code: string } }).error.code).toBe('E_PERMISSION_DENIED');
    expect((await member.closed).code).toBe(4003);
    const admin = await connect(fixture.wsUrl('/vault/admin'), { headers: { authorization: 'Bearer root' } });
    expect(await admin.next()).toEqual({ hello: TOKENS.root!.id });
  });
});

describe('WebSocket limits', () => {
  it('closes with 1009 on a message over maxPayload', async () => {
    const fixture = await startRealtime([endpointPlugin('echo', '/', echo)], {
      websocket: { maxPayload: 1024 },
    });
    const client = await connect(fixture.wsUrl('/echo'));
    client.send({ small: 'x'.repeat(100) });
    expect(await client.next()).toEqual({ echo: { small: 'x'.repeat(100) } });
    client.send({ big: 'x'.repeat(2048) });
    expect((await client.closed).code).toBe(1009);
  });

  it('drops a peer that stops answering pings, and only that one', async () => {
    const closes: WebSocketCloseEvent[] = [];
    const plugin = endpointPlugin('beat', '/', (connection) => {
      connection.on('close', (event) => closes.push(event));
      connection.on('message', () => connection.send({ alive: true }));
    });
    const fixture = await startRealtime([plugin], { websocket: { heartbeatInterval: 30 } });
    const healthy = await connect(fixture.wsUrl('/beat'));
    const dead = await connect(fixture.wsUrl('/beat'), { autoPong: false });
    expect((await dead.closed).code).toBe(1006);
    expect(closes).toEqual([{ code: 1006, reason: 'no answer to ping' }]);
    healthy.send({});
    expect(await healthy.next()).toEqual({ alive: true });
  });
});

describe('WebSocket lifecycle', () => {
  it('closes the connections of a disabled plugin with 1012, refuses upgrades with 503, and serves again once enabled', async () => {
    const fixture = await startRealtime([endpointPlugin('echo', '/', echo)]);
    const client = await connect(fixture.wsUrl('/echo'));
    await fixture.host.disable('echo');
    expect((await client.closed).code).toBe(1012);
    await expect(connect(fixture.wsUrl('/echo'))).rejects.toThrow('503');
    await fixture.host.enable('echo');
    const again = await connect(fixture.wsUrl('/echo'));
    again.send(1);
    expect(await again.next()).toEqual({ echo: 1 });
  });

  it('closes the connections of a reloaded plugin with 1012 and serves the new version', async () => {
    const fixture = await startRealtime([endpointPlugin('greeter', '/', (c) => c.send('v1'))]);
    const client = await connect(fixture.wsUrl('/greeter'));
    expect(await client.next()).toBe('v1');
    await fixture.host.reload(
      'greeter',
      endpointPlugin('greeter', '/', (c) => c.send('v2')),
    );
    expect((await client.closed).code).toBe(1012);
    expect(await (await connect(fixture.wsUrl('/greeter'))).next()).toBe('v2');
  });

  it('closes every connection with 1001 when the host stops', async () => {
    const fixture = await startRealtime([endpointPlugin('echo', '/', echo)]);
    const clients = await Promise.all([connect(fixture.wsUrl('/echo')), connect(fixture.wsUrl('/echo'))]);
    await fixture.host.stop();
    for (const client of clients) expect((await client.closed).code).toBe(1001);
  });
});
