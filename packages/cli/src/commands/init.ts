import { basename, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../cli/command-context.js';
import { cliErrors } from '../errors/cli-errors.js';
import { cliVersion } from '../runtime/cli-version.js';
import { pluginNameProblem } from '../scaffold/plugin-name.js';
import { EXAMPLE_PLUGIN, projectFiles } from '../scaffold/project-template.js';
import { isEmptyDirectory, writeFiles } from '../scaffold/write-files.js';

/** A valid npm name for the project, from its directory name. */
function projectName(directory: string): string {
  const candidate = basename(directory)
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+/, '');
  return candidate !== '' && pluginNameProblem(candidate) === undefined ? candidate : 'trellis-host';
}

/** `trellis init [dir]`. */
export function registerInit(program: Command, context: CommandContext): void {
  program
    .command('init')
    .description('create a host project: config, package.json scripts, .gitignore and an example plugin')
    .argument('[dir]', 'directory of the new project (created when missing)', '.')
    .option('--js', 'JavaScript (ES modules) instead of TypeScript')
    .option(
      '--force',
      'write into a directory that is not empty (existing files with the same names are overwritten)',
    )
    .addHelpText('after', '\nExample:\n  $ trellis init my-host && cd my-host && npm install && npm run dev')
    .action(async (dir: string, options: { js?: boolean; force?: boolean }) => {
      const { out } = context;
      const target = resolve(out.io.cwd, dir);
      if (options.force !== true && !(await isEmptyDirectory(target)))
        throw cliErrors.directoryNotEmpty(target);
      const files = projectFiles({
        name: projectName(target),
        language: options.js === true ? 'js' : 'ts',
        trellisRange: `^${cliVersion()}`,
      });
      const written = await writeFiles(target, files);
      for (const path of written) out.line(`  ${out.colors.green('+')} ${path}`);
      const where = relative(out.io.cwd, target) || '.';
      out.success(`created a Trellis host in ${where}`);
      out.note(
        [
          '',
          'Next:',
          ...(where === '.' ? [] : [`  cd ${where}`]),
          '  npm install',
          `  npm run dev     # then: curl 'http://127.0.0.1:3000/${EXAMPLE_PLUGIN}?name=Ada'`,
        ].join('\n'),
      );
    });
}
