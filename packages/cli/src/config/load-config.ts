import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { cliErrors } from '../errors/cli-errors.js';
import { importModule } from '../loading/import-module.js';
import type { TrellisConfig } from './define-config.js';
import { configIssues } from './validate-config.js';

/** The names a project's config file may have, in the order they are looked for. */
export const CONFIG_FILE_NAMES = [
  'trellis.config.ts',
  'trellis.config.mts',
  'trellis.config.mjs',
  'trellis.config.js',
  'trellis.config.json',
] as const;

/** A project's config as read from disk. */
export interface LoadedConfig {
  /** The project directory: the config file's directory, or the working directory when there is none. */
  readonly root: string;
  /** The config file, when the project has one. */
  readonly file: string | undefined;
  /** Its validated contents (`{}` without a file). */
  readonly config: TrellisConfig;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/**
 * The config file of the project containing `directory`: the first of {@link CONFIG_FILE_NAMES} found in
 * it or, failing that, in its nearest ancestor that has one (so commands work from a plugin's directory).
 */
export function findConfigFile(directory: string): string | undefined {
  for (let current = resolve(directory); ; current = dirname(current)) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(current, name);
      if (isFile(candidate)) return candidate;
    }
    if (dirname(current) === current) return undefined;
  }
}

async function readConfigFile(file: string, fresh: boolean): Promise<unknown> {
  if (file.endsWith('.json')) {
    const text = await readFile(file, 'utf8');
    return JSON.parse(text) as unknown;
  }
  const exports = await importModule(file, { fresh });
  if (!('default' in exports)) {
    throw new Error(`it has no default export; write export default defineConfig({...})`);
  }
  return exports.default;
}

/**
 * Loads and validates the project config: `explicitFile` (from `--config`) or the file found from `cwd`.
 * Without either, the defaults apply and the project is `cwd`.
 *
 * @throws TrellisError `E_CONFIG_FILE_NOT_FOUND` (explicit file missing), `E_CONFIG_LOAD_FAILED` (syntax or
 *   import error), `E_CONFIG_FILE_INVALID` (wrong shape, every problem listed).
 */
export async function loadConfig(options: {
  readonly cwd: string;
  readonly file?: string | undefined;
  readonly fresh?: boolean;
}): Promise<LoadedConfig> {
  const file = options.file === undefined ? findConfigFile(options.cwd) : resolve(options.cwd, options.file);
  if (file === undefined) return { root: resolve(options.cwd), file: undefined, config: {} };
  if (!isFile(file)) throw cliErrors.configFileNotFound(file);
  let raw: unknown;
  try {
    raw = await readConfigFile(file, options.fresh === true);
  } catch (cause) {
    throw cliErrors.configLoadFailed(file, cause);
  }
  const issues = configIssues(raw);
  if (issues.length > 0) throw cliErrors.configFileInvalid(file, issues);
  return { root: dirname(file), file, config: raw as TrellisConfig };
}
