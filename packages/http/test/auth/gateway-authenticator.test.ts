import type { Principal } from '@trellis/core';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { GatewayAuthenticator } from '../../src/index.js';

const silent = pino({ level: 'silent' });
const grant = fc.constantFrom('admin', 'editor', 'users:read', 'users:write', 'billing');

describe('GatewayAuthenticator', () => {
  it('lets a principal through exactly when it holds every required role and scope', () => {
    const authenticator = new GatewayAuthenticator(() => silent);
    fc.assert(
      fc.property(
        fc.uniqueArray(grant),
        fc.uniqueArray(grant),
        fc.uniqueArray(grant),
        fc.uniqueArray(grant),
        (held, heldScopes, required, requiredScopes) => {
          const principal: Principal = { id: 'p', scheme: 'bearer', roles: held, scopes: heldScopes };
          const allowed =
            required.every((role) => held.includes(role)) &&
            requiredScopes.every((scope) => heldScopes.includes(scope));
          const attempt = () =>
            authenticator.authorize(principal, { roles: required, scopes: requiredScopes });
          if (allowed) expect(attempt()).toBe(principal);
          else
            expect(attempt).toThrow(
              expect.objectContaining({
                code: 'E_PERMISSION_DENIED',
                details: expect.objectContaining({
                  missingRoles: required.filter((role) => !held.includes(role)),
                  missingScopes: requiredScopes.filter((scope) => !heldScopes.includes(scope)),
                }),
              }),
            );
        },
      ),
    );
  });

  it('lets anonymous requests through open requirements only', () => {
    const authenticator = new GatewayAuthenticator(() => silent);
    expect(authenticator.authorize(undefined, undefined)).toBeUndefined();
    expect(authenticator.authorize(undefined, false)).toBeUndefined();
    expect(() => authenticator.authorize(undefined, true)).toThrow(
      expect.objectContaining({ code: 'E_UNAUTHENTICATED' }),
    );
    expect(() => authenticator.authorize(undefined, { roles: [] })).toThrow(
      expect.objectContaining({ code: 'E_UNAUTHENTICATED' }),
    );
  });

  it('verifies the provider the Authorization header names first, then the others in order', async () => {
    const calls: string[] = [];
    const authenticator = new GatewayAuthenticator(() => silent);
    authenticator.provide('one', 'cookie', () => {
      calls.push('cookie');
      return undefined;
    });
    authenticator.provide('two', 'bearer', () => {
      calls.push('bearer');
      return { id: 'b', scheme: 'bearer' };
    });
    const principal = await authenticator.authenticate(
      { headers: { authorization: 'bearer x' }, url: '/' },
      true,
    );
    expect(principal?.id).toBe('b');
    expect(calls).toEqual(['bearer']);
    calls.length = 0;
    await expect(authenticator.authenticate({ headers: {}, url: '/' }, undefined)).resolves.toMatchObject({
      id: 'b',
    });
    expect(calls).toEqual(['cookie', 'bearer']);
  });

  it('fills in the scheme of a principal whose provider left it out, and refuses malformed schemes', async () => {
    const authenticator = new GatewayAuthenticator(() => silent);
    authenticator.provide('p', 'token', () => ({ id: 'x' }) as Principal);
    await expect(authenticator.authenticate({ headers: {}, url: '/' }, true)).resolves.toEqual({
      id: 'x',
      scheme: 'token',
    });
    expect(() => authenticator.provide('p', 'two words', () => undefined)).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
    expect(() => authenticator.provide('p', 'other', 'nope' as never)).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
  });

  it('keeps the code of a TrellisError other than E_UNAUTHENTICATED thrown by a provider', async () => {
    const { TrellisError } = await import('@trellis/core');
    const authenticator = new GatewayAuthenticator(() => silent);
    authenticator.provide('p', 'token', () => {
      throw new TrellisError('E_IDENTITY_UNAVAILABLE', 'The identity service is down.');
    });
    await expect(authenticator.authenticate({ headers: {}, url: '/' }, true)).rejects.toMatchObject({
      code: 'E_IDENTITY_UNAVAILABLE',
    });
  });
});
