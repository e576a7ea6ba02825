/**
 * Generic machinery for checking an untyped object field by field: small rule builders, a table
 * runner that reports unknown keys with a typo suggestion, and the helpers that word issues. It knows
 * nothing about plugin manifests, so the manifest's own table of fields reads as a list of rules and
 * the package.json reader can word its issues the same way.
 */
import type { ValidationIssue } from '../errors/errors.js';

/**
 * Checks one field's raw value, records every problem under `path` in `issues`, and returns the
 * normalised value (a default when the field is absent). When an issue is recorded the returned value
 * only has to be type-correct: the whole object is rejected anyway.
 */
export type FieldCheck<T> = (value: unknown, path: string, issues: ValidationIssue[]) => T;

/** Says what is wrong with a single value, in a full "expected …, got …" sentence, or `undefined`. */
export type ValueProblem = (value: unknown) => string | undefined;

/** The field checks of one object shape, by field name. */
export type Checks = Readonly<Record<string, FieldCheck<unknown>>>;

/** The normalised values a set of {@link Checks} produces, by field name. */
export type Checked<C extends Checks> = { [K in keyof C]: C[K] extends FieldCheck<infer T> ? T : never };

/** The rules of one object shape, with its key list computed once for unknown-key reports. */
export interface FieldTable<C extends Checks> {
  /** The check of each known field. */
  readonly checks: C;
  /** The known field names, in declaration order. */
  readonly keys: readonly string[];
}

/** Maps a field name to the path users see in issues (`dependencies`, `trellis.dependencies`...). */
export type PathOf = (key: string) => string;

const PLAIN_PATH_SEGMENT = /^[A-Za-z0-9_$-]+$/;
const MAX_SHOWN_STRING = 60;
const MAX_TYPO_DISTANCE = 2;

/** The shared frozen empty list, used as default and as the placeholder for a rejected list. */
export const EMPTY_LIST: readonly string[] = Object.freeze([]);

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

/** The issue sentence `expected <what>, got <value>`, with `why` in parentheses when given. */
export function expected(what: string, value: unknown, why?: string): string {
  return `expected ${what}, got ${describeValue(value)}${why === undefined ? '' : ` (${why})`}`;
}

/** A field that may be absent (`undefined` then); `T` is the type `problem` guarantees when it passes. */
export function optional<T>(problem: ValueProblem): FieldCheck<T | undefined> {
  return (value, path, issues) => {
    if (value === undefined) return undefined;
    const message = problem(value);
    if (message !== undefined) issues.push({ path, message });
    return value as T;
  };
}

/** A string field that must be present and pass `problem`; an absent one is reported as `required: …`. */
export function required(problem: ValueProblem): FieldCheck<string> {
  return (value, path, issues) => {
    const message = problem(value);
    if (message === undefined) return value as string;
    issues.push({ path, message: value === undefined ? `required: ${message}` : message });
    return '';
  };
}

/** A field that must be one of `allowed` when present; `fallback` when absent. */
export function oneOf<const T extends string>(allowed: readonly T[], fallback: T): FieldCheck<T> {
  const what = allowed.map((option) => JSON.stringify(option)).join(' or ');
  return (value, path, issues) => {
    if (value === undefined) return fallback;
    if ((allowed as readonly unknown[]).includes(value)) return value as T;
    issues.push({ path, message: expected(what, value) });
    return fallback;
  };
}

/** An array whose items each pass `problem`; with `unique`, a repeated item is an issue at its index. */
export function listOf(
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

/** Wraps `checks` as a {@link FieldTable}, computing its key list once. */
export function fieldTable<const C extends Checks>(checks: C): FieldTable<C> {
  return { checks, keys: Object.freeze(Object.keys(checks)) };
}

/** A nested object checked against `table`; `finish` turns the checked fields into the output value. */
export function nested<C extends Checks, T>(
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

/**
 * Runs every check of `table` on `record` (an absent or inherited key reads as `undefined`) and
 * reports each key the table does not know, suggesting the closest known one when it looks like a
 * typo. Issues are reported at `pathOf(key)`.
 */
export function checkFields<C extends Checks>(
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
