import { createHash, timingSafeEqual } from 'node:crypto';
import {
  definePlugin,
  errors,
  type Host,
  type Plugin,
  type Principal,
  type TrellisError,
} from '@trellis/core';
import { type AuthRequest, errorBody, type HttpGateway, httpErrors } from '@trellis/http';
import type { PluginOrigin } from '../discovery/plugin-package.js';
import { cliErrors } from '../errors/cli-errors.js';
import {
  ADMIN_ACTIONS,
  ADMIN_PATH,
  ADMIN_PLUGIN_NAME,
  ADMIN_SCHEME,
  type AdminAction,
  type PluginDetail,
  type PluginStatus,
} from './admin-api.js';

/** What the admin plugin needs from the process that runs the host. */
export interface AdminOptions {
  /** The token requests must carry. */
  readonly token: string;
  /** The host (created after the plugin, hence a function). */
  readonly host: () => Host;
  readonly gateway: HttpGateway;
  /** Reloads a plugin from its source (fresh code for discovered plugins). */
  readonly reload: (name: string) => Promise<void>;
  /** Where a plugin came from, when the CLI knows. */
  readonly origin: (
    name: string,
  ) => { readonly origin: PluginOrigin; readonly directory?: string } | undefined;
  readonly version: string;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares in constant time (over digests, so the lengths match and leak nothing either). */
function tokensMatch(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Builds each plugin's status, dependents included, from one reading of the host. */
function statuses(options: AdminOptions): PluginStatus[] {
  const plugins = options
    .host()
    .plugins()
    .filter((plugin) => plugin.name !== ADMIN_PLUGIN_NAME);
  return plugins.map((plugin) => {
    const where = options.origin(plugin.name);
    return {
      name: plugin.name,
      version: plugin.version,
      state: plugin.state,
      activation: plugin.activation,
      capabilities: plugin.capabilities,
      dependencies: plugin.dependencies,
      dependents: plugins
        .filter((other) => other.dependencies.includes(plugin.name))
        .map((other) => other.name),
      ...(plugin.disabledBy === undefined ? {} : { disabledBy: plugin.disabledBy }),
      ...(plugin.setupMs === undefined ? {} : { setupMs: Math.round(plugin.setupMs * 100) / 100 }),
      ...(plugin.error === undefined
        ? {}
        : { error: { code: plugin.error.code, message: plugin.error.message } }),
      ...(where === undefined ? {} : where),
    };
  });
}

function pluginMissing(options: AdminOptions, name: string): TrellisError {
  return errors.pluginNotFound(
    name,
    statuses(options).map((plugin) => plugin.name),
  );
}

/**
 * The internal plugin behind `trellis enable|disable|reload|list|info --url`: routes under `/_trellis`
 * on the HTTP gateway, open only to requests carrying the admin token in `Authorization: Trellis-Admin
 * <token>`. It provides its own auth scheme so that it never collides with the schemes of the host's
 * plugins, and answers `undefined` for other schemes so their providers are untouched.
 */
export function adminPlugin(options: AdminOptions): Plugin {
  const verify = (request: AuthRequest): Principal | undefined => {
    const header = request.headers.authorization;
    if (typeof header !== 'string') return undefined;
    const space = header.indexOf(' ');
    if (space === -1 || header.slice(0, space).toLowerCase() !== ADMIN_SCHEME) return undefined;
    if (!tokensMatch(header.slice(space + 1).trim(), options.token))
      throw httpErrors.unauthenticated(
        'The admin token does not match the one this host uses (its TRELLIS_ADMIN_TOKEN, adminToken, or .trellis/admin-token).',
        [ADMIN_SCHEME],
      );
    return { id: 'trellis-admin', scheme: ADMIN_SCHEME, roles: ['admin'] };
  };
  const settings = { prefix: false, auth: { schemes: [ADMIN_SCHEME] }, tags: ['trellis admin'] } as const;
  return definePlugin({
    name: ADMIN_PLUGIN_NAME,
    version: options.version,
    description: 'The admin API of the trellis CLI.',
    setup(ctx) {
      ctx.auth.provide(ADMIN_SCHEME, verify, { description: 'The admin token of the trellis CLI.' });
      ctx.http.get(`${ADMIN_PATH}/plugins`, settings, () => ({ plugins: statuses(options) }));
      ctx.http.get(`${ADMIN_PATH}/plugins/:name`, settings, (request) => {
        const name = request.params.name ?? '';
        const status = statuses(options).find((plugin) => plugin.name === name);
        if (status === undefined) throw pluginMissing(options, name);
        const detail: PluginDetail = {
          ...status,
          routes: options.gateway.routes().filter((route) => route.plugin === name),
        };
        return { plugin: detail };
      });
      ctx.http.post(`${ADMIN_PATH}/plugins/:name/:action`, settings, async (request, reply) => {
        const name = request.params.name ?? '';
        const action = request.params.action as AdminAction;
        if (!ADMIN_ACTIONS.includes(action))
          throw httpErrors.routeNotFound('POST', `${ADMIN_PATH}/plugins/${name}/${String(action)}`);
        if (name === ADMIN_PLUGIN_NAME)
          return reply.code(409).send(errorBody(cliErrors.adminProtected(name, action), request.id));
        if (!statuses(options).some((plugin) => plugin.name === name)) throw pluginMissing(options, name);
        const host = options.host();
        if (action === 'enable') await host.enable(name);
        else if (action === 'disable') await host.disable(name);
        else await options.reload(name);
        const after = statuses(options);
        return { action, plugin: after.find((plugin) => plugin.name === name), plugins: after };
      });
    },
  });
}
