import { validRange, valid as validVersion } from 'semver';
import type { ValidationIssue } from '../errors/errors.js';
import { errors } from '../errors/errors.js';
import { topicSyntaxProblem } from '../events/topic-syntax.js';
import type { LimitsManifest, NormalizedManifest } from './manifest.js';

/**
 * Checks one field's raw value, records every problem under `path` in `issues`, and returns the
 * normalised value (a default when the field is absent). When an issue is recorded the returned value
 * only has to be type-correct: the whole manifest is rejected anyway.
 */
type FieldCheck<T> = (value: unknown, path: string, issues: ValidationIssue[]) => T;

/** Says what is wrong with a single value, in a full "expected …, got …" sentence, or `undefined`. */
type ValueProblem = (value: unknown) => string | undefined;

type Checks = Readonly<Record<string, FieldCheck<unknown>>>;
type Checked<C extends Checks> = { [K in keyof C]: C[K] extends FieldCheck<infer T> ? T : never };

/** The rules of one object shape, with its key list computed once for unknown-key reports. */
interface FieldTable<C extends Checks> {
  readonly checks: C;
  readonly keys: readonly string[];
}

/** Maps a field name to the path users see in issues (`dependencies`, `trellis.dependencies`...). */
export type PathOf = (key: string) => string;

const MAX_NAME_LENGTH = 214;
const NPM_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;
const LEADING_DOT_OR_UNDERSCORE = /^(?:@[^/]*\/)?[._]|^@[._]/;
const PLAIN_PATH_SEGMENT = /^[A-Za-z0-9_$-]+$/;
const STARTS_WITH_DIGIT = /^[0-9]/;
const VERSION_PREFIX = /^[vV=]+/;
const MAX_SHOWN_STRING = 60;
const MAX_TYPO_DISTANCE = 2;
const LAZY_WITHOUT_TRIGGER =
  'a lazy plugin must declare at least one entry in provides or subscribes, otherwise nothing can ever activate it; declare them or use "eager"';

const EMPTY_LIST: readonly string[] = Object.freeze([]);
const EVERY_TOPIC: readonly string[] = Object.freeze(['**']);
const EMPTY_MAP: Readonly<Record<string, string>> = Object.freeze({});
const EMPTY_LIMITS: LimitsManifest = Object.freeze({});
const DEFAULT_PERMISSIONS: NormalizedManifest['permissions'] = Object.freeze({
  calls: EMPTY_LIST,
  emits: EMPTY_LIST,
  observes: EVERY_TOPIC,
});

/** True for `{}`-style objects: not null, not an array, not a class instance such as a Map or Date. */
export function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A short description of any value for the "got …" half of an issue message; never throws. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'nothing';
    case 'string':
      return JSON.stringify(value.length > MAX_SHOWN_STRING ? `${value.slice(0, MAX_SHOWN_STRING)}…` : value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    case 'object':
      return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
    default:
      return String(value);
  }
}

/** Appends `key` to a dotted path, bracketing keys that would not read as one segment (`@acme/users`). */
export function joinPath(base: string, key: string): string {
  if (!PLAIN_PATH_SEGMENT.test(key)) return `${base}[${JSON.stringify(key)}]`;
  return base === '' ? key : `${base}.${key}`;
}

function expected(what: string, value: unknown, why?: string): string {
  return `expected ${what}, got ${describeValue(value)}${why === undefined ? '' : ` (${why})`}`;
}

// ---- Value rules: one small function per kind of value ----------------------------------------------

const npmNameProblem: ValueProblem = (value) => {
  if (typeof value === 'string' && value.length <= MAX_NAME_LENGTH && NPM_NAME.test(value)) return undefined;
  return expected('an npm package name such as users or @acme/users', value, npmNameHint(value));
};

function npmNameHint(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length === 0) return 'it is empty';
  if (value.length > MAX_NAME_LENGTH)
    return `it is ${value.length} characters long; the limit is ${MAX_NAME_LENGTH}`;
  if (value !== value.toLowerCase()) return 'npm names are lowercase';
  if (LEADING_DOT_OR_UNDERSCORE.test(value)) return "a name may not start with '.' or '_'";
  return "only a-z, 0-9, '-', '.', '_', '~' and one @scope/ prefix are allowed";
}

