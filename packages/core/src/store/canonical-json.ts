import { errors } from '../errors/errors.js';
import type { JsonValue } from './store.js';

/**
 * Encodes `value` as JSON with object keys sorted, so that two deep-equal values always have the same text
 * (which is what lets a store compare-and-set by comparing text). Refuses, with `E_VALUE_NOT_JSON` naming
 * the path, anything a JSON round trip would silently change or drop: `undefined` as a value or array
 * item, functions, symbols, bigints, non-finite numbers, cycles and objects other than plain objects and
 * arrays (a `Date` included: store `date.toISOString()` or `date.getTime()`). An object property whose
 * value is `undefined` is left out, as `JSON.stringify` does, since an absent property means the same.
 */
export function canonicalJson(value: unknown, what: string): string {
  return encode(value, what, '', []);
}

/**
 * {@link canonicalJson}, refused with `E_VALUE_TOO_LARGE` when its UTF-8 encoding is over `maxBytes`:
 * the one size rule for state values, task payloads, results and progress.
 */
export function boundedJson(value: unknown, what: string, maxBytes: number): string {
  const json = canonicalJson(value, what);
  // A UTF-16 unit never takes more than three bytes in UTF-8: count the bytes only when that bound is over.
  if (json.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(json);
    if (bytes > maxBytes) throw errors.valueTooLarge(what, bytes, maxBytes);
  }
  return json;
}

/** Parses text a store holds (always written by {@link canonicalJson}). */
export function parseJson<T = JsonValue>(json: string): T {
  return JSON.parse(json) as T;
}

function encode(value: unknown, what: string, path: string, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw errors.valueNotJson(what, path, `${value} (not finite)`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (ancestors.includes(value)) throw errors.valueNotJson(what, path, 'a circular reference');
      ancestors.push(value);
      const text = Array.isArray(value)
        ? encodeArray(value, what, path, ancestors)
        : encodeObject(value, what, path, ancestors);
      ancestors.pop();
      return text;
    }
    default:
      throw errors.valueNotJson(what, path, typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`);
  }
}

function encodeArray(items: readonly unknown[], what: string, path: string, ancestors: object[]): string {
  const parts: string[] = [];
  for (let index = 0; index < items.length; index++)
    parts.push(encode(items[index], what, `${path}[${index}]`, ancestors));
  return `[${parts.join(',')}]`;
}

function encodeObject(value: object, what: string, path: string, ancestors: object[]): string {
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw errors.valueNotJson(what, path, `an instance of ${value.constructor?.name ?? 'a class'}`);
  }
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const child = record[key];
    // An undefined property is an absent one, as in JSON.stringify: nothing is lost by leaving it out.
    if (child === undefined) continue;
    const childPath = path === '' ? key : `${path}.${key}`;
    parts.push(`${JSON.stringify(key)}:${encode(child, what, childPath, ancestors)}`);
  }
  return `{${parts.join(',')}}`;
}
