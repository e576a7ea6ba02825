import { definePlugin, type Plugin, type PluginInfo, TrellisError } from '@trellis/core';
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { GraphQLScalarType } from '../../src/graphql/graphql-js.js';
import type { GraphqlContribution } from '../../src/graphql/graphql-types.js';
import { realtime, startRealtime } from '../websocket/support.js';

/** A plugin whose setup only contributes `contributions` to the schema. */
function schemaPlugin(name: string, ...contributions: GraphqlContribution[]): Plugin {
  return definePlugin({
    name,
    version: '1.0.0',
    setup(ctx) {
      for (const contribution of contributions) realtime(ctx).graphql.extend(contribution);
    },
  });
}

const users = schemaPlugin('users', {
  typeDefs: /* GraphQL */ `
    type User { id: ID!, name: String! }
    extend type Query { user(id: ID!): User }
  `,
  resolvers: {
    Query: { user: (_source: unknown, args: { id: string }) => ({ id: args.id, name: `user ${args.id}` }) },
  },
});

const posts = schemaPlugin('posts', {
  typeDefs: /* GraphQL */ `
    extend type User { posts: [String!]! }
    type Query { postCount: Int! }
  `,
  resolvers: {
    User: { posts: (user: { id: string }) => [`first post of ${user.id}`] },
    Query: { postCount: () => 1 },
  },
});

interface GraphqlResponse {
  readonly status: number;
  readonly body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; path?: string[]; extensions: { code: string; details?: unknown } }>;
  };
}

async function post(url: string, body: unknown, token?: string): Promise<GraphqlResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as GraphqlResponse['body'] };
}

async function get(url: string): Promise<GraphqlResponse & { readonly allow: string | null }> {
  const response = await fetch(url);
  return {
    status: response.status,
    allow: response.headers.get('allow'),
    body: (await response.json()) as GraphqlResponse['body'],
  };
}

/** The `cause` of the setup failure of each failed plugin. */
function failures(plugins: readonly PluginInfo[]): Record<string, TrellisError> {
  return Object.fromEntries(
    plugins
      .filter((plugin) => plugin.state === 'failed')
      .map((plugin) => [plugin.name, plugin.error?.cause as TrellisError]),
  );
}

