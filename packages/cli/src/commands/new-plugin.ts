import { dirname, extname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../cli/command-context.js';
import { findConfigFile, loadConfig } from '../config/load-config.js';
import { DEFAULT_PLUGIN_DIRS } from '../config/settings.js';
import { cliErrors, describeCause } from '../errors/cli-errors.js';
import type { Output } from '../output/output.js';
import { cliVersion } from '../runtime/cli-version.js';
import { assertPluginName, pluginDirectoryName, routePrefix } from '../scaffold/plugin-name.js';
import { pluginFiles } from '../scaffold/plugin-template.js';
import { isEmptyDirectory, writeFiles } from '../scaffold/write-files.js';

interface NewPluginOptions {
  readonly dir?: string;
  readonly js?: boolean;
  readonly ts?: boolean;
  readonly force?: boolean;
  readonly description?: string;
  readonly config?: string;
}

/**
 * Where a new plugin goes: `--dir`, else the first plugin directory of the project found from the
 * working directory, else the working directory; and in which language (the project's config file's, by
 * default).
 */
async function placement(out: Output, name: string, options: NewPluginOptions) {
  const cwd = out.io.cwd;
  const configFile = options.config === undefined ? findConfigFile(cwd) : resolve(cwd, options.config);
  const language: 'ts' | 'js' =
    options.js === true
      ? 'js'
      : options.ts === true
        ? 'ts'
        : configFile !== undefined && !/\.m?ts$/.test(extname(configFile))
          ? 'js'
          : 'ts';
  if (options.dir !== undefined) return { directory: resolve(cwd, options.dir), language };
  if (configFile === undefined) return { directory: join(cwd, pluginDirectoryName(name)), language };
  let pluginDirs = DEFAULT_PLUGIN_DIRS;
  try {
    pluginDirs = (await loadConfig({ cwd, file: configFile })).config.pluginDirs ?? DEFAULT_PLUGIN_DIRS;
  } catch (error) {
    // Scaffolding must work before `npm install` (when the config cannot import @trellis/cli yet).
    out.warn(
      `${describeCause(error)}\n  The plugin goes to ${DEFAULT_PLUGIN_DIRS[0]}/ instead of the config's pluginDirs.`,
    );
  }
  const pluginDir = pluginDirs[0] ?? DEFAULT_PLUGIN_DIRS[0]!;
  return { directory: join(resolve(dirname(configFile), pluginDir), pluginDirectoryName(name)), language };
}

/** `trellis new plugin <name>`. */
export function registerNew(program: Command, context: CommandContext): void {
  const scaffold = program.command('new').description('scaffold something new');
  scaffold
    .command('plugin')
    .description('scaffold a plugin package: manifest, definePlugin code, a passing test and a README')
    .argument('<name>', 'npm-style plugin name (users, @acme/users)')
    .option(
      '--dir <path>',
      'directory to create (default: <project>/plugins/<name>, or ./<name> outside a project)',
    )
    .option('--description <text>', 'one line about the plugin', 'A Trellis plugin.')
    .option('--js', 'JavaScript (ES modules)')
    .option('--ts', 'TypeScript (the default, unless the project has a JavaScript config file)')
    .option(
      '-c, --config <file>',
      'the host project config file, to place the plugin in its plugin directory',
    )
    .option('--force', 'write into a directory that is not empty')
    .addHelpText(
      'after',
      '\nExamples:\n  $ trellis new plugin users\n  $ trellis new plugin @acme/billing --js --dir packages/billing',
    )
    .action(async (name: string, options: NewPluginOptions) => {
      const { out } = context;
      assertPluginName(name);
      const { directory, language } = await placement(out, name, options);
      if (options.force !== true && !(await isEmptyDirectory(directory)))
        throw cliErrors.targetExists(directory);
      const files = pluginFiles({
        name,
        description: options.description ?? 'A Trellis plugin.',
        language,
        trellisRange: `^${cliVersion()}`,
      });
      const where = relative(out.io.cwd, directory) || '.';
      for (const path of await writeFiles(directory, files))
        out.line(`  ${out.colors.green('+')} ${join(where, path)}`);
      out.success(`created plugin ${name} in ${where}`);
      out.note(
        `It provides ${name}.greet and GET ${routePrefix(name)}; \`trellis dev\` in the host project loads it, \`npm test\` in ${where} tests it.`,
      );
    });
}
