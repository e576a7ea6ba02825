import { AdminClient } from '../admin/admin-client.js';
import { clientAdminToken } from '../admin/admin-token.js';
import { adminUrl } from '../admin/host-address.js';
import { loadConfig } from '../config/load-config.js';
import { resolveSettings } from '../config/settings.js';
import type { Output } from '../output/output.js';

/** The admin options of a command. */
export interface AdminFlags {
  readonly url?: string | boolean;
  readonly token?: string;
  readonly config?: string;
}

/**
 * A client for the running host a control command addresses: the URL and token from the flags, the
 * environment, the project's runtime record and token file, in that order.
 */
export async function connectAdmin(
  out: Output,
  flags: AdminFlags,
): Promise<{ client: AdminClient; url: string }> {
  const { cwd, env } = out.io;
  const settings = resolveSettings(await loadConfig({ cwd, file: flags.config }), env);
  const url = await adminUrl(settings, env, typeof flags.url === 'string' ? flags.url : undefined);
  const token = await clientAdminToken(settings.root, flags.token, settings.adminToken);
  return { client: new AdminClient(url, token), url };
}
