import { describeThrown, TrellisError } from './trellis-error.js';

/** One problem found while validating a manifest, config or call params. */
export interface ValidationIssue {
  /** Where the problem is, as a dotted path (`permissions.calls[1]`); empty for the value itself. */
  readonly path: string;
  /** What was expected there, in words. */
  readonly message: string;
}

function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .map((issue) => (issue.path === '' ? `- ${issue.message}` : `- ${issue.path}: ${issue.message}`))
    .join('\n');
}

/**
 * Every error the kernel raises is made here, so that each code has one message that names what was
 * involved and says what to do.
 */
export const errors = {
  invalidArgument(what: string, expected: string, received: unknown): TrellisError {
    return new TrellisError(
      'E_INVALID_ARGUMENT',
      `${what} must be ${expected}; got ${describeThrown(received)}.`,
      {
        details: { argument: what, expected },
      },
    );
  },

  manifestInvalid(source: string, issues: readonly ValidationIssue[]): TrellisError {
    return new TrellisError(
      'E_MANIFEST_INVALID',
      `The manifest of ${source} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}); fix each field below:\n${formatIssues(issues)}`,
      { details: { source, issues } },
    );
  },

  pluginDuplicate(name: string): TrellisError {
    return new TrellisError(
      'E_PLUGIN_DUPLICATE',
      `Plugin '${name}' is registered twice. Plugin names are unique in a host: remove one registration or rename one plugin.`,
      { details: { plugin: name } },
    );
  },

  pluginNotFound(name: string, known: readonly string[]): TrellisError {
    return new TrellisError(
      'E_PLUGIN_NOT_FOUND',
      `No plugin named '${name}' is registered in this host. Registered plugins: ${known.join(', ') || '(none)'}.`,
      { details: { plugin: name } },
    );
  },

  pluginState(name: string, state: string, operation: string, allowed: readonly string[]): TrellisError {
    return new TrellisError(
      'E_PLUGIN_STATE',
      `Cannot ${operation} plugin '${name}' while it is ${state}; ${operation} works when it is ${allowed.join(' or ')}.`,
      { details: { plugin: name, state, operation, allowed } },
    );
  },

  pluginStopped(name: string): TrellisError {
    return new TrellisError(
      'E_PLUGIN_STATE',
      `Plugin '${name}' stopped (it was torn down, disabled, reloaded or failed); work tied to its signal should end.`,
      { details: { plugin: name } },
    );
  },

  pluginDisabled(name: string, capability?: string, disabledBy?: string): TrellisError {
    const subject =
      capability === undefined ? `Plugin '${name}'` : `Capability '${capability}' of plugin '${name}'`;
    const fix =
      disabledBy === undefined
        ? `Enable it with host.enable('${name}') and try again.`
        : `It was disabled because it depends on '${disabledBy}'; host.enable('${disabledBy}') brings both back.`;
    return new TrellisError(
      'E_PLUGIN_DISABLED',
      `${subject} is not available because the plugin is disabled or stopping. ${fix}`,
      {
        details: {
          plugin: name,
          ...(capability === undefined ? {} : { capability }),
          ...(disabledBy === undefined ? {} : { disabledBy }),
        },
      },
    );
  },

  pluginFailed(name: string, capability: string, cause: TrellisError | undefined): TrellisError {
    return new TrellisError(
      'E_PLUGIN_FAILED',
      `Capability '${capability}' is not available because plugin '${name}' failed${cause === undefined ? '' : ` (${cause.code}: ${cause.message})`}. Fix the plugin, then host.reload('${name}') or host.enable('${name}').`,
      { details: { plugin: name, capability }, cause },
    );
  },

  hostApiIncompatible(plugin: string, range: string, hostApiVersion: string): TrellisError {
    return new TrellisError(
      'E_HOST_API_INCOMPATIBLE',
      `Plugin '${plugin}' needs host API ${range}, but this host provides ${hostApiVersion}. Install a version of the plugin built for host API ${hostApiVersion}, or upgrade the host.`,
      { details: { plugin, range, hostApiVersion } },
    );
  },

  hostState(state: string, operation: string, hint: string): TrellisError {
    return new TrellisError('E_HOST_STATE', `Cannot ${operation} while the host is ${state}; ${hint}.`, {
      details: { state, operation },
    });
  },

  dependencyCycle(path: readonly string[]): TrellisError {
    return new TrellisError(
      'E_DEPENDENCY_CYCLE',
      `Plugins depend on each other in a cycle: ${path.join(' -> ')}. Break the cycle by removing one of these dependencies (or making it optional and moving the shared part into its own plugin).`,
      { details: { cycle: path } },
    );
  },

  dependencyMissing(plugin: string, dependency: string, range: string): TrellisError {
    return new TrellisError(
      'E_DEPENDENCY_MISSING',
      `Plugin '${plugin}' depends on '${dependency}' (${range}), which is not registered. Add '${dependency}' to the host's plugins or mark the dependency optional.`,
      { details: { plugin, dependency, range } },
    );
  },

  dependencyVersion(plugin: string, dependency: string, range: string, found: string): TrellisError {
    return new TrellisError(
      'E_DEPENDENCY_VERSION',
      `Plugin '${plugin}' needs '${dependency}' ${range}, but version ${found} is registered. Install a version of '${dependency}' that satisfies ${range}, or relax the range in '${plugin}'.`,
      { details: { plugin, dependency, range, found } },
    );
  },

  dependencyFailed(plugin: string, dependency: string, cause: TrellisError): TrellisError {
    return new TrellisError(
      'E_DEPENDENCY_FAILED',
      `Plugin '${plugin}' was not started because its dependency '${dependency}' is not running (${cause.code}). Fix '${dependency}' first; see its error for details.`,
      { details: { plugin, dependency }, cause },
    );
  },

  dependencyUndeclared(plugin: string, dependency: string): TrellisError {
    return new TrellisError(
      'E_DEPENDENCY_UNDECLARED',
      `Plugin '${plugin}' asked for the service of '${dependency}' without declaring it. Add '${dependency}' to the dependencies (or optionalDependencies) of '${plugin}'.`,
      { details: { plugin, dependency } },
    );
  },

  configInvalid(plugin: string, issues: readonly ValidationIssue[]): TrellisError {
    return new TrellisError(
      'E_CONFIG_INVALID',
      `The config for plugin '${plugin}' is invalid; fix these values under config.${plugin}:\n${formatIssues(issues)}`,
      { details: { plugin, issues } },
    );
  },

  setupFailed(plugin: string, cause: unknown): TrellisError {
    return new TrellisError(
      'E_SETUP_FAILED',
      `Plugin '${plugin}' failed during setup: ${describeThrown(cause)}. Fix the error in its setup(); the host keeps running the other plugins.`,
      { details: { plugin }, cause },
    );
  },

  setupTimeout(plugin: string, timeoutMs: number): TrellisError {
    return new TrellisError(
      'E_SETUP_TIMEOUT',
      `Plugin '${plugin}' did not finish setup within ${timeoutMs} ms. Make sure setup() resolves (an un-awaited callback or a forgotten promise is the usual cause), or raise setupTimeout for this plugin.`,
      { details: { plugin, timeoutMs } },
    );
  },

  teardownFailed(plugin: string, cause: unknown): TrellisError {
    return new TrellisError(
      'E_TEARDOWN_FAILED',
      `Plugin '${plugin}' failed during teardown: ${describeThrown(cause)}. The host went on stopping the other plugins; release the plugin's resources even when one step fails.`,
      { details: { plugin }, cause },
    );
  },

  teardownTimeout(plugin: string, timeoutMs: number): TrellisError {
    return new TrellisError(
      'E_TEARDOWN_TIMEOUT',
      `Plugin '${plugin}' did not finish teardown within ${timeoutMs} ms; the host went on without it. Make sure teardown() resolves, or raise teardownTimeout for this plugin.`,
      { details: { plugin, timeoutMs } },
    );
  },

  reloadFailed(plugin: string, cause: TrellisError, rolledBack: boolean): TrellisError {
    const outcome = rolledBack
      ? 'the previous version was restored and keeps serving'
      : 'the previous version could not be restored either, so the plugin is failed';
    return new TrellisError(
      'E_RELOAD_FAILED',
      `Reloading plugin '${plugin}' failed (${cause.code}: ${cause.message}); ${outcome}.`,
      { details: { plugin, rolledBack }, cause },
    );
  },

  capabilityNotFound(capability: string): TrellisError {
    return new TrellisError(
      'E_CAPABILITY_NOT_FOUND',
      `No plugin provides capability '${capability}'. Check the name, and that the plugin providing it is registered and running (host.plugins()).`,
      { details: { capability } },
    );
  },

  capabilityDuplicate(capability: string, owner: string, claimant: string): TrellisError {
    return new TrellisError(
      'E_CAPABILITY_DUPLICATE',
      `Capability '${capability}' is already provided by plugin '${owner}', so plugin '${claimant}' cannot provide it too. Rename one of them; capability names are unique in a host.`,
      { details: { capability, owner, claimant } },
    );
  },

  capabilityFailed(capability: string, plugin: string, cause: unknown): TrellisError {
    const thrownKind =
      cause instanceof Error ? '' : ' (it threw a non-Error value; throw an Error or a TrellisError instead)';
    return new TrellisError(
      'E_CAPABILITY_FAILED',
      `Capability '${capability}' of plugin '${plugin}' failed: ${describeThrown(cause)}${thrownKind}.`,
      { details: { capability, plugin }, cause },
    );
  },

  callDepth(capability: string, maxDepth: number): TrellisError {
    return new TrellisError(
      'E_CALL_DEPTH',
      `Calling '${capability}' would nest more than ${maxDepth} calls deep; capabilities are probably calling each other in a loop.`,
      { details: { capability, maxDepth } },
    );
  },

  permissionDenied(plugin: string, action: 'call' | 'emit' | 'observe', target: string): TrellisError {
    const field = action === 'call' ? 'calls' : action === 'emit' ? 'emits' : 'observes';
    return new TrellisError(
      'E_PERMISSION_DENIED',
      `Plugin '${plugin}' may not ${action} '${target}'. Add '${target}' (or a pattern covering it) to permissions.${field} in the manifest of '${plugin}'.`,
      { details: { plugin, action, target } },
    );
  },

  validation(
    capability: string,
    direction: 'params' | 'result',
    issues: readonly ValidationIssue[],
  ): TrellisError {
    const whose =
      direction === 'params' ? 'the caller passed invalid params' : 'the handler returned an invalid result';
    return new TrellisError(
      'E_VALIDATION',
      `Capability '${capability}': ${whose}:\n${formatIssues(issues)}`,
      { details: { capability, direction, issues } },
    );
  },

  timeout(capability: string, timeoutMs: number): TrellisError {
    return new TrellisError(
      'E_TIMEOUT',
      `Capability '${capability}' did not answer within ${timeoutMs} ms. Raise the timeout if the work is legitimately slow, or look at why the handler is stuck.`,
      { details: { capability, timeoutMs }, retryable: true },
    );
  },

  circuitOpen(capability: string, retryAfterMs: number): TrellisError {
    return new TrellisError(
      'E_CIRCUIT_OPEN',
      `Capability '${capability}' is failing, so its circuit breaker is open and calls are refused for about ${retryAfterMs} ms more. Look at the capability's recent errors; calls resume after a successful probe.`,
      { details: { capability, retryAfterMs }, retryable: true },
    );
  },

  bulkheadFull(capability: string, maxConcurrent: number, maxQueue: number): TrellisError {
    return new TrellisError(
      'E_BULKHEAD_FULL',
      `Capability '${capability}' is already running ${maxConcurrent} calls with ${maxQueue} more queued, so this call was refused. Slow down, or raise bulkhead.maxConcurrent / bulkhead.maxQueue if the capability can take more.`,
      { details: { capability, maxConcurrent, maxQueue }, retryable: true },
    );
  },

  rateLimited(capability: string, caller: string | undefined, retryAfterMs: number): TrellisError {
    const whose = caller === undefined ? '' : ` for caller '${caller}'`;
    return new TrellisError(
      'E_RATE_LIMITED',
      `Capability '${capability}' is over its rate limit${whose}; try again in ${retryAfterMs} ms.`,
      { details: { capability, ...(caller === undefined ? {} : { caller }), retryAfterMs }, retryable: true },
    );
  },

  poolTimeout(pool: string, plugin: string, timeoutMs: number, max: number, cause?: unknown): TrellisError {
    return new TrellisError(
      'E_POOL_TIMEOUT',
      `Pool '${pool}' of plugin '${plugin}' had no free resource within ${timeoutMs} ms (at most ${max} exist). Release resources promptly (pool.use() always does), or raise max or acquireTimeout${cause === undefined ? '' : `; creating a resource last failed with: ${describeThrown(cause)}`}.`,
      { details: { pool, plugin, timeoutMs, max }, cause, retryable: true },
    );
  },

  batchMismatch(batch: string, expected: number, received: unknown): TrellisError {
    const got = Array.isArray(received) ? `${received.length} results` : describeThrown(received);
    return new TrellisError(
      'E_BATCH_MISMATCH',
      `The batch function of '${batch}' must return one result (or Error) per item, in order: ${expected} expected, got ${got}.`,
      { details: { batch, expected } },
    );
  },

  aborted(capability: string, reason: unknown): TrellisError {
    return new TrellisError(
      'E_ABORTED',
      `The call to '${capability}' was aborted by its caller: ${describeThrown(reason)}.`,
      {
        details: { capability },
      },
    );
  },

  subscriberFailed(subscriber: string, topic: string, cause: unknown): TrellisError {
    return new TrellisError(
      'E_SUBSCRIBER_FAILED',
      `A subscriber of '${subscriber}' failed on event '${topic}': ${describeThrown(cause)}. The emitter and the other subscribers were not affected; fix the subscriber.`,
      { details: { subscriber, topic }, cause },
    );
  },

  topicInvalid(topic: string, reason: string): TrellisError {
    return new TrellisError(
      'E_TOPIC_INVALID',
      `'${topic}' is not a valid topic or pattern: ${reason}. Topics are dot-separated segments such as 'orders.created'; patterns may use '*' for one segment and '**' for any number.`,
      { details: { topic, reason } },
    );
  },
  valueNotJson(what: string, path: string, found: string): TrellisError {
    const where = path === '' ? '' : ` at '${path}'`;
    return new TrellisError(
      'E_VALUE_NOT_JSON',
      `${what} must be plain JSON (null, booleans, finite numbers, strings, arrays, plain objects); found ${found}${where}. Convert it first, e.g. a Date with toISOString().`,
      { details: { what, path, found } },
    );
  },

  valueTooLarge(what: string, bytes: number, limitBytes: number): TrellisError {
    return new TrellisError(
      'E_VALUE_TOO_LARGE',
      `${what} is ${bytes} bytes as JSON, over the limit of ${limitBytes}. Store large data elsewhere and keep a reference, or raise the host's limit.`,
      { details: { what, bytes, limitBytes } },
    );
  },

  storeFailed(operation: string, cause: unknown): TrellisError {
    return new TrellisError(
      'E_STORE_FAILED',
      `The store failed to ${operation}: ${describeThrown(cause)}. Nothing was changed by this operation; check the store's file or connection.`,
      { details: { operation }, cause, retryable: true },
    );
  },

  taskUnknown(plugin: string, task: string, known: readonly string[]): TrellisError {
    return new TrellisError(
      'E_TASK_UNKNOWN',
      `Plugin '${plugin}' has no task named '${task}'. Define it first with ctx.tasks.define('${task}', handler); defined tasks: ${known.join(', ') || '(none)'}.`,
      { details: { plugin, task, known } },
    );
  },

  taskDuplicate(plugin: string, task: string): TrellisError {
    return new TrellisError(
      'E_TASK_DUPLICATE',
      `Plugin '${plugin}' defines task '${task}' twice. Task names are unique per plugin: rename one.`,
      { details: { plugin, task } },
    );
  },

  taskNotFound(id: string): TrellisError {
    return new TrellisError(
      'E_TASK_NOT_FOUND',
      `No task with id '${id}' exists (it may have finished and been pruned after the history retention). List tasks with tasks.list().`,
      { details: { id } },
    );
  },

  scheduleInvalid(task: string, reason: string): TrellisError {
    return new TrellisError('E_SCHEDULE_INVALID', `The schedule of task '${task}' is invalid: ${reason}.`, {
      details: { task, reason },
    });
  },

  taskCancelled(id: string): TrellisError {
    return new TrellisError('E_TASK_CANCELLED', `Task '${id}' was cancelled while it ran.`, {
      details: { id },
    });
  },

  taskFailed(id: string, task: string, cause: unknown): TrellisError {
    return new TrellisError(
      'E_TASK_FAILED',
      `Task '${task}' (${id}) failed: ${describeThrown(cause)}. Throw a TrellisError from the handler to give callers a stable code.`,
      { details: { id, task }, cause },
    );
  },

  taskTimeout(id: string, task: string, timeoutMs: number): TrellisError {
    return new TrellisError(
      'E_TIMEOUT',
      `Attempt of task '${task}' (${id}) took longer than its timeout of ${timeoutMs} ms and was abandoned; its signal was aborted. Raise the timeout or make the handler honour the signal sooner.`,
      { details: { id, task, timeoutMs }, retryable: true },
    );
  },

  surfaceStopFailed(surface: string, cause: unknown): TrellisError {
    return new TrellisError(
      'E_SURFACE_STOP_FAILED',
      `The ${surface} surface did not stop cleanly: ${describeThrown(cause)}. The plugins were stopped anyway.`,
      { details: { surface }, cause },
    );
  },

  surfaceStartFailed(surface: string, cause: unknown): TrellisError {
    return new TrellisError(
      'E_SURFACE_START_FAILED',
      `The ${surface} surface could not start: ${describeThrown(cause)}. The host stopped the plugins it had started; fix the cause (a port in use? choose another) and start again.`,
      { details: { surface }, cause },
    );
  },
} as const;
