import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new empty directory under the system's temp directory, and how to delete it with its contents. */
export interface TempDirectory {
  readonly path: string;
  remove(): Promise<void>;
}

/** Creates a {@link TempDirectory} (its real path, so it compares equal to what the CLI resolves); remove it in afterEach. */
export async function makeTempDirectory(): Promise<TempDirectory> {
  const path = await realpath(await mkdtemp(join(tmpdir(), 'trellis-cli-')));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
