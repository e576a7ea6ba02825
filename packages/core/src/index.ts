export type { Principal } from './auth/principal.js';
export type { BatchFunction, BatchOptions } from './batching/batcher.js';
export {
  type BudgetName,
  type BudgetReport,
  type Budgets,
  PLATFORM_BUDGETS,
  type PluginBudgetReport,
} from './budgets/budgets.js';
export type { CacheOptions } from './cache/capability-cache.js';
export {
  CallContext,
  type CallMetadata,
  HOST_CALLER,
  type PolicyOverrides,
} from './capabilities/call-context.js';
export type { CapabilityDescription } from './capabilities/capability-registry.js';
export { type Clock, systemClock, type TimerHandle } from './clock/clock.js';
export { DependencyGraph, type GraphNode, type GraphProblem } from './dependency-graph/dependency-graph.js';
export { errors, type ValidationIssue } from './errors/errors.js';
export {
  ERROR_CODES,
  type ErrorDetails,
  type SerializedTrellisError,
  TrellisError,
  type TrellisErrorCode,
  type TrellisErrorOptions,
} from './errors/trellis-error.js';
export type { EventHandler, SubscribeOptions, TrellisEvent } from './events/event-bus.js';
export { compileTopicPattern, PatternSet, type TopicPattern } from './events/topic-pattern.js';
export { createHost, Host, type HostTasks } from './host/host.js';
export {
  type BootReport,
  HOST_API_VERSION,
  type HostOptions,
  type HostState,
  type StopReport,
} from './host/host-options.js';
export type { PluginInfo, PluginState, StateChange } from './host/plugin-runtime.js';
export type {
  Activation,
  DependencySpec,
  Isolation,
  LimitsManifest,
  NormalizedManifest,
  PermissionsManifest,
  PluginManifest,
} from './manifest/manifest.js';
export { manifestFromPackageJson } from './manifest/package-json.js';
export { validateManifest } from './manifest/validate-manifest.js';
export type { Middleware, MiddlewareOptions, Next } from './middleware/middleware.js';
export { type Logger, type LoggerInput, REDACTED_KEYS } from './observability/logger.js';
export { HostMetrics } from './observability/metrics.js';
export {
  definePlugin,
  isPlugin,
  type Plugin,
  type PluginDefinition,
  type PluginHooks,
  type ServiceOf,
} from './plugin/define-plugin.js';
export type {
  CallOptions,
  CapabilityHandler,
  CapabilityOptions,
  PluginContext,
  PluginSubscribeOptions,
  UseOptions,
} from './plugin/plugin-context.js';
export type { BulkheadOptions } from './policies/bulkhead.js';
export type { PolicyOptions } from './policies/capability-policies.js';
export type { CircuitBreakerOptions, CircuitState } from './policies/circuit-breaker.js';
export type { FallbackOptions } from './policies/fallback.js';
export type { RateLimitOptions } from './policies/rate-limiter.js';
export type { CallRetryOptions, RetryOptions } from './policies/retry.js';
export type { PoolFactory, PoolOptions, PoolStats, ResourcePool } from './pools/resource-pool.js';
export {
  isSchema,
  type Schema,
  type SchemaOutput,
  type SchemaResult,
  validateWithSchema,
} from './schema/standard-schema.js';
export { canonicalJson } from './store/canonical-json.js';
export { MemoryStore, matchesTaskQuery } from './store/memory-store.js';
export {
  MAX_STATE_KEY_LENGTH,
  type PluginStateStore,
  type StateListOptions,
  type StateSetOptions,
} from './store/plugin-state.js';
export type {
  JsonValue,
  MissedRunPolicy,
  RecurrenceSpec,
  StateStore,
  Store,
  StoredEntry,
  TaskQuery,
  TaskRecord,
  TaskStatus,
  TaskStore,
  WriteOptions,
} from './store/store.js';
export type { Surface, SurfaceAttachment } from './surfaces/surface.js';
export type { OrphanedTask, TaskRunnerOptions } from './tasks/task-runner.js';
export type {
  EnqueueOptions,
  PluginTasks,
  RecurringOptions,
  TaskBackoff,
  TaskContext,
  TaskDefinitionOptions,
  TaskEvent,
  TaskFilter,
  TaskHandler,
  TaskInfo,
} from './tasks/task-types.js';
