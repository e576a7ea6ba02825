import { TrellisError, type ValidationIssue } from '@trellis/core';

/** The codes of the errors the CLI raises itself; kernel codes (`E_CONFIG_INVALID`...) pass through as they are. */
export const CLI_ERROR_CODES = [
  'E_CONFIG_FILE_NOT_FOUND',
  'E_CONFIG_LOAD_FAILED',
  'E_CONFIG_FILE_INVALID',
  'E_CONFIG_UNKNOWN_PLUGIN',
  'E_ENV_INVALID',
  'E_PLUGIN_DIR_MISSING',
  'E_PLUGIN_PACKAGE_INVALID',
  'E_PLUGIN_PACKAGE_MISSING',
  'E_PLUGIN_ENTRY_MISSING',
  'E_PLUGIN_IMPORT_FAILED',
  'E_PLUGIN_EXPORT_INVALID',
  'E_PLUGIN_MANIFEST_MISMATCH',
  'E_PLUGIN_SOURCE_DUPLICATE',
  'E_PLUGIN_RENAMED',
  'E_PLUGIN_NAME_INVALID',
  'E_COMMAND_INVALID',
  'E_COMMAND_CONFLICT',
  'E_DIRECTORY_NOT_EMPTY',
  'E_TARGET_EXISTS',
  'E_PORT_IN_USE',
  'E_PORT_UNAVAILABLE',
  'E_STORE_PATH_UNWRITABLE',
  'E_ADMIN_UNREACHABLE',
  'E_ADMIN_RESPONSE_INVALID',
  'E_ADMIN_PROTECTED',
  'E_ADMIN_TOKEN_WEAK',
  'E_START_REFUSED',
] as const;

/** A code from {@link CLI_ERROR_CODES}. */
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

/** A short, single-line rendering of anything thrown, for the "because …" part of a message. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  if (typeof cause === 'string') return cause;
  try {
    return JSON.stringify(cause) ?? String(cause);
  } catch {
    return String(cause);
  }
}

function listIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .map((issue) => (issue.path === '' ? `- ${issue.message}` : `- ${issue.path}: ${issue.message}`))
    .join('\n');
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function make(
  code: CliErrorCode,
  message: string,
  details: Readonly<Record<string, unknown>>,
  cause?: unknown,
): TrellisError {
  return new TrellisError(code, message, { details, cause });
}

/**
 * Every error the CLI raises is made here, so that each code has one message that names the file, plugin
 * or port involved and says what to do.
 */
