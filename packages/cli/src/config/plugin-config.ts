import { errors, type Schema, type TrellisError, validateWithSchema } from '@trellis/core';
import { HOST_ENV } from './settings.js';
import { isPlainObject } from './validate-config.js';

/** A plugin as config resolution sees it: its name and, when it has one, its config schema. */
export interface ConfigTarget {
  readonly name: string;
  readonly schema?: Schema | undefined;
}

/** One environment variable applied to a plugin's config. */
export interface EnvOverride {
  readonly variable: string;
  /** The config path it sets (`['db', 'host']`). */
  readonly path: readonly string[];
  readonly value: unknown;
}

/** A plugin's effective config and where its values came from. */
export interface ResolvedPluginConfig {
  /** The config file's value with the environment applied; `{}` when neither sets anything. */
  readonly value: unknown;
  /** The environment variables that contributed, in the order applied. */
  readonly fromEnv: readonly EnvOverride[];
}

type JsonSchema = Readonly<Record<string, unknown>>;

const ENV_PREFIX = 'TRELLIS_';
const RESERVED = new Set<string>(Object.values(HOST_ENV));

/**
 * The upper-snake form of a plugin name or config key in variable names: `@acme/user-store` →
 * `ACME_USER_STORE`, `pageSize` → `PAGE_SIZE`.
 */
