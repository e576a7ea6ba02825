import { randomBytes } from 'node:crypto';
import { definePlugin, TrellisError } from '@trellis/core';
import { z } from 'zod';

/**
 * Sign-in: `POST /auth/login` with `{ "username", "password" }` answers a bearer token, which this plugin's
 * provider verifies for every route, WebSocket and GraphQL request that needs a signed-in user.
 * Tokens live in the plugin's state with a time to live, so they survive a restart and expire on their own.
 */
export default definePlugin({
  name: 'auth',
  version: '1.0.0',
  dependencies: { users: '^1.0.0' },
  permissions: { calls: ['users.verifyPassword'], emits: ['auth.*'] },
  config: z.object({
    tokenTtlMinutes: z
      .number()
      .int()
      .positive()
      .default(12 * 60),
  }),
  setup(ctx) {
    const ttl = ctx.config.tokenTtlMinutes * 60_000;

    ctx.auth.provide('bearer', async (request) => {
      const header = request.headers.authorization;
      const token = header?.startsWith('Bearer ')
        ? header.slice(7)
        : new URL(request.url, 'http://host').searchParams.get('token');
      if (!token) return undefined;
      const session = await ctx.state.get(`token:${token}`);
      if (session === undefined)
        throw new TrellisError(
          'E_UNAUTHENTICATED',
          'The token is unknown or expired; sign in again with POST /auth/login.',
        );
      return { id: session.userId, scheme: 'bearer', roles: session.roles, claims: { name: session.name } };
    });

    ctx.http.post(
      '/login',
      {
        schema: { body: z.object({ username: z.string().min(1), password: z.string().min(1) }) },
        summary: 'Exchange a username and password for a bearer token',
        rateLimit: { limit: 10, intervalMs: 60_000, key: 'ip' },
      },
      async (request) => {
        const { username, password } = request.body;
        const user = await ctx.call('users.verifyPassword', { id: username, password });
        if (user === null) throw new TrellisError('E_UNAUTHENTICATED', 'Wrong username or password.');
        const token = randomBytes(24).toString('base64url');
        await ctx.state.set(
          `token:${token}`,
          { userId: user.id, name: user.name, roles: user.roles },
          { ttl },
        );
        await ctx.emit('auth.login', { user: user.id });
        return { token, user, expiresInSeconds: ttl / 1000 };
      },
    );

    ctx.http.post('/logout', { auth: true, summary: 'Revoke the token used' }, async (request) => {
      const token = request.headers.authorization?.slice(7);
      if (token) await ctx.state.delete(`token:${token}`);
      return { signedOut: request.principal.id };
    });
  },
});
