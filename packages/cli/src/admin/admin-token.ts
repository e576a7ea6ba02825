import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { STATE_DIRECTORY } from '../config/settings.js';

const TOKEN_FILE = 'admin-token';
const OWNER_ONLY = 0o600;

/** Tokens shorter than this are reported as guessable. */
export const MIN_TOKEN_LENGTH = 16;

/** Where the generated admin token of a project lives. */
export function adminTokenPath(root: string): string {
  return join(root, STATE_DIRECTORY, TOKEN_FILE);
}

/** Where the admin token of a running host came from. */
export type TokenSource = 'configured' | 'file' | 'generated';

async function readTokenFile(path: string): Promise<string | undefined> {
  try {
    const token = (await readFile(path, 'utf8')).trim();
    return token === '' ? undefined : token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The token a starting host's admin API requires: the configured one (`TRELLIS_ADMIN_TOKEN`, else
 * `adminToken` in the config file), else the one in `.trellis/admin-token`, else a new random one
 * written there readable by its owner only, so the CLI of the same user can read it and nobody else.
 */
export async function hostAdminToken(
  root: string,
  configured: string | undefined,
): Promise<{ readonly token: string; readonly source: TokenSource }> {
  if (configured !== undefined) return { token: configured, source: 'configured' };
  const path = adminTokenPath(root);
  const existing = await readTokenFile(path);
  if (existing !== undefined) {
    // A copied or restored file may have lost its mode; the token is only as private as the file.
    if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, OWNER_ONLY);
    return { token: existing, source: 'file' };
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  try {
    await writeFile(path, `${token}\n`, { mode: OWNER_ONLY, flag: 'wx' });
  } catch (error) {
    // Another host of the same project won the race: use its token.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = await readTokenFile(path);
    if (raced !== undefined) return { token: raced, source: 'file' };
    throw error;
  }
  return { token, source: 'generated' };
}

/**
 * The token the CLI sends to a host: `--token`, else `TRELLIS_ADMIN_TOKEN` or the config file's
 * `adminToken`, else the project's `.trellis/admin-token`.
 */
export async function clientAdminToken(
  root: string,
  option: string | undefined,
  configured: string | undefined,
): Promise<string | undefined> {
  return option ?? configured ?? (await readTokenFile(adminTokenPath(root)));
}
