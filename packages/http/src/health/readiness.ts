import type { Host, HostState, PluginState } from '@trellis/core';
import type { CheckReport, HealthRegistry } from './health-checks.js';

/** One plugin in a readiness report. */
export interface PluginReadiness {
  readonly name: string;
  readonly version: string;
  readonly state: PluginState;
  readonly activation: 'eager' | 'lazy';
  /** Why it failed, when it did. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** The body of `/health/ready`. */
export interface ReadinessReport {
  readonly status: 'ready' | 'not ready';
  readonly host: HostState;
  readonly plugins: readonly PluginReadiness[];
  readonly checks: readonly CheckReport[];
}

/**
 * The host is ready when it runs, every eager plugin runs (lazy ones may still sleep: they start on first
 * use) and every custom check passes.
 */
export async function readiness(host: Host, checks: HealthRegistry): Promise<ReadinessReport> {
  const checkReports = await checks.run();
  const plugins = host.plugins().map(
    (plugin): PluginReadiness => ({
      name: plugin.name,
      version: plugin.version,
      state: plugin.state,
      activation: plugin.activation,
      ...(plugin.error === undefined
        ? {}
        : { error: { code: plugin.error.code, message: plugin.error.message } }),
    }),
  );
  const ready =
    host.state === 'running' &&
    plugins.every((plugin) => plugin.activation === 'lazy' || plugin.state === 'running') &&
    checkReports.every((check) => check.ok);
  return { status: ready ? 'ready' : 'not ready', host: host.state, plugins, checks: checkReports };
}
