import { chmod, readFile, stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminTokenPath, clientAdminToken, hostAdminToken } from '../../src/admin/admin-token.js';
import { makeTempDirectory, type TempDirectory } from '../support/temp-directory.js';

describe('admin tokens', () => {
  let directory: TempDirectory;

  beforeEach(async () => {
    directory = await makeTempDirectory();
  });

  afterEach(() => directory.remove());

  it('generates a token readable by its owner only, then reuses it', async () => {
    const first = await hostAdminToken(directory.path, undefined);
    expect(first.source).toBe('generated');
    expect(first.token.length).toBeGreaterThanOrEqual(32);
    const path = adminTokenPath(directory.path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readFile(path, 'utf8')).trim()).toBe(first.token);
    expect(await hostAdminToken(directory.path, undefined)).toEqual({ token: first.token, source: 'file' });
    expect(await clientAdminToken(directory.path, undefined, undefined)).toBe(first.token);
  });

  it('tightens a token file that others can read', async () => {
    await hostAdminToken(directory.path, undefined);
    const path = adminTokenPath(directory.path);
    await chmod(path, 0o644);
    await hostAdminToken(directory.path, undefined);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('uses a configured token and writes nothing', async () => {
    expect(await hostAdminToken(directory.path, 'configured-token-123')).toEqual({
      token: 'configured-token-123',
      source: 'configured',
    });
    expect(await clientAdminToken(directory.path, undefined, undefined)).toBeUndefined();
  });

  it('gives the CLI the --token option, then the configured token, then the file', async () => {
    await hostAdminToken(directory.path, undefined);
    expect(await clientAdminToken(directory.path, 'flag', 'configured')).toBe('flag');
    expect(await clientAdminToken(directory.path, undefined, 'configured')).toBe('configured');
  });
});
