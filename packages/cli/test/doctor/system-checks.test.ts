import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { portProblem, storeProblem } from '../../src/doctor/system-checks.js';
import { makeTempDirectory, type TempDirectory } from '../support/temp-directory.js';

describe('portProblem', () => {
  let server: Server | undefined;

  afterEach(async () => {
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
  });

  it('reports a port in use and passes a free one', async () => {
    server = createServer();
    const port = await new Promise<number>((resolve) =>
      server!.listen(0, '127.0.0.1', () => resolve((server!.address() as { port: number }).port)),
    );
    const problem = await portProblem('127.0.0.1', port);
    expect(problem?.code).toBe('E_PORT_IN_USE');
    expect(problem?.message).toContain(`Port ${port} on 127.0.0.1`);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    expect(await portProblem('127.0.0.1', port)).toBeUndefined();
    expect(await portProblem('127.0.0.1', 0)).toBeUndefined();
  });

  it('reports an address this machine does not have', async () => {
    expect((await portProblem('192.0.2.1', 4000))?.code).toBe('E_PORT_UNAVAILABLE');
  });
});

describe('storeProblem', () => {
  let directory: TempDirectory;

  beforeEach(async () => {
    directory = await makeTempDirectory();
  });

  afterEach(() => directory.remove());

  it('passes a file whose directories do not exist yet', async () => {
    expect(await storeProblem(join(directory.path, '.trellis', 'deep', 'state.db'))).toBeUndefined();
  });

  it('reports a path blocked by a file', async () => {
    await writeFile(join(directory.path, '.trellis'), 'not a directory');
    const problem = await storeProblem(join(directory.path, '.trellis', 'state.db'));
    expect(problem?.code).toBe('E_STORE_PATH_UNWRITABLE');
    expect(problem?.message).toContain('is not a directory');
  });

  it('reports a directory where the file should be', async () => {
    await mkdir(join(directory.path, 'state.db'));
    expect((await storeProblem(join(directory.path, 'state.db')))?.code).toBe('E_STORE_PATH_UNWRITABLE');
  });
});