export function envName(text: string): string {
  // Humps only mark word boundaries in mixed case: `API_V2` and `APIV2` are already spelled.
  const words = text === text.toUpperCase() ? text : text.replace(/([a-z0-9])([A-Z])/g, '$1_$2');
  return words
    .replace(/^@/, '')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

/** The prefix of a plugin's variables: `TRELLIS_<PLUGIN>_`. */
export function envPrefix(plugin: string): string {
  return `${ENV_PREFIX}${envName(plugin)}_`;
}

function camelCase(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/**
 * The JSON Schema of a config schema's input, when its library implements Standard JSON Schema (zod 4
 * does); `undefined` otherwise. Used to spell keys and type values from the environment, and to show
 * the config's fields in `trellis info`.
 */
export function configJsonSchema(schema: Schema | undefined): JsonSchema | undefined {
  const standard = schema?.['~standard'] as
    | { jsonSchema?: { input?: (options: { target: string }) => unknown } }
    | undefined;
  const input = standard?.jsonSchema?.input;
  if (typeof input !== 'function') return undefined;
  try {
    const result = input({ target: 'draft-2020-12' });
    return isPlainObject(result) ? result : undefined;
  } catch {
    return undefined;
  }
}

function propertiesOf(schema: JsonSchema | undefined): JsonSchema {
  const properties = schema?.properties;
  return isPlainObject(properties) ? properties : {};
}

/** True when the schema accepts strings only, so an environment value must stay the string it is. */
function wantsString(schema: JsonSchema | undefined): boolean {
  if (schema === undefined) return false;
  if (schema.type === 'string') return true;
  if (Array.isArray(schema.enum)) return schema.enum.every((entry) => typeof entry === 'string');
  const variants = Array.isArray(schema.anyOf)
    ? schema.anyOf
    : Array.isArray(schema.oneOf)
      ? schema.oneOf
      : undefined;
  return (
    variants !== undefined &&
    variants.length > 0 &&
    variants.every((variant) => wantsString(variant as JsonSchema))
  );
}

/** An environment value: JSON when it parses (`8080`, `true`, `["a"]`) unless the field wants a string. */
function parseValue(raw: string, schema: JsonSchema | undefined): unknown {
  if (wantsString(schema)) return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/**
 * Maps the segments after the prefix (`DB__HOST`: nested keys are separated by `__`) to config keys:
 * the key of the schema or of the config file's value whose upper-snake form matches, else the
 * camelCase of the segment.
 */
function configPath(segments: readonly string[], schema: JsonSchema | undefined, fileValue: unknown) {
  const path: string[] = [];
  let level = schema;
  let value = fileValue;
  for (const segment of segments) {
    const candidates = [
      ...Object.keys(propertiesOf(level)),
      ...(isPlainObject(value) ? Object.keys(value) : []),
    ];
    const key = candidates.find((candidate) => envName(candidate) === segment) ?? camelCase(segment);
    path.push(key);
    const next = propertiesOf(level)[key];
    level = isPlainObject(next) ? next : undefined;
    value = isPlainObject(value) ? value[key] : undefined;
  }
  return { path, schema: level };
}

/**
 * Finds the variables meant for each plugin. A variable belongs to the plugin with the longest matching
 * prefix (so `TRELLIS_USER_STORE_URL` goes to `user-store`, not to `user` with key `STORE_URL`); the
 * CLI's own variables ({@link HOST_ENV}) never count.
 */
export function envOverrides(
  targets: readonly ConfigTarget[],
  env: Readonly<Record<string, string | undefined>>,
  fileConfig: Readonly<Record<string, unknown>> = {},
): Map<string, EnvOverride[]> {
  const byPrefix = targets
    .map((target) => ({ target, prefix: envPrefix(target.name), schema: configJsonSchema(target.schema) }))
    .sort((first, second) => second.prefix.length - first.prefix.length);
  const result = new Map<string, EnvOverride[]>();
  for (const variable of Object.keys(env).sort()) {
    const raw = env[variable];
    if (raw === undefined || !variable.startsWith(ENV_PREFIX) || RESERVED.has(variable)) continue;
    const owner = byPrefix.find(
      ({ prefix }) => variable.startsWith(prefix) && variable.length > prefix.length,
    );
    if (owner === undefined) continue;
    const segments = variable.slice(owner.prefix.length).split('__');
    if (segments.some((segment) => segment === '')) continue;
    const { path, schema } = configPath(segments, owner.schema, fileConfig[owner.target.name]);
    const overrides = result.get(owner.target.name) ?? [];
    overrides.push({ variable, path, value: parseValue(raw, schema) });
    result.set(owner.target.name, overrides);
  }
  return result;
}

function withValueAt(target: unknown, path: readonly string[], value: unknown): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return value;
  const base = isPlainObject(target) ? target : {};
  return { ...base, [key]: withValueAt(base[key], rest, value) };
}

/**
 * The config each plugin receives. Precedence, highest first: environment variables
 * `TRELLIS_<PLUGIN>_<KEY>`, the config file's `config.<plugin>`, the defaults of the plugin's schema
 * (applied when the host validates). A plugin that nothing configures receives `{}`, so schemas whose
 * fields all have defaults validate.
 */
export function resolvePluginConfigs(
  targets: readonly ConfigTarget[],
  fileConfig: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Map<string, ResolvedPluginConfig> {
  const overrides = envOverrides(targets, env, fileConfig);
  const result = new Map<string, ResolvedPluginConfig>();
  for (const target of targets) {
    const fromEnv = overrides.get(target.name) ?? [];
    let value: unknown = fileConfig[target.name] ?? {};
    for (const override of fromEnv) value = withValueAt(value, override.path, override.value);
    result.set(target.name, { value, fromEnv });
  }
  return result;
}

/**
 * Validates each plugin's config against its schema, as the host will at boot, and returns one
 * `E_CONFIG_INVALID` per plugin whose config is invalid, so they can all be reported before anything
 * starts.
 */
export async function validatePluginConfigs(
  targets: readonly ConfigTarget[],
  configs: ReadonlyMap<string, ResolvedPluginConfig>,
): Promise<TrellisError[]> {
  const failures = await Promise.all(
    targets.map(async (target) => {
      if (target.schema === undefined) return undefined;
      const result = await validateWithSchema(target.schema, configs.get(target.name)?.value);
      return result.issues === undefined ? undefined : errors.configInvalid(target.name, result.issues);
    }),
  );
  return failures.filter((failure) => failure !== undefined);
}
