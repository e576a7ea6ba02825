import { errors, type ValidationIssue } from '../errors/errors.js';
import { TrellisError } from '../errors/trellis-error.js';
import type { NormalizedManifest, PluginManifest } from '../manifest/manifest.js';
import { validateManifest } from '../manifest/validate-manifest.js';
import { isSchema, type Schema } from '../schema/standard-schema.js';
import type { PluginContext } from './plugin-context.js';

/** The code of a plugin: its setup and the optional hooks around its life. */
export interface PluginHooks<Service, Config> {
  /** Standard Schema (zod, valibot, arktype...) the plugin's config must satisfy. */
  readonly config?: Schema<unknown, Config>;
  /** Registers capabilities, subscriptions and middleware; may return a service for dependents. */
  setup(ctx: PluginContext<Config>): Service;
  /** Releases what setup acquired. Runs on stop, disable and reload, in reverse dependency order. */
  teardown?(ctx: PluginContext<Config>): unknown;
  /** Runs after setup when the plugin is enabled again at runtime. */
  onEnable?(ctx: PluginContext<Config>): unknown;
  /** Runs before teardown when the plugin is disabled at runtime. */
  onDisable?(ctx: PluginContext<Config>): unknown;
  /** Runs on the new instance after its setup when the plugin is reloaded. */
  onReload?(ctx: PluginContext<Config>): unknown;
}

/** What plugin authors pass to {@link definePlugin}: the manifest fields and the code. */
export type PluginDefinition<Service = unknown, Config = unknown> = PluginManifest &
  PluginHooks<Service, Config>;

declare const serviceType: unique symbol;

/**
 * A validated plugin, ready to be given to a host. The service type travels with it so that
 * `ctx.service(plugin)` is typed in dependents.
 */
export interface Plugin<Service = unknown, Config = unknown> {
  /** The validated manifest. */
  readonly manifest: NormalizedManifest;
  /** The definition it was made from. */
  readonly definition: PluginDefinition<unknown, Config>;
  /** Type-level only: the service `setup` resolves with. Never present at run time. */
  readonly [serviceType]?: Service;
}

/** The service type of a plugin (what its setup resolves with). */
export type ServiceOf<P> = P extends Plugin<infer Service, infer _Config> ? Service : unknown;

const HOOK_KEYS = ['config', 'setup', 'teardown', 'onEnable', 'onDisable', 'onReload'] as const;

/**
 * Validates a plugin definition and returns the plugin. Every problem is reported at once in a single
 * `E_MANIFEST_INVALID`, so a broken plugin fails where it is defined rather than deep inside a boot.
 */
export function definePlugin<Service = void, Config = undefined>(
  definition: PluginDefinition<Service, Config>,
): Plugin<Awaited<Service>, Config> {
  if (typeof definition !== 'object' || definition === null) {
    throw errors.manifestInvalid('a plugin definition', [
      { path: '', message: 'expected an object with name, version and setup' },
    ]);
  }
  const manifestFields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(definition)) {
    if (!(HOOK_KEYS as readonly string[]).includes(key)) manifestFields[key] = value;
  }
  const issues: ValidationIssue[] = [...hookIssues(definition)];
  const source = typeof definition.name === 'string' ? `plugin '${definition.name}'` : 'a plugin definition';
  let manifest: NormalizedManifest | undefined;
  try {
    manifest = validateManifest(manifestFields, source);
  } catch (error) {
    if (!TrellisError.is(error, 'E_MANIFEST_INVALID')) throw error;
    issues.unshift(...(error.details.issues as ValidationIssue[]));
  }
  if (manifest === undefined || issues.length > 0) throw errors.manifestInvalid(source, issues);
  return Object.freeze({ manifest, definition: definition as PluginDefinition<unknown, Config> });
}

function hookIssues(definition: Partial<PluginHooks<unknown, unknown>>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (typeof definition.setup !== 'function') {
    issues.push({
      path: 'setup',
      message: `expected a function (ctx) => service, got ${typeof definition.setup}`,
    });
  }
  for (const hook of ['teardown', 'onEnable', 'onDisable', 'onReload'] as const) {
    if (definition[hook] !== undefined && typeof definition[hook] !== 'function') {
      issues.push({ path: hook, message: `expected a function, got ${typeof definition[hook]}` });
    }
  }
  if (definition.config !== undefined && !isSchema(definition.config)) {
    issues.push({
      path: 'config',
      message: 'expected a Standard Schema (a zod, valibot or arktype schema, for example)',
    });
  }
  return issues;
}

/** True when `value` is a plugin made by {@link definePlugin}. */
export function isPlugin(value: unknown): value is Plugin {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Plugin).manifest === 'object' &&
    typeof (value as Plugin).definition?.setup === 'function'
  );
}
