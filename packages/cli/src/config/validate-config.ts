import { isPlugin, type ValidationIssue } from '@trellis/core';

type Check = (value: unknown, path: string, issues: ValidationIssue[]) => void;

const TOP_LEVEL_KEYS = [
  'plugins',
  'pluginDirs',
  'discoverPackages',
  'http',
  'store',
  'config',
  'adminToken',
  'logger',
  'host',
] as const;

const HOST_KEYS = [
  'setupTimeout',
  'teardownTimeout',
  'drainTimeout',
  'slowSetupThreshold',
  'boot',
  'maxCallDepth',
  'budgets',
] as const;

/** True for `{}`-style objects (not arrays, not class instances). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A short description of a value for "got …" messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return `${typeof value} ${String(value)}`;
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** Levenshtein distance, to suggest the key someone meant to type. */
function distance(left: string, right: string): number {
  const row = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= right.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (left[i - 1] === right[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[right.length]!;
}

/** Reports keys of `value` that are not in `known`, with the closest known key as a suggestion. */
function unknownKeys(
  value: Record<string, unknown>,
  known: readonly string[],
  path: string,
  issues: ValidationIssue[],
): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const closest = known
      .map((candidate) => ({ candidate, score: distance(key.toLowerCase(), candidate.toLowerCase()) }))
      .sort((first, second) => first.score - second.score)[0];
    const hint =
      closest !== undefined && closest.score <= 2
        ? `did you mean "${closest.candidate}"?`
        : `known keys: ${known.join(', ')}`;
    issues.push({ path: join(path, key), message: `unknown key; ${hint}` });
  }
}

const positiveNumber: Check = (value, path, issues) => {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    issues.push({ path, message: `expected a positive number of ms, got ${describeValue(value)}` });
};

const checkPlugins: Check = (value, path, issues) => {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    issues.push({
      path,
      message: `expected an array of plugins made by definePlugin(), got ${describeValue(value)}`,
    });
    return;
  }
  value.forEach((entry, index) => {
    if (!isPlugin(entry))
      issues.push({
        path: join(path, index),
        message: `expected a plugin made by definePlugin(), got ${describeValue(entry)}`,
      });
  });
};

const checkPluginDirs: Check = (value, path, issues) => {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    issues.push({
      path,
      message: `expected an array of directory paths such as ["plugins"], got ${describeValue(value)}`,
    });
    return;
  }
  value.forEach((entry, index) => {
    if (typeof entry !== 'string' || entry === '')
      issues.push({
        path: join(path, index),
        message: `expected a directory path, got ${describeValue(entry)}`,
      });
  });
};

const checkBoolean: Check = (value, path, issues) => {
  if (value !== undefined && typeof value !== 'boolean')
    issues.push({ path, message: `expected true or false, got ${describeValue(value)}` });
};

/** Port and host are checked here; the gateway checks its other options when it is created. */
const checkHttp: Check = (value, path, issues) => {
  if (value === undefined) return;
  if (!isPlainObject(value)) {
    issues.push({ path, message: `expected an object such as { port: 3000 }, got ${describeValue(value)}` });
    return;
  }
  const { port, host } = value;
  if (
    port !== undefined &&
    !(typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65_535)
  )
    issues.push({
      path: join(path, 'port'),
      message: `expected a whole number from 0 to 65535, got ${describeValue(port)}`,
    });
  if (host !== undefined && (typeof host !== 'string' || host === ''))
    issues.push({
      path: join(path, 'host'),
      message: `expected a host name or address such as 127.0.0.1, got ${describeValue(host)}`,
    });
  for (const owned of ['logger', 'clock', 'listen'])
    if (value[owned] !== undefined)
      issues.push({ path: join(path, owned), message: 'is set by the trellis CLI itself; remove it' });
};

const checkStore: Check = (value, path, issues) => {
  if (value === undefined || value === 'memory') return;
  if (!isPlainObject(value)) {
    issues.push({
      path,
      message: `expected 'memory' or { path: '.trellis/state.db' }, got ${describeValue(value)}`,
    });
    return;
  }
  unknownKeys(value, ['path'], path, issues);
  if (value.path !== undefined && (typeof value.path !== 'string' || value.path === ''))
    issues.push({
      path: join(path, 'path'),
      message: `expected a file path, got ${describeValue(value.path)}`,
    });
};

const checkPluginConfig: Check = (value, path, issues) => {
  if (value === undefined) return;
  if (!isPlainObject(value))
    issues.push({
      path,
      message: `expected an object of plugin name to its config, got ${describeValue(value)}`,
    });
};

const checkAdminToken: Check = (value, path, issues) => {
  if (value !== undefined && (typeof value !== 'string' || value.trim() === ''))
    issues.push({ path, message: `expected a non-empty string, got ${describeValue(value)}` });
};

const checkLogger: Check = (value, path, issues) => {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value)))
    issues.push({
      path,
      message: `expected pino options such as { level: 'debug' } or a pino logger, got ${describeValue(value)}`,
    });
};

const checkHost: Check = (value, path, issues) => {
  if (value === undefined) return;
  if (!isPlainObject(value)) {
    issues.push({
      path,
      message: `expected an object such as { setupTimeout: 5000 }, got ${describeValue(value)}`,
    });
    return;
  }
  unknownKeys(value, HOST_KEYS, path, issues);
  for (const key of ['setupTimeout', 'teardownTimeout', 'drainTimeout', 'slowSetupThreshold', 'maxCallDepth'])
    positiveNumber(value[key], join(path, key), issues);
  if (value.boot !== undefined && value.boot !== 'parallel' && value.boot !== 'sequential')
    issues.push({
      path: join(path, 'boot'),
      message: `expected 'parallel' or 'sequential', got ${describeValue(value.boot)}`,
    });
  if (value.budgets !== undefined && !isPlainObject(value.budgets))
    issues.push({
      path: join(path, 'budgets'),
      message: `expected { setupMs, callP99Ms, taskMs }, got ${describeValue(value.budgets)}`,
    });
};

const CHECKS: Readonly<Record<(typeof TOP_LEVEL_KEYS)[number], Check>> = {
  plugins: checkPlugins,
  pluginDirs: checkPluginDirs,
  discoverPackages: checkBoolean,
  http: checkHttp,
  store: checkStore,
  config: checkPluginConfig,
  adminToken: checkAdminToken,
  logger: checkLogger,
  host: checkHost,
};

/**
 * Checks the shape of a loaded config file and returns every problem found (an empty list when it is
 * valid), each with the path of the field, so one run of the CLI shows them all.
 */
export function configIssues(value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isPlainObject(value)) {
    issues.push({
      path: '',
      message: `the default export must be an object (export default defineConfig({...})), got ${describeValue(value)}`,
    });
    return issues;
  }
  unknownKeys(value, TOP_LEVEL_KEYS, '', issues);
  for (const key of TOP_LEVEL_KEYS) CHECKS[key](value[key], key, issues);
  return issues;
}
