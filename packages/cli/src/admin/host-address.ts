import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HOST_ENV, type Settings, STATE_DIRECTORY } from '../config/settings.js';

const RUNTIME_FILE = 'runtime.json';

/** What a running host writes about itself, so the CLI can find it (its port may have been picked at random). */
export interface RuntimeRecord {
  readonly url: string;
  readonly pid: number;
  readonly startedAt: string;
}

function runtimePath(root: string): string {
  return join(root, STATE_DIRECTORY, RUNTIME_FILE);
}

/** The URL clients should use for an address a server listens on (`0.0.0.0` is not somewhere to connect to). */
export function connectableUrl(host: string, port: number): string {
  const target = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${target.includes(':') ? `[${target}]` : target}:${port}`;
}

/** Records the running host's URL and process id in `.trellis/runtime.json`. */
export async function writeRuntimeRecord(root: string, url: string): Promise<void> {
  const record: RuntimeRecord = { url, pid: process.pid, startedAt: new Date().toISOString() };
  await writeFile(runtimePath(root), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the record, unless another host of the project has written its own since. */
export async function removeRuntimeRecord(root: string): Promise<void> {
  const record = await readRuntimeRecord(root);
  if (record?.pid === process.pid) await rm(runtimePath(root), { force: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The record of a host of this project that is still running, if any. */
export async function readRuntimeRecord(root: string): Promise<RuntimeRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(runtimePath(root), 'utf8')) as Partial<RuntimeRecord>;
    if (
      typeof record.url !== 'string' ||
      typeof record.pid !== 'number' ||
      typeof record.startedAt !== 'string'
    )
      return undefined;
    return processAlive(record.pid) ? (record as RuntimeRecord) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The admin API's base URL for control commands: `--url`, else `TRELLIS_URL`, else the URL the project's
 * running host recorded, else the address the config file gives the gateway.
 */
export async function adminUrl(
  settings: Settings,
  env: Readonly<Record<string, string | undefined>>,
  option: string | undefined,
): Promise<string> {
  const explicit = option ?? env[HOST_ENV.url];
  if (explicit !== undefined && explicit !== '') return explicit.replace(/\/+$/, '');
  const running = await readRuntimeRecord(settings.root);
  return running?.url ?? connectableUrl(settings.http.host, settings.http.port);
}