describe('GraphQL schema', () => {
  it("merges plugins' type definitions and resolvers into one schema", async () => {
    const fixture = await startRealtime([users, posts]);
    const { status, body } = await post(fixture.httpUrl('/graphql'), {
      query: 'query One($id: ID!) { user(id: $id) { id name posts } postCount }',
      variables: { id: '7' },
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      data: { user: { id: '7', name: 'user 7', posts: ['first post of 7'] }, postCount: 1 },
    });

    const viaGet = await get(
      fixture.httpUrl(
        `/graphql?query=${encodeURIComponent('query($id: ID!) { user(id: $id) { name } }')}&variables=${encodeURIComponent('{"id":"3"}')}`,
      ),
    );
    expect(viaGet.body).toEqual({ data: { user: { name: 'user 3' } } });
  });

  it('fails the second plugin contributing a type or field, naming both plugins', async () => {
    const rival = schemaPlugin('rival', {
      typeDefs: 'type User { id: ID! } extend type Query { other: Int }',
    });
    const copycat = schemaPlugin('copycat', { typeDefs: 'extend type Query { postCount: Int! }' });
    const fixture = await startRealtime([users, posts, rival, copycat]);
    const failed = failures(fixture.host.plugins());
    expect(Object.keys(failed).sort()).toEqual(['copycat', 'rival']);
    expect(failed.rival).toMatchObject({
      code: 'E_GRAPHQL_CLASH',
      details: { kind: 'type', name: 'User', owner: 'users', claimant: 'rival' },
    });
    expect(failed.copycat?.details).toEqual({
      kind: 'field',
      name: 'Query.postCount',
      owner: 'posts',
      claimant: 'copycat',
    });
    expect(failed.copycat?.message).toMatch(/'copycat'.*'posts'/);
    const { body } = await post(fixture.httpUrl('/graphql'), { query: '{ postCount }' });
    expect(body.data).toEqual({ postCount: 1 });
  });

  it('refuses invalid SDL, reserved names and resolvers for what the plugin does not contribute', async () => {
    const fixture = await startRealtime([
      users,
      schemaPlugin('syntax', { typeDefs: 'type {' }),
      schemaPlugin('operation', { typeDefs: '{ user(id: 1) { id } }' }),
      schemaPlugin('schema-def', { typeDefs: 'schema { query: Foo } type Foo { a: Int }' }),
      schemaPlugin('root', { typeDefs: 'directive @auth on FIELD_DEFINITION' }),
      schemaPlugin('hijack', {
        typeDefs: 'extend type Query { mine: Int }',
        resolvers: { User: { name: () => 'hijacked' } },
      }),
      schemaPlugin('scalar', {
        typeDefs: 'extend type Query { when: Int }',
        resolvers: { Date: new GraphQLScalarType({ name: 'Date' }) },
      }),
      schemaPlugin('shape', { typeDefs: 42 as never }),
    ]);
    const codes = Object.fromEntries(
      Object.entries(failures(fixture.host.plugins())).map(([name, error]) => [name, error.code]),
    );
    expect(codes).toEqual({
      syntax: 'E_GRAPHQL_SDL_INVALID',
      operation: 'E_GRAPHQL_SDL_INVALID',
      'schema-def': 'E_GRAPHQL_SDL_INVALID',
      root: 'E_GRAPHQL_CLASH',
      hijack: 'E_GRAPHQL_RESOLVER_INVALID',
      scalar: 'E_GRAPHQL_RESOLVER_INVALID',
      shape: 'E_GRAPHQL_SDL_INVALID',
    });
    const { body } = await post(fixture.httpUrl('/graphql'), { query: '{ user(id: "1") { name } }' });
    expect(body.data).toEqual({ user: { name: 'user 1' } });
  });

  it('leaves out a contribution that does not fit the merged schema, and reports it', async () => {
    const dangling = schemaPlugin('dangling', { typeDefs: 'extend type Query { ghost: Ghost }' });
    const fixture = await startRealtime([users, dangling]);
    expect(fixture.host.plugins().every((plugin) => plugin.state === 'running')).toBe(true);
    const { body } = await post(fixture.httpUrl('/graphql'), { query: '{ user(id: "2") { id } }' });
    expect(body.data).toEqual({ user: { id: '2' } });
    const problems = fixture.gateway.problems();
    expect(problems.map((problem) => [problem.plugin, problem.error.code])).toEqual([
      ['dangling', 'E_GRAPHQL_SCHEMA_INVALID'],
    ]);
    expect(problems[0]?.error.message).toContain('Ghost');
  });

  it('answers 503 E_GRAPHQL_NO_SCHEMA while no plugin adds a Query field', async () => {
    const fixture = await startRealtime([schemaPlugin('types-only', { typeDefs: 'type Lonely { a: Int }' })]);
    const { status, body } = await post(fixture.httpUrl('/graphql'), { query: '{ __typename }' });
    expect(status).toBe(503);
    expect(body.errors?.[0]?.extensions.code).toBe('E_GRAPHQL_NO_SCHEMA');
    expect(fixture.gateway.schema()).toBeUndefined();
  });

  it('removes the contributions of a disabled plugin and brings them back when it is enabled', async () => {
    const fixture = await startRealtime([users, posts]);
    const query = { query: '{ postCount }' };
    expect((await post(fixture.httpUrl('/graphql'), query)).body.data).toEqual({ postCount: 1 });
    await fixture.host.disable('posts');
    const gone = await post(fixture.httpUrl('/graphql'), query);
    expect(gone.status).toBe(400);
    expect(gone.body.errors?.[0]?.extensions.code).toBe('E_GRAPHQL_VALIDATION');
    expect(fixture.gateway.schema()?.getType('User')).toBeDefined();
    await fixture.host.enable('posts');
    expect((await post(fixture.httpUrl('/graphql'), query)).body.data).toEqual({ postCount: 1 });
  });
});

