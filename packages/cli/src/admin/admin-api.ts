import type { PluginInfo } from '@trellis/core';
import type { RouteListing } from '@trellis/http';
import type { PluginOrigin } from '../discovery/plugin-package.js';

/** The name of the plugin that serves the admin API; it is left out of every listing. */
export const ADMIN_PLUGIN_NAME = '@trellis/admin';
/** The `Authorization` scheme of the admin API: `Authorization: Trellis-Admin <token>`. */
export const ADMIN_SCHEME = 'trellis-admin';
/** Where the admin routes live. */
export const ADMIN_PATH = '/_trellis';

/** The operations `POST /_trellis/plugins/:name/:action` performs. */
export const ADMIN_ACTIONS = ['enable', 'disable', 'reload'] as const;

/** One of {@link ADMIN_ACTIONS}. */
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

/** A plugin as the admin API reports it. */
export interface PluginStatus {
  readonly name: string;
  readonly version: string;
  readonly state: PluginInfo['state'];
  readonly activation: PluginInfo['activation'];
  readonly capabilities: readonly string[];
  readonly dependencies: readonly string[];
  readonly dependents: readonly string[];
  readonly disabledBy?: string;
  readonly setupMs?: number;
  readonly error?: { readonly code: string; readonly message: string };
  /** Where the plugin was loaded from, when the CLI discovered it. */
  readonly origin?: PluginOrigin;
  readonly directory?: string;
}

/** What `GET /_trellis/plugins/:name` adds to the status: the plugin's HTTP routes. */
export interface PluginDetail extends PluginStatus {
  readonly routes: readonly RouteListing[];
}