const versionProblem: ValueProblem = (value) => {
  if (typeof value === 'string' && value === value.trim()) {
    // semver.valid() also accepts a leading `v` or `=`; published versions never carry one.
    if (STARTS_WITH_DIGIT.test(value) && validVersion(value) !== null) return undefined;
    const bare = value.replace(VERSION_PREFIX, '');
    if (bare !== value && validVersion(bare) !== null) {
      return expected(
        'a semver version such as 1.2.0',
        value,
        `drop the leading '${value[0]}': write ${bare}`,
      );
    }
  }
  return expected('a semver version such as 1.2.0', value);
};

const rangeProblem: ValueProblem = (value) =>
  typeof value === 'string' && validRange(value) !== null
    ? undefined
    : expected('a semver range such as ^1.0.0', value);

const stringProblem: ValueProblem = (value) =>
  typeof value === 'string' ? undefined : expected('a string', value);

function positiveProblem(what: string, isAllowed: (value: number) => boolean): ValueProblem {
  return (value) =>
    typeof value === 'number' && value > 0 && isAllowed(value) ? undefined : expected(what, value);
}

const durationProblem = positiveProblem('a positive number of milliseconds such as 5000', Number.isFinite);
const megabytesProblem = positiveProblem(
  'a positive whole number of megabytes such as 256',
  Number.isSafeInteger,
);

function syntaxProblem(what: string, allowWildcards: boolean): ValueProblem {
  return (value) => {
    const reason = topicSyntaxProblem(value, allowWildcards);
    return reason === undefined ? undefined : expected(what, value, reason);
  };
}

const capabilityNameProblem = syntaxProblem('a capability name such as users.get', false);
const patternProblem = syntaxProblem(
  'a topic or pattern such as orders.created, orders.* or orders.**',
  true,
);

// ---- Field rules: combinators that turn value rules into field checks --------------------------------

/** A field that may be absent (`undefined` then); `T` is the type `problem` guarantees when it passes. */
function optional<T>(problem: ValueProblem): FieldCheck<T | undefined> {
  return (value, path, issues) => {
    if (value === undefined) return undefined;
    const message = problem(value);
    if (message !== undefined) issues.push({ path, message });
    return value as T;
  };
}

function required(problem: ValueProblem): FieldCheck<string> {
  return (value, path, issues) => {
    const message = problem(value);
    if (message === undefined) return value as string;
    issues.push({ path, message: value === undefined ? `required: ${message}` : message });
    return '';
  };
}

function oneOf<const T extends string>(allowed: readonly T[], fallback: T): FieldCheck<T> {
  const what = allowed.map((option) => JSON.stringify(option)).join(' or ');
  return (value, path, issues) => {
    if (value === undefined) return fallback;
    if ((allowed as readonly unknown[]).includes(value)) return value as T;
    issues.push({ path, message: expected(what, value) });
    return fallback;
  };
}

/** An array whose items each pass `problem`; with `unique`, a repeated item is an issue at its index. */
function listOf(
  problem: ValueProblem,
  what: string,
  options: { readonly unique: boolean; readonly fallback: readonly string[] },
): FieldCheck<readonly string[]> {
  return (value, path, issues) => {
    if (value === undefined) return options.fallback;
    if (!Array.isArray(value)) {
      issues.push({ path, message: expected(what, value) });
      return EMPTY_LIST;
    }
    const items: string[] = [];
    const seen = options.unique ? new Set<unknown>() : undefined;
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      const itemPath = `${path}[${index}]`;
      const message = problem(item);
      if (message !== undefined) {
        issues.push({ path: itemPath, message });
      } else if (seen?.has(item)) {
        issues.push({
          path: itemPath,
          message: `${describeValue(item)} is listed twice; list each entry once`,
        });
      } else {
        seen?.add(item);
        items.push(item as string);
      }
    }
    return Object.freeze(items);
  };
}

const pluginNameList = listOf(npmNameProblem, 'an array of plugin names', {
  unique: true,
  fallback: EMPTY_LIST,
});