describe('GraphQL requests', () => {
  const failing = schemaPlugin('failing', {
    typeDefs:
      'extend type Query { missing: String, broken: String, fine: String } extend type Mutation { touch: Boolean }',
    resolvers: {
      Query: {
        missing: () => {
          throw new TrellisError('E_NOT_FOUND', 'Nothing here.', { details: { what: 'missing' } });
        },
        broken: () => {
          throw new Error('password=hunter2');
        },
        fine: () => 'fine',
      },
      Mutation: { touch: () => true },
    },
  });

  it('puts the Trellis code in extensions.code and masks other errors as E_INTERNAL', async () => {
    const fixture = await startRealtime([failing]);
    const { status, body } = await post(fixture.httpUrl('/graphql'), { query: '{ missing broken fine }' });
    expect(status).toBe(200);
    expect(body.data).toEqual({ missing: null, broken: null, fine: 'fine' });
    const byPath = Object.fromEntries((body.errors ?? []).map((error) => [error.path?.[0], error]));
    expect(byPath.missing).toMatchObject({
      message: 'Nothing here.',
      extensions: { code: 'E_NOT_FOUND', details: { what: 'missing' } },
    });
    expect(byPath.broken?.extensions.code).toBe('E_INTERNAL');
    expect(JSON.stringify(byPath.broken)).not.toContain('hunter2');
  });

  it('answers malformed requests with 400 and the reason', async () => {
    const fixture = await startRealtime([failing]);
    const url = fixture.httpUrl('/graphql');
    const cases: Array<[unknown, string]> = [
      [{ query: '{ fine' }, 'E_GRAPHQL_SYNTAX'],
      [{ query: '{ nope }' }, 'E_GRAPHQL_VALIDATION'],
      [{ query: 42 }, 'E_BAD_REQUEST'],
      [{ query: '{ fine }', variables: [1] }, 'E_BAD_REQUEST'],
      [{ query: 'query A { fine } query B { fine }' }, 'E_BAD_REQUEST'],
      [{ query: 'query A { fine }', operationName: 'C' }, 'E_BAD_REQUEST'],
      [{ query: 'subscription { fine }' }, 'E_BAD_REQUEST'],
    ];
    for (const [request, code] of cases) {
      const { status, body } = await post(url, request);
      expect([status, body.errors?.[0]?.extensions.code]).toEqual([400, code]);
    }
    const mutationOverGet = await get(`${url}?query=${encodeURIComponent('mutation { touch }')}`);
    expect([
      mutationOverGet.status,
      mutationOverGet.allow,
      mutationOverGet.body.errors?.[0]?.extensions.code,
    ]).toEqual([405, 'POST', 'E_METHOD_NOT_ALLOWED']);
    expect((await get(`${url}?variables=%7B`)).status).toBe(400);
    expect((await post(url, { query: 'mutation { touch }' })).body.data).toEqual({ touch: true });
  });
});

