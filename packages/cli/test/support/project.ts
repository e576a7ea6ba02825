import { join } from 'node:path';
import { runTrellis } from './cli-process.js';
import { linkWorkspace } from './workspace.js';

/**
 * Creates a host project in `directory/host` the way a new user would (`trellis init`, `trellis new
 * plugin greeter`), linked to this repository's packages; resolves with its path.
 */
export async function scaffoldProject(
  directory: string,
  options: { readonly js?: boolean } = {},
): Promise<string> {
  const language = options.js === true ? ['--js'] : [];
  const init = await runTrellis(['init', 'host', ...language], { cwd: directory });
  if (init.code !== 0) throw new Error(`trellis init failed:\n${init.stderr}`);
  const project = join(directory, 'host');
  await linkWorkspace(project);
  const plugin = await runTrellis(['new', 'plugin', 'greeter', ...language], { cwd: project });
  if (plugin.code !== 0) throw new Error(`trellis new plugin failed:\n${plugin.stderr}`);
  return project;
}

/** The URL a started host printed. */
export function listeningUrl(stdout: string): string {
  const match = stdout.match(/listening on (http:\/\/\S+)/);
  if (match?.[1] === undefined) throw new Error(`no "listening on" line in:\n${stdout}`);
  return match[1];
}
