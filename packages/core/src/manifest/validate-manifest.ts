import { validRange, valid as validVersion } from 'semver';
import type { Budgets } from '../budgets/budgets.js';
import type { ValidationIssue } from '../errors/errors.js';
import { errors } from '../errors/errors.js';
import { topicSyntaxProblem } from '../events/topic-syntax.js';
import {
  checkFields,
  EMPTY_LIST,
  expected,
  type FieldCheck,
  fieldTable,
  isPlainObject,
  joinPath,
  listOf,
  nested,
  oneOf,
  optional,
  type PathOf,
  required,
  type ValueProblem,
} from './field-rules.js';
import type { LimitsManifest, NormalizedManifest } from './manifest.js';

const MAX_NAME_LENGTH = 214;
const NPM_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;
const LEADING_DOT_OR_UNDERSCORE = /^(?:@[^/]*\/)?[._]|^@[._]/;
const STARTS_WITH_DIGIT = /^[0-9]/;
const VERSION_PREFIX = /^[vV=]+/;
const LAZY_WITHOUT_TRIGGER =
  'a lazy plugin must declare at least one entry in provides or subscribes, otherwise nothing can ever activate it; declare them or use "eager"';

const EVERY_TOPIC: readonly string[] = Object.freeze(['**']);
const EMPTY_MAP: Readonly<Record<string, string>> = Object.freeze({});
const EMPTY_LIMITS: LimitsManifest = Object.freeze({});
const EMPTY_BUDGETS: Budgets = Object.freeze({});
const DEFAULT_PERMISSIONS: NormalizedManifest['permissions'] = Object.freeze({
  calls: EMPTY_LIST,
  emits: EMPTY_LIST,
  observes: EVERY_TOPIC,
});

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

// ---- Field rules: the value rules above, made into field checks by the builders of field-rules ----

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

const BUDGET_FIELDS = fieldTable({
  setupMs: optional<number>(durationProblem),
  callP99Ms: optional<number>(durationProblem),
  taskMs: optional<number>(durationProblem),
});

/** The fields that were given, frozen (optional fields stay absent rather than `undefined`). */
function presentFields<Fields extends Record<string, unknown>>(checked: Fields): Readonly<Partial<Fields>> {
  return Object.freeze(
    Object.fromEntries(Object.entries(checked).filter(([, value]) => value !== undefined)),
  ) as Partial<Fields>;
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
  limits: nested(LIMIT_FIELDS, EMPTY_LIMITS, (checked): LimitsManifest => presentFields(checked)),
  budgets: nested(BUDGET_FIELDS, EMPTY_BUDGETS, (checked): Budgets => presentFields(checked)),
  setupTimeout: optional<number>(durationProblem),
  teardownTimeout: optional<number>(durationProblem),
} satisfies { readonly [K in keyof NormalizedManifest]-?: FieldCheck<NormalizedManifest[K]> });

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