describe('GraphQL auth and capabilities', () => {
  const accounts = definePlugin({
    name: 'accounts',
    version: '1.0.0',
    setup(ctx) {
      ctx.provide('accounts.whoami', (_params, call) => ({
        id: call.principal?.id ?? null,
        requestId: call.requestId,
      }));
      realtime(ctx).graphql.extend({
        typeDefs: /* GraphQL */ `
          type Whoami { id: String, requestId: String }
          type Secret @auth(roles: ["admin"]) { value: String }
          extend type Query {
            whoami: Whoami
            me: String @auth
            secret: Secret
            open: String
          }
        `,
        resolvers: {
          Query: {
            whoami: (_source: unknown, _args: unknown, context) => context.call('accounts.whoami'),
            me: (_source: unknown, _args: unknown, context) => context.principal?.id,
            secret: () => ({ value: 'the plans' }),
            open: (_source: unknown, _args: unknown, context) => context.principal?.id ?? 'anonymous',
          },
        },
      });
    },
  });

  it('lets anonymous requests in, and checks @auth on fields and types', async () => {
    const fixture = await startRealtime([accounts]);
    const url = fixture.httpUrl('/graphql');
    const anonymous = await post(url, { query: '{ open me }' });
    expect(anonymous.body.data).toEqual({ open: 'anonymous', me: null });
    expect(anonymous.body.errors?.[0]?.extensions.code).toBe('E_UNAUTHENTICATED');

    const alice = await post(url, { query: '{ open me secret { value } }' }, 'alice');
    expect(alice.body.data).toEqual({ open: 'alice', me: 'alice', secret: { value: null } });
    expect(alice.body.errors?.[0]).toMatchObject({
      path: ['secret', 'value'],
      extensions: { code: 'E_PERMISSION_DENIED' },
    });

    const root = await post(url, { query: '{ secret { value } }' }, 'root');
    expect(root.body).toEqual({ data: { secret: { value: 'the plans' } } });
    expect((await post(url, { query: '{ open }' }, 'forged')).status).toBe(401);
  });

  it('calls capabilities as the request principal with the request id', async () => {
    const fixture = await startRealtime([accounts]);
    const { body } = await post(fixture.httpUrl('/graphql'), { query: '{ whoami { id requestId } }' }, 'bob');
    const whoami = body.data?.whoami as { id: string; requestId: string };
    expect(whoami.id).toBe('bob');
    expect(whoami.requestId).toMatch(/\S/);
  });

  it('refuses requests to an endpoint that requires auth with 401', async () => {
    const fixture = await startRealtime([accounts], { graphql: { auth: true } });
    const refused = await post(fixture.httpUrl('/graphql'), { query: '{ open }' });
    expect([refused.status, refused.body.errors?.[0]?.extensions.code]).toEqual([401, 'E_UNAUTHENTICATED']);
    expect((await post(fixture.httpUrl('/graphql'), { query: '{ open }' }, 'alice')).body.data).toEqual({
      open: 'alice',
    });
  });
});

/** A plugin emitting `chat.message.sent` and serving it as the `messageSent(room)` subscription. */
function chatSchema(onSubscribed: () => void) {
  return definePlugin({
    name: 'chat',
    version: '1.0.0',
    permissions: { emits: ['chat.**'] },
    setup(ctx) {
      const { graphql } = realtime(ctx);
      const messages = graphql.fromEvents<{ room: string }>(
        'chat.message.sent',
        (payload, args) => payload.room === args.room,
      );
      graphql.extend({
        typeDefs: /* GraphQL */ `
          type Message { room: String!, text: String! }
          extend type Query { rooms: [String!]! }
          extend type Mutation { send(room: String!, text: String!): Boolean @auth }
          extend type Subscription {
            messageSent(room: String!): Message
            privateMessages: Message @auth(roles: ["admin"])
          }
        `,
        resolvers: {
          Query: { rooms: () => ['lobby'] },
          Mutation: {
            send: async (_source: unknown, args: { room: string; text: string }) => {
              await ctx.emit('chat.message.sent', args);
              return true;
            },
          },
          Subscription: {
            messageSent: {
              subscribe: (source, args, context, info) => {
                const events = messages(source, args, context, info);
                onSubscribed();
                return events;
              },
            },
            privateMessages: { subscribe: graphql.fromEvents('chat.private') },
          },
        },
      });
    },
  });
}

