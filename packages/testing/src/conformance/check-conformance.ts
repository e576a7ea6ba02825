import { errors, isPlugin, PLATFORM_BUDGETS, type Plugin } from '@trellis/core';
import { FakeClock } from '../clock/fake-clock.js';
import { buildTestHost } from '../host/create-test-host.js';
import type { TestHost } from '../host/test-host.js';
import type { TestHostOptions } from '../host/test-host-options.js';
import type { Mocks } from '../mocks/capability-mock.js';
import { PluginObserver } from '../observe/plugin-observer.js';
import {
  type ConformanceRun,
  callEach,
  capabilitySignature,
  checkDisabledRefuses,
  checkManifest,
  checkPermissions,
  checkProvides,
  ensureRunning,
  infoOf,
  providedCapabilities,
  runExercise,
  stopTwice,
  teardownAgain,
} from './conformance-steps.js';
import type { ConformanceOptions, ConformanceReport } from './conformance-types.js';
import { FindingList } from './findings.js';
import { handleCounts } from './handle-snapshot.js';
import { checkLeaks } from './leak-checks.js';
import { timerTracker } from './timer-tracker.js';

let runs = 0;

/** The host options of the suite's hosts: the plugin, its dependencies and mocks, on the run's clock. */
function hostOptions(plugin: Plugin, options: ConformanceOptions, clock: FakeClock): TestHostOptions {
  const dependencies = options.dependencies ?? [];
  const plugins = dependencies.filter((dependency): dependency is Plugin => isPlugin(dependency));
  const mocks = Object.assign({}, ...dependencies.filter((dependency) => !isPlugin(dependency))) as Mocks;
  return {
    plugins: [...plugins, plugin],
    mocks,
    config: { ...options.dependencyConfig, [plugin.manifest.name]: options.config },
    clock,
    allowBootFailures: true,
    ...(options.budgets === undefined ? {} : { budgets: options.budgets }),
    ...(options.createHost === undefined ? {} : { createHost: options.createHost }),
  };
}

/**
 * Checks a plugin against what every Trellis plugin must do, and reports each problem instead of
 * throwing (see `describePluginConformance` for the Vitest form):
 *
 * - **manifest**: valid on its own, and `provides` (when given) matches what setup provides;
 * - **lifecycle**: starts, stops without teardown errors, starts again on a fresh host, a second stop and a
 *   second teardown are harmless;
 * - **budget**: the fastest of its setups (real time plus fake time it waited on the host's clock) is
 *   within its `budgets.setupMs`, the host's, or the platform's 10 ms;
 * - **enable-disable**: disabled, its capabilities refuse with `E_PLUGIN_DISABLED`; enabled again, they
 *   answer with the same signature;
 * - **reload**: after `host.reload()`, the same service shape and capabilities, answering;
 * - **leaks**: once stopped, none of its timers pending, subscriptions delivering, pool resources held, or
 *   handles (sockets, servers) open;
 * - **permissions**: nothing it called, emitted or subscribed to was refused by the kernel;
 * - **errors**: each capability, called with samples (given, or generated from its params schema), fails
 *   only with TrellisErrors and always answers;
 * - **exercise**: the author's scenario passes.
 *
 * Hosts run on a fake clock with every wait moved through, so the suite takes milliseconds.
 */
