import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FileSet } from './plugin-template.js';

/** True when `directory` does not exist or holds nothing. */
export async function isEmptyDirectory(directory: string): Promise<boolean> {
  if (!existsSync(directory)) return true;
  return (await readdir(directory)).length === 0;
}

/** Writes every file of `files` under `directory`, creating directories as needed; returns the paths written. */
export async function writeFiles(directory: string, files: FileSet): Promise<string[]> {
  const written: string[] = [];
  for (const [path, content] of Object.entries(files)) {
    const target = join(directory, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    written.push(path);
  }
  return written;
}