/** Runs one subscription to its end, collecting what arrives. */
function subscribe(
  url: string,
  query: string,
  connectionParams?: Record<string, unknown>,
  webSocketImpl: unknown = WebSocket,
): { readonly results: unknown[]; readonly done: Promise<{ readonly error?: unknown }>; dispose(): void } {
  const client = createClient({
    url,
    webSocketImpl,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
  const results: unknown[] = [];
  let dispose = () => {};
  const done = new Promise<{ error?: unknown }>((resolve) => {
    const unsubscribe = client.subscribe(
      { query },
      {
        next: (result) => results.push(result),
        error: (error) => resolve({ error }),
        complete: () => resolve({}),
      },
    );
    dispose = () => {
      unsubscribe();
      void client.dispose();
    };
  });
  void done.then(() => client.dispose());
  return { results, done, dispose };
}

describe('GraphQL subscriptions', () => {
  it('feeds subscriptions from host events, filtered per subscriber, over graphql-transport-ws', async () => {
    let subscribed = () => {};
    const ready = new Promise<void>((resolve) => {
      subscribed = resolve;
    });
    const fixture = await startRealtime([chatSchema(() => subscribed())]);
    const subscription = subscribe(
      fixture.wsUrl('/graphql'),
      'subscription { messageSent(room: "lobby") { room text } }',
      { authorization: 'Bearer alice' },
    );
    await ready;
    await fixture.host.emit('chat.message.sent', { room: 'kitchen', text: 'not for you' });
    const sent = await post(
      fixture.httpUrl('/graphql'),
      { query: 'mutation { send(room: "lobby", text: "hello") }' },
      'bob',
    );
    expect(sent.body.data).toEqual({ send: true });
    subscription.dispose();
    await subscription.done;
    expect(subscription.results).toEqual([{ data: { messageSent: { room: 'lobby', text: 'hello' } } }]);
  });

  it('completes the subscriptions of a plugin that stops', async () => {
    let subscribed = () => {};
    const ready = new Promise<void>((resolve) => {
      subscribed = resolve;
    });
    const fixture = await startRealtime([chatSchema(() => subscribed())]);
    const subscription = subscribe(
      fixture.wsUrl('/graphql'),
      'subscription { messageSent(room: "lobby") { text } }',
    );
    await ready;
    await fixture.host.disable('chat');
    expect(await subscription.done).toEqual({});
  });

  it('reports auth failures of a subscription field with their code', async () => {
    const fixture = await startRealtime([chatSchema(() => {})]);
    const subscription = subscribe(fixture.wsUrl('/graphql'), 'subscription { privateMessages { text } }', {
      authorization: 'Bearer alice',
    });
    await subscription.done;
    expect(subscription.results).toEqual([
      {
        errors: [
          expect.objectContaining({ extensions: expect.objectContaining({ code: 'E_PERMISSION_DENIED' }) }),
        ],
      },
    ]);
  });

  it('answers subscription errors in the operation with their codes', async () => {
    const fixture = await startRealtime([chatSchema(() => {})]);
    const subscription = subscribe(fixture.wsUrl('/graphql'), 'subscription { nothing }');
    const { error } = await subscription.done;
    expect(error).toEqual([expect.objectContaining({ extensions: { code: 'E_GRAPHQL_VALIDATION' } })]);
  });

  it('ends a subscription whose source fails with the error and its code', async () => {
    const ticker = schemaPlugin('ticker', {
      typeDefs: 'extend type Query { now: Int } extend type Subscription { ticks: Int }',
      resolvers: {
        Query: { now: () => 0 },
        Subscription: {
          ticks: {
            subscribe: async function* () {
              yield 1;
              throw new TrellisError('E_TICKS_EXHAUSTED', 'No more ticks.', { details: { after: 1 } });
            },
          },
        },
      },
    });
    const fixture = await startRealtime([ticker]);
    const subscription = subscribe(fixture.wsUrl('/graphql'), 'subscription { ticks }');
    const { error } = await subscription.done;
    expect(subscription.results).toEqual([{ data: { ticks: 1 } }]);
    expect(error).toEqual([
      { message: 'No more ticks.', extensions: { code: 'E_TICKS_EXHAUSTED', details: { after: 1 } } },
    ]);
  });

  it('drops a subscription socket that stops answering pings', async () => {
    /** A client that never answers pings, as a peer that vanished would not. */
    class DeafWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { autoPong: false });
      }
    }
    const fixture = await startRealtime([chatSchema(() => {})], { graphql: { heartbeatInterval: 30 } });
    const subscription = subscribe(
      fixture.wsUrl('/graphql'),
      'subscription { messageSent(room: "x") { text } }',
      undefined,
      DeafWebSocket,
    );
    const { error } = await subscription.done;
    expect(error).toMatchObject({ code: 1006 });
  });

  it('closes a subscription socket with 4401 when the endpoint requires auth and none is given', async () => {
    const fixture = await startRealtime([chatSchema(() => {})], { graphql: { auth: true } });
    const subscription = subscribe(
      fixture.wsUrl('/graphql'),
      'subscription { messageSent(room: "x") { text } }',
    );
    const { error } = await subscription.done;
    expect(error).toMatchObject({ code: 4401 });
    expect((error as { reason: string }).reason).toMatch(/^E_UNAUTHENTICATED/);
  });
});
