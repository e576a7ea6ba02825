import { relative } from 'node:path';
import { type Host, type StateChange, type StopReport, TrellisError } from '@trellis/core';
import type { HttpGateway } from '@trellis/http';
import { ADMIN_PLUGIN_NAME } from '../admin/admin-api.js';
import { adminTokenPath, hostAdminToken, MIN_TOKEN_LENGTH } from '../admin/admin-token.js';
import { removeRuntimeRecord, writeRuntimeRecord } from '../admin/host-address.js';
import type { SettingFlags, Settings } from '../config/settings.js';
import { cliErrors } from '../errors/cli-errors.js';
import { createHostLogger, type LogFormat } from '../output/log-stream.js';
import type { Output } from '../output/output.js';
import { errorProblem, hasErrors, warningProblem } from '../problems/problem.js';
import { type InspectedProject, inspectProject } from '../project/inspect-project.js';
import { assembleHost } from './assemble-host.js';
import type { PluginReloader } from './plugin-reloader.js';

/** How to serve a project. */
export interface ServeOptions {
  readonly out: Output;
  readonly configFile?: string | undefined;
  readonly flags: SettingFlags;
  /** Refuse to start when any plugin is broken or fails, instead of running the rest. */
  readonly strict: boolean;
  readonly logFormat: LogFormat;
  /** Evaluate the config file again (a restart of `trellis dev`). */
  readonly fresh?: boolean;
}

/** A running project. */
export interface Serving {
  readonly inspected: InspectedProject;
  readonly host: Host;
  readonly gateway: HttpGateway;
  readonly reloader: PluginReloader;
  /** Where the gateway listens. */
  readonly url: string;
  /** Stops the host and forgets the runtime record. */
  stop(): Promise<StopReport>;
}

/** Turns a listen failure into the error that names the port. */
function startFailure(error: unknown, settings: Settings): unknown {
  if (TrellisError.is(error, 'E_SURFACE_START_FAILED')) {
    const cause = error.cause as NodeJS.ErrnoException | undefined;
    if (cause?.code === 'EADDRINUSE')
      return cliErrors.portInUse(settings.http.host, settings.http.port, cause);
  }
  return error;
}

function tokenNote(source: string, root: string, path: string): string {
  if (source === 'configured') return 'admin API token: from TRELLIS_ADMIN_TOKEN or adminToken';
  return `admin API token: ${relative(root, path) || path}${source === 'generated' ? ' (generated)' : ''}`;
}

/**
 * Loads, checks and starts a project as `trellis start` runs it. Every config problem is printed before
 * anything starts, and then nothing starts; broken plugin packages are printed and left out (or, with
 * `strict`, stop the start). A port in use becomes `E_PORT_IN_USE` naming the port.
 *
 * @throws TrellisError for anything that prevents serving (`E_START_REFUSED`, `E_PORT_IN_USE`,
 *   `E_CONFIG_LOAD_FAILED`, `E_STORE_FAILED`...).
 */
export async function serve(options: ServeOptions): Promise<Serving> {
  const { out } = options;
  const io = out.io;
  const spinner = out.spinner('Loading the project…');
  let inspected: InspectedProject;
  try {
    inspected = await inspectProject({
      cwd: io.cwd,
      env: io.env,
      configFile: options.configFile,
      flags: options.flags,
      fresh: options.fresh,
      onLoaded: (plugin) => spinner.update(`Loaded ${plugin}`),
    });
  } finally {
    spinner.stop();
  }
  for (const problem of inspected.problems) out.problem(problem);
  if (inspected.configProblems.length > 0 || (options.strict && hasErrors(inspected.problems)))
    throw cliErrors.startRefused(inspected.problems.filter((problem) => problem.severity === 'error').length);
  const { settings } = inspected.project;
  const token = await hostAdminToken(settings.root, settings.adminToken);
  if (token.token.length < MIN_TOKEN_LENGTH)
    out.problem(warningProblem('adminToken', cliErrors.adminTokenWeak(token.token.length)));
  const logger = createHostLogger(settings.logger, {
    level: settings.logLevel,
    format: options.logFormat,
    stream: io.stderr,
    colors: out.errorColors,
  });
  const assembly = assembleHost({
    settings,
    loaded: inspected.loaded,
    configs: inspected.configs,
    logger,
    listen: true,
    adminToken: token.token,
  });
  const { host, gateway } = assembly;
  const total = inspected.loaded.length;
  const booting = out.spinner(`Starting ${total} plugin${total === 1 ? '' : 's'}…`);
  let settled = 0;
  const unsubscribe = host.on<StateChange>('trellis.plugin.state', (change) => {
    if (change.to === 'running' || change.to === 'failed')
      booting.update(`Starting plugins… ${++settled}/${total}`);
  });
  let report: Awaited<ReturnType<Host['start']>>;
  try {
    report = await host.start();
  } catch (error) {
    throw startFailure(error, settings);
  } finally {
    booting.stop();
    unsubscribe();
  }
  for (const failure of report.failed) out.problem(errorProblem(failure.name, failure.error));
  if (options.strict && report.failed.length > 0) {
    await host.stop();
    throw cliErrors.startRefused(report.failed.length);
  }
  const url = gateway.url ?? '';
  await writeRuntimeRecord(settings.root, url);
  const running = report.running.filter((name) => name !== ADMIN_PLUGIN_NAME).length;
  out.success(
    `${running} plugin${running === 1 ? '' : 's'} running${report.failed.length > 0 ? `, ${report.failed.length} failed` : ''}${report.dormant.length > 0 ? `, ${report.dormant.length} lazy` : ''} (${Math.round(report.durationMs)} ms)`,
  );
  out.note(out.errorColors.dim(tokenNote(token.source, settings.root, adminTokenPath(settings.root))));
  out.line(`${out.colors.green('➜')} listening on ${out.colors.cyan(url)}`);
  return {
    inspected,
    host,
    gateway,
    reloader: assembly.reloader,
    url,
    async stop() {
      const stopReport = await host.stop();
      await removeRuntimeRecord(settings.root);
      return stopReport;
    },
  };
}
