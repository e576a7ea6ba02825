import { type Plugin, type PluginInfo, type ValidationIssue, validateManifest } from '@trellis/core';
import { describeValue, findCode, foreignThrowOf, isTrellisErrorLike } from '../errors/error-shape.js';
import type { TestHost } from '../host/test-host.js';
import type { PluginObserver } from '../observe/plugin-observer.js';
import { probe, sampleParams } from './capability-probe.js';
import type { ConformanceCheck, ConformanceOptions } from './conformance-types.js';
import type { FindingList } from './findings.js';

/** One run of the suite over one plugin. */
export interface ConformanceRun {
  readonly name: string;
  readonly plugin: Plugin;
  readonly options: ConformanceOptions;
  readonly findings: FindingList;
  readonly observer: PluginObserver;
  /** Capabilities found never answering; not called again (each such call costs a real wait). */
  readonly hung: Set<string>;
}

/** Errors meaning the capability is not there to answer (as opposed to answering with a failure). */
const UNAVAILABLE = new Set([
  'E_CAPABILITY_NOT_FOUND',
  'E_PLUGIN_DISABLED',
  'E_PLUGIN_FAILED',
  'E_HOST_STATE',
]);
const HOOK_KEYS = new Set(['config', 'setup', 'teardown', 'onEnable', 'onDisable', 'onReload']);

/** The manifest validates on its own (as if read from package.json), and its hooks are functions. */
export function checkManifest(run: ConformanceRun): void {
  const definition = run.plugin.definition as unknown as Record<string, unknown>;
  const fields = Object.fromEntries(Object.entries(definition).filter(([key]) => !HOOK_KEYS.has(key)));
  try {
    validateManifest(fields, `plugin '${run.name}'`);
  } catch (error) {
    const issues = (isTrellisErrorLike(error) ? error.details.issues : undefined) as
      | ValidationIssue[]
      | undefined;
    run.findings.add(
      'manifest',
      `its manifest is invalid: ${isTrellisErrorLike(error) ? error.message : describeValue(error)}`,
      'Fix each field listed.',
      { issues: issues ?? [] },
    );
  }
  for (const hook of ['teardown', 'onEnable', 'onDisable', 'onReload']) {
    if (definition[hook] !== undefined && typeof definition[hook] !== 'function')
      run.findings.add(
        'manifest',
        `its ${hook} is a ${typeof definition[hook]}`,
        `Make ${hook} a function or leave it out.`,
      );
  }
}

/** When the manifest lists what the plugin provides, the list matches what its setup registered. */
export function checkProvides(testHost: TestHost, run: ConformanceRun): void {
  const declared = new Set(run.plugin.manifest.provides);
  if (declared.size === 0) return;
  const provided = new Set(providedCapabilities(testHost, run.name));
  const undeclared = [...provided].filter((capability) => !declared.has(capability));
  const missing = [...declared].filter((capability) => !provided.has(capability));
  if (undeclared.length > 0 || missing.length > 0) {
    run.findings.add(
      'manifest',
      `its manifest's provides (${[...declared].join(', ')}) differs from what setup provided (${[...provided].join(', ') || 'nothing'})`,
      `Update provides: add ${undeclared.join(', ') || '-'}, remove ${missing.join(', ') || '-'}; a lazy plugin is only woken by what provides lists.`,
      { undeclared, missing },
    );
  }
}

/** The plugin's state in `testHost`. */
export function infoOf(testHost: TestHost, name: string): PluginInfo | undefined {
  return testHost.host.plugins().find((plugin) => plugin.name === name);
}

/** The capabilities the plugin provides now, sorted. */
export function providedCapabilities(testHost: TestHost, name: string): string[] {
  return testHost.host
    .capabilities()
    .filter((capability) => capability.plugin === name)
    .map((capability) => capability.name);
}