export const cliErrors = {
  configFileNotFound(path: string): TrellisError {
    return make(
      'E_CONFIG_FILE_NOT_FOUND',
      `The config file ${path} does not exist. Check the --config path, or run the command in the project directory.`,
      { path },
    );
  },

  configLoadFailed(path: string, cause: unknown): TrellisError {
    return make(
      'E_CONFIG_LOAD_FAILED',
      `Could not load ${path}: ${describeCause(cause)}. Fix the error in the file (its default export must be defineConfig({...})) and run the command again.`,
      { path },
      cause,
    );
  },

  configFileInvalid(path: string, issues: readonly ValidationIssue[]): TrellisError {
    return make(
      'E_CONFIG_FILE_INVALID',
      `${path} is invalid (${plural(issues.length, 'problem')}); fix each field below:\n${listIssues(issues)}`,
      { path, issues },
    );
  },

  configUnknownPlugin(plugin: string, known: readonly string[]): TrellisError {
    return make(
      'E_CONFIG_UNKNOWN_PLUGIN',
      `The config file has settings under config.${plugin}, but no plugin named '${plugin}' was found (found: ${known.join(', ') || 'none'}). Fix the name or remove the entry.`,
      { plugin, known },
    );
  },

  envInvalid(variable: string, reason: string): TrellisError {
    return make(
      'E_ENV_INVALID',
      `The environment variable ${variable} is invalid: ${reason}. Fix or unset it.`,
      { variable },
    );
  },

  pluginDirMissing(directory: string): TrellisError {
    return make(
      'E_PLUGIN_DIR_MISSING',
      `The plugin directory ${directory} (from pluginDirs) does not exist or is not a directory. Create it or remove it from pluginDirs.`,
      { directory },
    );
  },

  pluginPackageMissing(directory: string): TrellisError {
    return make(
      'E_PLUGIN_PACKAGE_MISSING',
      `${directory} is in a plugin directory but has no package.json with a "trellis" manifest, so it was skipped. Scaffold one with \`trellis new plugin <name>\`, or move the directory elsewhere.`,
      { directory },
    );
  },

  pluginPackageInvalid(path: string, cause: unknown): TrellisError {
    return make(
      'E_PLUGIN_PACKAGE_INVALID',
      `Could not read ${path}: ${describeCause(cause)}. Fix the file (it must be valid JSON) so the plugin can be loaded.`,
      { path },
      cause,
    );
  },

  pluginEntryMissing(plugin: string, packageJson: string, entry: string | undefined): TrellisError {
    const found =
      entry === undefined ? 'it declares neither "exports" nor "main"' : `its entry ${entry} does not exist`;
    return make(
      'E_PLUGIN_ENTRY_MISSING',
      `Plugin '${plugin}' cannot be loaded: ${found} (${packageJson}). Point "main" or "exports" at the module whose default export is definePlugin({...}).`,
      { plugin, packageJson, entry },
    );
  },

  pluginImportFailed(plugin: string, entry: string, cause: unknown): TrellisError {
    return make(
      'E_PLUGIN_IMPORT_FAILED',
      `Plugin '${plugin}' failed to load from ${entry}: ${describeCause(cause)}. Fix the error in the module (or what it imports).`,
      { plugin, entry },
      cause,
    );
  },

  pluginExportInvalid(plugin: string, entry: string, exported: readonly string[]): TrellisError {
    return make(
      'E_PLUGIN_EXPORT_INVALID',
      `${entry} (plugin '${plugin}') must export a plugin made by definePlugin({...}) as its default export; it exports ${exported.length === 0 ? 'nothing' : exported.join(', ')}. Add \`export default definePlugin({...})\`.`,
      { plugin, entry, exported },
    );
  },

  pluginManifestMismatch(
    plugin: string,
    packageJson: string,
    field: string,
    inPackage: unknown,
    inCode: unknown,
  ): TrellisError {
    return make(
      'E_PLUGIN_MANIFEST_MISMATCH',
      `Plugin '${plugin}' declares ${field} ${JSON.stringify(inPackage)} in ${packageJson} but ${JSON.stringify(inCode)} in definePlugin(). Make the two agree: tools read package.json without running the code.`,
      { plugin, packageJson, field, inPackage, inCode },
    );
  },

  pluginSourceDuplicate(plugin: string, sources: readonly string[]): TrellisError {
    return make(
      'E_PLUGIN_SOURCE_DUPLICATE',
      `Plugin '${plugin}' was found more than once (${sources.join(', ')}); only the first was kept. Remove or rename the others: plugin names are unique in a host.`,
      { plugin, sources },
    );
  },

  pluginRenamed(directory: string, before: string, after: string): TrellisError {
    return make(
      'E_PLUGIN_RENAMED',
      `The plugin in ${directory} is now named '${after}' (it was '${before}'). A running host cannot rename a plugin: restart trellis to load it under its new name.`,
      { directory, before, after },
    );
  },

  pluginNameInvalid(name: string, reason: string): TrellisError {
    return make(
      'E_PLUGIN_NAME_INVALID',
      `'${name}' is not a valid plugin name: ${reason}. Use an npm package name such as users or @acme/users.`,
      { name, reason },
    );
  },

  commandInvalid(source: string, issues: readonly ValidationIssue[]): TrellisError {
    return make(
      'E_COMMAND_INVALID',
      `The CLI command from ${source} is invalid (${plural(issues.length, 'problem')}):\n${listIssues(issues)}`,
      { source, issues },
    );
  },

  commandConflict(command: string, plugin: string, owner: string): TrellisError {
    return make(
      'E_COMMAND_CONFLICT',
      `Plugin '${plugin}' contributes the command '${command}', which ${owner === 'trellis' ? 'is a built-in trellis command' : `plugin '${owner}' already contributes`}; it was not added. Rename the plugin's command.`,
      { command, plugin, owner },
    );
  },

  directoryNotEmpty(directory: string): TrellisError {
    return make(
      'E_DIRECTORY_NOT_EMPTY',
      `${directory} is not empty. Choose an empty or new directory, or pass --force to write the project files into it anyway.`,
      { directory },
    );
  },

  targetExists(path: string): TrellisError {
    return make(
      'E_TARGET_EXISTS',
      `${path} already exists. Choose another name or --dir, or pass --force to overwrite its files.`,
      { path },
    );
  },

  portInUse(host: string, port: number, cause?: unknown): TrellisError {
    return make(
      'E_PORT_IN_USE',
      `Port ${port} on ${host} is already in use. Stop the process using it, or choose another port (--port, http.port in the config file, or TRELLIS_PORT).`,
      { host, port },
      cause,
    );
  },

  portUnavailable(host: string, port: number, cause: unknown): TrellisError {
    return make(
      'E_PORT_UNAVAILABLE',
      `Cannot listen on port ${port} of ${host}: ${describeCause(cause)}. Choose another port or host (--port/--host, http in the config file, or TRELLIS_PORT/TRELLIS_HOST).`,
      { host, port },
      cause,
    );
  },

  storePathUnwritable(path: string, cause: unknown): TrellisError {
    return make(
      'E_STORE_PATH_UNWRITABLE',
      `The state store ${path} cannot be written: ${describeCause(cause)}. Fix the directory's permissions or set store.path in the config file (or store: 'memory').`,
      { path },
      cause,
    );
  },

  adminUnreachable(url: string, cause: unknown): TrellisError {
    return make(
      'E_ADMIN_UNREACHABLE',
      `No Trellis host answers at ${url} (${describeCause(cause)}). Start one with \`trellis start\`, or pass the right address with --url.`,
      { url },
      cause,
    );
  },

  adminResponseInvalid(url: string, status: number): TrellisError {
    return make(
      'E_ADMIN_RESPONSE_INVALID',
      `${url} answered ${status} with something that is not a Trellis admin response. Check that --url points at a host started by \`trellis start\`.`,
      { url, status },
    );
  },

  adminProtected(plugin: string, operation: string): TrellisError {
    return make(
      'E_ADMIN_PROTECTED',
      `Plugin '${plugin}' serves the admin API itself, so it cannot be asked to ${operation}. Restart the host instead.`,
      { plugin, operation },
    );
  },

  adminTokenWeak(length: number): TrellisError {
    return make(
      'E_ADMIN_TOKEN_WEAK',
      `The admin token is only ${length} characters long; anyone who can reach the port could guess it. Use at least 16 random characters, or remove adminToken to have one generated.`,
      { length },
    );
  },

  startRefused(problems: number): TrellisError {
    return make(
      'E_START_REFUSED',
      `Nothing was started: ${plural(problems, 'problem')} above must be fixed first (\`trellis doctor\` lists them with their fixes).`,
      { problems },
    );
  },
} as const;
