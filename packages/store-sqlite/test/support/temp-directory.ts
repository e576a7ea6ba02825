import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new empty directory under the system's temp directory, and how to delete it with its contents. */
export interface TempDirectory {
  readonly path: string;
  remove(): Promise<void>;
}

/** Creates a {@link TempDirectory}; remove it in afterEach. */
export async function makeTempDirectory(): Promise<TempDirectory> {
  const path = await mkdtemp(join(tmpdir(), 'trellis-store-sqlite-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