/** What callers see of the plugin's capabilities: names, validation, timeouts and middleware chains. */
export function capabilitySignature(testHost: TestHost, name: string): string {
  return JSON.stringify(
    testHost.host
      .capabilities()
      .filter((capability) => capability.plugin === name)
      .map(({ name: capability, validatesParams, validatesResult, timeout, middleware }) => ({
        capability,
        validatesParams,
        validatesResult,
        timeout,
        middleware,
      })),
  );
}

/**
 * True when the plugin runs in `testHost` (a lazy plugin is woken by a call first); otherwise records
 * under `check` why not, as `when` happened.
 */
export async function ensureRunning(
  testHost: TestHost,
  run: ConformanceRun,
  check: ConformanceCheck,
  when: string,
): Promise<boolean> {
  let info = infoOf(testHost, run.name);
  const activator = run.plugin.manifest.provides[0];
  if (info?.state === 'registered' && run.plugin.manifest.activation === 'lazy' && activator !== undefined) {
    const schema = testHost.paramsSchemaOf(activator);
    await probe(
      testHost,
      activator,
      sampleParams(activator, schema, run.options.samples, run.options.seed)[0],
    );
    info = infoOf(testHost, run.name);
  }
  if (info?.state === 'running') return true;
  const error = info?.error;
  run.findings.add(
    check,
    `it is ${info?.state ?? 'missing'} ${when}${error === undefined ? '' : ` (${error.code}: ${error.message})`}`,
    'Fix the error above; when a dependency is missing, pass the plugins and mocks it needs in the dependencies option.',
    { state: info?.state, error: error?.toJSON() },
  );
  return false;
}

/**
 * Calls each capability of the plugin with its sample params. For the `errors` check, every failure must
 * be a TrellisError and every call must answer; for the others, the capabilities must be there to answer.
 */
export async function callEach(
  testHost: TestHost,
  run: ConformanceRun,
  check: ConformanceCheck,
  when: string,
  capabilities: readonly string[] = providedCapabilities(testHost, run.name),
): Promise<void> {
  for (const capability of capabilities) {
    if (run.hung.has(capability)) continue;
    const samples = sampleParams(
      capability,
      testHost.paramsSchemaOf(capability),
      run.options.samples,
      run.options.seed,
    );
    for (const params of check === 'errors' ? samples : samples.slice(0, 1)) {
      const outcome = await probe(testHost, capability, params);
      const seen = (details: Readonly<Record<string, unknown>>) => details.capability === capability;
      if (outcome.kind === 'hung') {
        run.hung.add(capability);
        run.findings.add(
          check,
          `'${capability}' never answered ${when} (params ${JSON.stringify(params) ?? 'undefined'}): nothing was left to wait for on the host's clock`,
          'Make every path of the handler resolve, or give the capability a timeout.',
          { capability, params },
        );
        break;
      }
      if (outcome.kind !== 'error') continue;
      const foreign = foreignThrowOf(outcome.error, capability);
      if (check === 'errors' && foreign !== undefined && !run.findings.has(check, seen)) {
        run.findings.add(
          'errors',
          `'${capability}' threw ${describeValue(foreign.thrown)} instead of a TrellisError (params ${JSON.stringify(params) ?? 'undefined'})`,
          "Throw new TrellisError('E_YOUR_CODE', 'what happened and what to do', { details }) so callers can tell failures apart.",
          { capability, params, thrown: describeValue(foreign.thrown) },
        );
      }
      const code = isTrellisErrorLike(outcome.error) ? outcome.error.code : undefined;
      if (
        check !== 'errors' &&
        code !== undefined &&
        UNAVAILABLE.has(code) &&
        !run.findings.has(check, seen)
      ) {
        run.findings.add(
          check,
          `'${capability}' does not answer ${when} (${code}: ${(outcome.error as Error).message})`,
          'Provide every capability again in setup; keep no state that makes a second setup skip registration.',
          { capability, code },
        );
      }
    }
  }
}

