import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { definePlugin, TrellisError } from '@trellis/core';
import { z } from 'zod';

const hash = promisify(scrypt);

/** A user as every other plugin sees it: never the password hash. */
const publicUser = ({ id, name, roles }) => ({ id, name, roles });

async function passwordHash(password, salt = randomBytes(16).toString('hex')) {
  const derived = await hash(password, salt, 32);
  return `${salt}:${derived.toString('hex')}`;
}

async function passwordMatches(password, stored) {
  const [salt, expected] = stored.split(':');
  const actual = (await passwordHash(password, salt)).split(':')[1];
  return timingSafeEqual(Buffer.from(actual, 'hex'), Buffer.from(expected, 'hex'));
}

const UserId = z.string().regex(/^[a-z][a-z0-9-]{1,31}$/, 'lower-case letters, digits and dashes');
const NewUser = z.object({
  id: UserId,
  name: z.string().min(1).max(80),
  password: z.string().min(8),
  roles: z.array(z.enum(['member', 'admin'])).default(['member']),
});

/**
 * Accounts: kept in the plugin's state, served over REST (`/users/...`, `POST /api/users.create`) and
 * GraphQL (`me`, `user`, `users`). Passwords are stored as scrypt hashes and only `auth` may check them.
 */
export default definePlugin({
  name: 'users',
  version: '1.0.0',
  permissions: { emits: ['user.*'] },
  config: z.object({
    seed: z.array(NewUser).default([
      { id: 'ada', name: 'Ada Lovelace', password: 'analytical', roles: ['member', 'admin'] },
      { id: 'grace', name: 'Grace Hopper', password: 'compiler', roles: ['member'] },
    ]),
  }),
  async setup(ctx) {
    const load = (id) => ctx.state.get(`user:${id}`);
    const find = async (id) => {
      const user = await load(id);
      if (user === undefined)
        throw new TrellisError('E_USER_NOT_FOUND', `No user '${id}'. List users with GET /users.`, {
          details: { id },
        });
      return publicUser(user);
    };
    const create = async (input) => {
      const user = {
        id: input.id,
        name: input.name,
        roles: input.roles,
        password: await passwordHash(input.password),
      };
      // Compare-and-set with "absent" makes creation race-free: two creates of one id cannot both win.
      if (!(await ctx.state.compareAndSet(`user:${user.id}`, undefined, user)))
        throw new TrellisError('E_USER_EXISTS', `User '${user.id}' already exists; pick another id.`, {
          details: { id: user.id },
        });
      await ctx.emit('user.created', publicUser(user));
      return publicUser(user);
    };
    const seeded = [];
    for (const seed of ctx.config.seed) {
      if ((await load(seed.id)) !== undefined) continue;
      await create(seed);
      seeded.push(seed.id);
    }
    if (seeded.length > 0)
      ctx.logger.info(
        { users: seeded },
        'created the demo users; sign in with POST /auth/login (see the README)',
      );

    ctx.provide('users.get', ({ id }) => find(id), {
      params: z.object({ id: UserId }),
      description: 'A user by id',
    });
    ctx.provide(
      'users.list',
      async () => (await ctx.state.list('user:')).map(({ value }) => publicUser(value)),
      {
        description: 'Every user',
      },
    );
    ctx.provide(
      'users.create',
      async (input, call) => {
        if (!call.principal?.roles?.includes('admin'))
          throw new TrellisError('E_PERMISSION_DENIED', 'Only admins create users.', {
            details: { required: 'admin' },
          });
        return create(input);
      },
      { params: NewUser, description: 'Creates a user (admins only)' },
    );
    ctx.provide(
      'users.verifyPassword',
      async ({ id, password }) => {
        const user = await load(id);
        return user !== undefined && (await passwordMatches(password, user.password))
          ? publicUser(user)
          : null;
      },
      { params: z.object({ id: z.string(), password: z.string() }) },
    );

    ctx.http.get('/', { auth: true, summary: 'Every user' }, () => ctx.call('users.list'));
    ctx.http.get('/me', { auth: true, summary: 'The signed-in user' }, (request) =>
      find(request.principal.id),
    );
    ctx.http.get('/:id', { auth: true, summary: 'A user by id' }, (request) => find(request.params.id));
    ctx.http.expose('users.create', { auth: { roles: ['admin'] } });

    ctx.graphql.extend({
      typeDefs: /* GraphQL */ `
        type User { id: ID! name: String! roles: [String!]! }
        extend type Query { me: User users: [User!]! user(id: ID!): User }
      `,
      resolvers: {
        Query: {
          me: async (_source, _args, context) => {
            const principal = await context.authorize(true);
            return find(principal.id);
          },
          users: async (_source, _args, context) => {
            await context.authorize(true);
            return context.call('users.list');
          },
          user: async (_source, { id }, context) => {
            await context.authorize(true);
            return context.call('users.get', { id });
          },
        },
      },
    });
  },
});