export async function checkPluginConformance(
  plugin: Plugin,
  options: ConformanceOptions = {},
): Promise<ConformanceReport> {
  if (!isPlugin(plugin))
    throw errors.invalidArgument('The plugin to check', 'a plugin made by definePlugin()', plugin);
  const name = plugin.manifest.name;
  const findings = new FindingList(name);
  const clock = options.clock ?? new FakeClock();
  runs += 1;
  const attributionKey = `${name}#${runs}`;
  const observer = new PluginObserver(name, clock, (work) => timerTracker.attribute(attributionKey, work));
  const run: ConformanceRun = { name, plugin, options, findings, observer, hung: new Set() };
  checkManifest(run);

  const setupBudgetMs =
    plugin.manifest.budgets.setupMs ?? options.budgets?.setupMs ?? PLATFORM_BUDGETS.setupMs;
  const handlesBefore = handleCounts();
  timerTracker.install();
  const hosts: TestHost[] = [];
  try {
    const observers = new Map([[name, observer]]);
    const first = await buildTestHost(hostOptions(plugin, options, clock), { observers });
    hosts.push(first);
    const running = await ensureRunning(first, run, 'lifecycle', 'after the host started');
    const signature = capabilitySignature(first, name);
    if (running) {
      checkProvides(first, run);
      await runExercise(first, run);
      await callEach(first, run, 'errors', 'when called');
      await cycleEnableDisable(first, run);
      await checkReload(first, run);
    }
    await stopTwice(first, run, 'the host');
    await teardownAgain(first, run);

    const second = await buildTestHost(hostOptions(plugin, options, clock), { observers });
    hosts.push(second);
    if (await ensureRunning(second, run, 'lifecycle', 'on a fresh host after a first host stopped')) {
      const again = capabilitySignature(second, name);
      if (running && again !== signature) {
        findings.add(
          'lifecycle',
          `on a fresh host it provides ${again} instead of ${signature}`,
          'Keep no module-level state between setups: make everything in setup and release it in teardown.',
        );
      }
    }
    await stopTwice(second, run, 'a fresh host');
    await checkLeaks(run, hosts, attributionKey, handlesBefore);
  } finally {
    await Promise.all(hosts.map((testHost) => testHost.stop()));
    timerTracker.forget(attributionKey);
    timerTracker.uninstall();
  }
  checkPermissions(run, hosts);
  const setupMs =
    observer.setups.length === 0 ? undefined : Math.min(...observer.setups.map((setup) => setup.ms));
  if (setupMs !== undefined && setupMs > setupBudgetMs) {
    findings.add(
      'budget',
      `its fastest of ${observer.setups.length} setups took ${setupMs.toFixed(1)} ms, over its budget of ${setupBudgetMs} ms`,
      'Move slow work out of setup (connect lazily, defer it to a task or the first call), or declare a larger budgets.setupMs in the manifest.',
      { setupMs, setupBudgetMs, setups: observer.setups.map((setup) => setup.ms) },
    );
  }
  return findings.report(setupMs, setupBudgetMs);
}

/** Disables the plugin (its capabilities must refuse), enables it (they must answer, unchanged). */
async function cycleEnableDisable(testHost: TestHost, run: ConformanceRun): Promise<void> {
  const capabilities = providedCapabilities(testHost, run.name);
  const signature = capabilitySignature(testHost, run.name);
  const shape = run.observer.setups.at(-1)?.serviceShape;
  try {
    await testHost.disable(run.name);
  } catch (error) {
    run.findings.add(
      'enable-disable',
      `disabling it failed: ${String(error)}`,
      'Make onDisable and teardown succeed.',
    );
    return;
  }
  const state = infoOf(testHost, run.name)?.state;
  if (state !== 'disabled') {
    run.findings.add(
      'enable-disable',
      `after host.disable() it is ${state}`,
      'Make onDisable and teardown succeed.',
    );
    return;
  }
  await checkDisabledRefuses(testHost, run, capabilities);
  try {
    await testHost.enable(run.name);
  } catch {
    // ensureRunning reports the state and error below.
  }
  if (!(await ensureRunning(testHost, run, 'enable-disable', 'after host.enable()'))) return;
  await callEach(testHost, run, 'enable-disable', 'after host.enable()', capabilities);
  checkServiceShape(run, 'enable-disable', 'across a disable and enable', shape);
  const again = capabilitySignature(testHost, run.name);
  if (again !== signature) {
    run.findings.add(
      'enable-disable',
      `after host.enable() it provides ${again} instead of ${signature}`,
      'Provide the same capabilities on every setup.',
    );
  }
}

/** Reloads the plugin: the same service shape and capabilities must come back, answering. */
async function checkReload(testHost: TestHost, run: ConformanceRun): Promise<void> {
  const before = run.observer.setups.at(-1)?.serviceShape;
  const capabilities = providedCapabilities(testHost, run.name);
  const signature = capabilitySignature(testHost, run.name);
  try {
    await testHost.reload(run.name);
  } catch (error) {
    run.findings.add(
      'reload',
      `host.reload() failed: ${String(error)}`,
      'Make a second setup succeed after teardown.',
    );
    return;
  }
  if (!(await ensureRunning(testHost, run, 'reload', 'after host.reload()'))) return;
  checkServiceShape(run, 'reload', 'across the reload', before);
  const again = capabilitySignature(testHost, run.name);
  if (again !== signature) {
    run.findings.add(
      'reload',
      `after the reload it provides ${again} instead of ${signature}`,
      'Provide the same capabilities on every setup.',
    );
  }
  await callEach(testHost, run, 'reload', 'after host.reload()', capabilities);
}

/** The latest setup returned a service of the shape `before` had. */
function checkServiceShape(
  run: ConformanceRun,
  check: 'enable-disable' | 'reload',
  when: string,
  before: string | undefined,
): void {
  const after = run.observer.setups.at(-1)?.serviceShape;
  if (after === before) return;
  run.findings.add(
    check,
    `its service changed shape ${when}, from ${before} to ${after}`,
    'Return a service of the same shape from every setup: dependents are restarted with it.',
    { before, after },
  );
}