/** `{ name: range }`, or an array of names meaning any version (normalised to `'*'`). */
const dependencyMap: FieldCheck<Readonly<Record<string, string>>> = (value, path, issues) => {
  if (value === undefined) return EMPTY_MAP;
  if (Array.isArray(value)) {
    return Object.freeze(Object.fromEntries(pluginNameList(value, path, issues).map((name) => [name, '*'])));
  }
  if (!isPlainObject(value)) {
    const what =
      'an object of plugin name to semver range such as { "store": "^1.0.0" }, or an array of plugin names';
    issues.push({ path, message: expected(what, value) });
    return EMPTY_MAP;
  }
  for (const [name, range] of Object.entries(value)) {
    const entryPath = joinPath(path, name);
    const message = npmNameProblem(name) ?? rangeProblem(range);
    if (message !== undefined) issues.push({ path: entryPath, message });
  }
  // Object.fromEntries defines own properties, so even a `__proto__` key cannot reach the prototype.
  return Object.freeze(Object.fromEntries(Object.entries(value))) as Readonly<Record<string, string>>;
};

function fieldTable<const C extends Checks>(checks: C): FieldTable<C> {
  return { checks, keys: Object.freeze(Object.keys(checks)) };
}

/** A nested object checked against `table`; `finish` turns the checked fields into the output value. */
function nested<C extends Checks, T>(
  table: FieldTable<C>,
  fallback: T,
  finish: (checked: Checked<C>) => T,
): FieldCheck<T> {
  return (value, path, issues) => {
    if (value === undefined) return fallback;
    if (!isPlainObject(value)) {
      issues.push({ path, message: expected(`an object with any of ${table.keys.join(', ')}`, value) });
      return fallback;
    }
    return finish(checkFields(value, table, (key) => joinPath(path, key), issues));
  };
}

const patternList = (fallback: readonly string[]) =>
  listOf(patternProblem, 'an array of topic or capability patterns', { unique: false, fallback });

const PERMISSION_FIELDS = fieldTable({
  calls: patternList(EMPTY_LIST),
  emits: patternList(EMPTY_LIST),
  observes: patternList(EVERY_TOPIC),
});

const LIMIT_FIELDS = fieldTable({
  memoryMb: optional<number>(megabytesProblem),
  callTimeout: optional<number>(durationProblem),
});

function presentLimits(checked: Checked<typeof LIMIT_FIELDS.checks>): LimitsManifest {
  const limits: { memoryMb?: number; callTimeout?: number } = {};
  if (checked.memoryMb !== undefined) limits.memoryMb = checked.memoryMb;
  if (checked.callTimeout !== undefined) limits.callTimeout = checked.callTimeout;
  return Object.freeze(limits);
}

/** The one place that knows each manifest field's rule and default. */
const MANIFEST_FIELDS = fieldTable({
  name: required(npmNameProblem),
  version: required(versionProblem),
  description: optional<string>(stringProblem),
  hostApi: optional<string>(rangeProblem),
  dependencies: dependencyMap,
  optionalDependencies: dependencyMap,
  provides: listOf(capabilityNameProblem, 'an array of capability names such as ["users.get"]', {
    unique: true,
    fallback: EMPTY_LIST,
  }),
  subscribes: patternList(EMPTY_LIST),
  permissions: nested(PERMISSION_FIELDS, DEFAULT_PERMISSIONS, (checked) => Object.freeze(checked)),
  activation: oneOf(['eager', 'lazy'], 'eager'),
  isolation: oneOf(['none', 'worker', 'process'], 'none'),
  limits: nested(LIMIT_FIELDS, EMPTY_LIMITS, presentLimits),
  setupTimeout: optional<number>(durationProblem),
  teardownTimeout: optional<number>(durationProblem),
} satisfies { readonly [K in keyof NormalizedManifest]-?: FieldCheck<NormalizedManifest[K]> });

function checkFields<C extends Checks>(
  record: Readonly<Record<string, unknown>>,
  table: FieldTable<C>,
  pathOf: PathOf,
  issues: ValidationIssue[],
): Checked<C> {
  const checked: Record<string, unknown> = {};
  for (const key of table.keys) {
    checked[key] = table.checks[key]!(
      Object.hasOwn(record, key) ? record[key] : undefined,
      pathOf(key),
      issues,
    );
  }
  for (const key of Object.keys(record)) {
    if (!Object.hasOwn(table.checks, key))
      issues.push({ path: pathOf(key), message: unknownFieldMessage(key, table.keys) });
  }
  return checked as Checked<C>;
}