/** After `disable`, each of the plugin's capabilities must refuse with `E_PLUGIN_DISABLED`. */
export async function checkDisabledRefuses(
  testHost: TestHost,
  run: ConformanceRun,
  capabilities: readonly string[],
): Promise<void> {
  for (const capability of capabilities) {
    const outcome = await probe(testHost, capability, undefined);
    const code =
      outcome.kind === 'error' && isTrellisErrorLike(outcome.error) ? outcome.error.code : undefined;
    if (code !== 'E_PLUGIN_DISABLED') {
      run.findings.add(
        'enable-disable',
        `'${capability}' still answered while the plugin was disabled (${code ?? outcome.kind})`,
        'Provide capabilities through ctx.provide only (the host withdraws them on disable), never through a module-level registry.',
        { capability, outcome: code ?? outcome.kind },
      );
    }
  }
}

/** Runs the author's exercise, with the fake clock moving while it waits. */
export async function runExercise(testHost: TestHost, run: ConformanceRun): Promise<void> {
  const exercise = run.options.exercise;
  if (exercise === undefined) return;
  try {
    await testHost.clock.runUntilSettled(Promise.resolve().then(() => exercise(testHost)));
  } catch (error) {
    run.findings.add(
      'exercise',
      `its exercise failed: ${describeValue(error)}`,
      'Fix the plugin or the exercise.',
      {
        error: describeValue(error),
      },
    );
  }
}

/** Stops `testHost`, then stops its host a second time: both must go without errors. */
export async function stopTwice(testHost: TestHost, run: ConformanceRun, which: string): Promise<void> {
  const report = await testHost.stop();
  for (const error of report.errors) {
    run.findings.add(
      'lifecycle',
      `stopping ${which} failed: ${error.code}: ${error.message}`,
      'Make teardown release everything and resolve within its time limit, even when a step fails.',
      { error: error.toJSON() },
    );
  }
  try {
    await testHost.clock.runUntilSettled(testHost.host.stop());
  } catch (error) {
    run.findings.add(
      'lifecycle',
      `stopping ${which} a second time threw ${describeValue(error)}`,
      'Stopping twice must be harmless.',
    );
  }
}

/** Runs the last teardown again with the same context: a teardown must tolerate running twice. */
export async function teardownAgain(testHost: TestHost, run: ConformanceRun): Promise<void> {
  try {
    await testHost.clock.runUntilSettled(run.observer.teardownAgain());
  } catch (error) {
    run.findings.add(
      'lifecycle',
      `its teardown threw when run a second time: ${describeValue(error)}`,
      'Make teardown idempotent: release each resource once (check a flag, or tie it to ctx.signal).',
      { error: describeValue(error) },
    );
  }
}

/**
 * Every action the kernel refused the plugin: through its context (watched by the observer), and as
 * reported in events and logs (a subscriber or task that failed on one).
 */
export function checkPermissions(run: ConformanceRun, hosts: readonly TestHost[]): void {
  const denied = new Map(run.observer.denied.map((entry) => [`${entry.action} ${entry.target}`, entry]));
  for (const testHost of hosts) {
    const reported = [
      ...testHost.events.all.map((event) => event.payload),
      ...testHost.logs.all.map((log) => log.err),
    ];
    for (const value of reported) {
      const refusal =
        findCode(value, 'E_PERMISSION_DENIED') ??
        findCode((value as { error?: unknown })?.error, 'E_PERMISSION_DENIED');
      const details = refusal?.details as
        | { plugin?: string; action?: 'call' | 'emit' | 'observe'; target?: string }
        | undefined;
      if (details?.plugin !== run.name || details.action === undefined || details.target === undefined)
        continue;
      const key = `${details.action} ${details.target}`;
      if (!denied.has(key))
        denied.set(key, { action: details.action, target: details.target, message: refusal?.message ?? '' });
    }
  }
  const fields = { call: 'calls', emit: 'emits', observe: 'observes' } as const;
  for (const { action, target } of denied.values()) {
    run.findings.add(
      'permissions',
      `it tried to ${action} '${target}', which its manifest does not allow (the kernel refused with E_PERMISSION_DENIED)`,
      `Add '${target}' (or a pattern covering it) to permissions.${fields[action]} in its manifest.`,
      { action, target },
    );
  }
}
