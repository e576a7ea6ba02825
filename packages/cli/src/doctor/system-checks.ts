import { constants, existsSync, statSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import type { TrellisError } from '@trellis/core';
import { cliErrors } from '../errors/cli-errors.js';

/**
 * Whether the gateway could listen on `host:port` now: briefly listens there and closes again. Port 0
 * always can (the system picks a free port).
 */
export async function portProblem(host: string, port: number): Promise<TrellisError | undefined> {
  if (port === 0) return undefined;
  const failure = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
  if (failure === undefined) return undefined;
  return failure.code === 'EADDRINUSE'
    ? cliErrors.portInUse(host, port, failure)
    : cliErrors.portUnavailable(host, port, failure);
}

/**
 * Whether the SQLite file can be created or written: the file itself when it exists, else the nearest
 * existing directory on its path (the store creates the missing ones).
 */
export async function storeProblem(path: string): Promise<TrellisError | undefined> {
  try {
    if (existsSync(path)) {
      if (!statSync(path).isFile()) throw new Error('it is not a file');
      await access(path, constants.R_OK | constants.W_OK);
      return undefined;
    }
    let directory = dirname(path);
    while (!existsSync(directory)) directory = dirname(directory);
    if (!statSync(directory).isDirectory()) throw new Error(`${directory} is not a directory`);
    await access(directory, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (cause) {
    return cliErrors.storePathUnwritable(path, cause);
  }
}