function unknownFieldMessage(key: string, known: readonly string[]): string {
  const suggestion = closestKey(key, known);
  return suggestion === undefined
    ? `unknown field; expected one of ${known.join(', ')}`
    : `unknown field; did you mean "${suggestion}"?`;
}

function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = MAX_TYPO_DISTANCE + 1;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase(), bestDistance);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, or `limit` as soon as it is known to reach it (keeps long junk keys cheap). */
function editDistance(left: string, right: string, limit: number): number {
  if (Math.abs(left.length - right.length) >= limit) return limit;
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row++) {
    const current = [row];
    let rowMinimum = row;
    for (let column = 1; column <= right.length; column++) {
      const substitution = previous[column - 1]! + (left[row - 1] === right[column - 1] ? 0 : 1);
      const value = Math.min(previous[column]! + 1, current[column - 1]! + 1, substitution);
      current.push(value);
      rowMinimum = Math.min(rowMinimum, value);
    }
    if (rowMinimum >= limit) return limit;
    previous = current;
  }
  return Math.min(previous[right.length]!, limit);
}

function hasEntries(...values: unknown[]): boolean {
  return values.some((value) => Array.isArray(value) && value.length > 0);
}

/** Rules that involve more than one field, checked on the normalised values. */
function crossFieldIssues(
  record: Readonly<Record<string, unknown>>,
  manifest: NormalizedManifest,
  pathOf: PathOf,
  issues: ValidationIssue[],
): void {
  const { name, dependencies, optionalDependencies } = manifest;
  for (const field of ['dependencies', 'optionalDependencies'] as const) {
    // An invalid name was already reported and normalised to '', which must not match a stray '' key.
    if (name !== '' && Object.hasOwn(manifest[field], name)) {
      issues.push({
        path: joinPath(pathOf(field), name),
        message: `a plugin cannot depend on itself; remove "${name}"`,
      });
    }
  }
  for (const dependency of Object.keys(optionalDependencies)) {
    if (Object.hasOwn(dependencies, dependency)) {
      issues.push({
        path: joinPath(pathOf('optionalDependencies'), dependency),
        message: `"${dependency}" is also listed in dependencies; keep it in only one of the two`,
      });
    }
  }
  // Raw values, so that a lazy plugin whose provides merely had a bad entry is not reported twice.
  if (manifest.activation === 'lazy' && !hasEntries(record.provides, record.subscribes)) {
    issues.push({
      path: pathOf('activation'),
      message: LAZY_WITHOUT_TRIGGER,
    });
  }
}

const topLevelPath: PathOf = (key) => joinPath('', key);

/**
 * Checks every manifest field of `record` (reporting each problem at `pathOf(field)`) and returns the
 * frozen, normalised manifest. Shared by {@link validateManifest} and the package.json reader so each
 * field's rule lives in one place; the caller decides whether `issues` means failure.
 *
 * @internal
 */
export function collectManifest(
  record: Readonly<Record<string, unknown>>,
  pathOf: PathOf,
  issues: ValidationIssue[],
): NormalizedManifest {
  const manifest: NormalizedManifest = Object.freeze(checkFields(record, MANIFEST_FIELDS, pathOf, issues));
  crossFieldIssues(record, manifest, pathOf, issues);
  return manifest;
}

/**
 * Validates a plugin manifest written in code and returns it normalised: every field present, defaults
 * filled in (`activation: 'eager'`, `isolation: 'none'`, `permissions.observes: ['**']`...), dependency
 * arrays turned into name → `'*'` maps, and everything frozen.
 *
 * @param input - the manifest as written; anything, since it may come from untyped code or JSON.
 * @param source - how to name the manifest in the error; defaults to `plugin '<name>'`.
 * @throws TrellisError `E_MANIFEST_INVALID` listing every problem found, each with its path.
 */
export function validateManifest(input: unknown, source?: string): NormalizedManifest {
  const issues: ValidationIssue[] = [];
  if (!isPlainObject(input)) {
    issues.push({ path: '', message: expected('a plain object with at least name and version', input) });
    throw errors.manifestInvalid(source ?? 'a plugin manifest', issues);
  }
  const manifest = collectManifest(input, topLevelPath, issues);
  if (issues.length > 0) {
    const name = input.name;
    throw errors.manifestInvalid(
      source ?? (typeof name === 'string' ? `plugin '${name}'` : 'a plugin manifest'),
      issues,
    );
  }
  return manifest;
}
