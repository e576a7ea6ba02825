/**
 * Cache keys for call params. The key is a compact, unambiguous text form of the value in which object
 * keys are sorted, so two params that are deep-equal as JSON values get the same key whatever order their
 * properties were written in, and two params that differ get different keys.
 *
 * The grammar (every token is self-delimiting, which is what makes the key injective):
 * - at the top level a primitive carries a one-letter type prefix (`s` string, `d` number, `t`/`f`
 *   booleans, `n` null, `u` undefined), so `1`, `'1'` and `true` differ and a string costs one concat;
 * - inside arrays and objects strings are quoted (JSON-escaped when they contain `"` or `\`, the only
 *   characters that could end them early) and numbers are bare, so brackets and separators stay unambiguous;
 * - a `Date` is `D` followed by its epoch milliseconds.
 */

/** The containers above a nested value: a self-referencing params object would otherwise recurse forever. */
type Ancestors = object[];

/**
 * A deterministic key for params: equal for deep-equal JSON values regardless of object key order;
 * `undefined` when the value cannot be keyed (functions, symbols, bigints, cycles, class instances other
 * than plain objects, arrays and `Date`), which tells the caller to bypass the cache for that call.
 *
 * Conventions worth knowing: `-0` keys like `0`, `NaN` and the infinities are keyable, and an object
 * property whose value is `undefined` keys like an absent property (as it would after a JSON round trip),
 * while `undefined` inside an array stays distinct from `null`.
 */
export function stableKey(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return `s${value}`;
    case 'number':
      // Template conversion prints -0 as "0", which is the equality JSON transport gives anyway.
      return `d${value}`;
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return 'u';
    case 'object':
      return value === null ? 'n' : encodeObject(value, undefined);
    default:
      return undefined;
  }
}

/**
 * Encodes a value found inside `owner`. `ancestors` holds the containers above it, or is undefined while
 * the owner is the top-level value, so that a flat params object never allocates the cycle-check list.
 */
function encodeNested(value: unknown, owner: object, ancestors: Ancestors | undefined): string | undefined {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return `${value}`;
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return 'u';
    case 'object': {
      if (value === null) return 'n';
      const path = ancestors ?? [owner];
      if (path.includes(value)) return undefined;
      path.push(value);
      const encoded = encodeObject(value, path);
      path.pop();
      return encoded;
    }
    default:
      return undefined;
  }
}

/** Encodes an array, plain object or date; `ancestors` is undefined for the top-level value. */
function encodeObject(value: object, ancestors: Ancestors | undefined): string | undefined {
  const prototype = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null) {
    return encodePlainObject(value as Record<string, unknown>, ancestors);
  }
  if (prototype === Array.prototype) return encodeArray(value as readonly unknown[], ancestors);
  if (prototype === Date.prototype) return `D${(value as Date).getTime()}`;
  return undefined;
}

function encodeArray(array: readonly unknown[], ancestors: Ancestors | undefined): string | undefined {
  const length = array.length;
  if (length === 0) return '[]';
  let text = '[';
  for (let index = 0; index < length; index += 1) {
    const encoded = encodeNested(array[index], array, ancestors);
    if (encoded === undefined) return undefined;
    text += index === 0 ? encoded : `,${encoded}`;
  }
  return `${text}]`;
}

function encodePlainObject(
  object: Record<string, unknown>,
  ancestors: Ancestors | undefined,
): string | undefined {
  const keys = Object.keys(object);
  const count = keys.length;
  if (count === 0) return '{}';
  if (count === 1) {
    // The single-property object ({ id: 42 }) is the most common params shape: no sorting, no list.
    const key = keys[0] as string;
    const propertyValue = object[key];
    if (propertyValue === undefined) return '{}';
    const encoded = encodeNested(propertyValue, object, ancestors);
    return encoded === undefined ? undefined : `{${quote(key)}:${encoded}}`;
  }
  sortKeys(keys);
  let text = '{';
  let first = true;
  for (let index = 0; index < count; index += 1) {
    const key = keys[index] as string;
    const propertyValue = object[key];
    if (propertyValue === undefined) continue;
    const encoded = encodeNested(propertyValue, object, ancestors);
    if (encoded === undefined) return undefined;
    text += first ? `${quote(key)}:${encoded}` : `,${quote(key)}:${encoded}`;
    first = false;
  }
  return `${text}}`;
}

/**
 * Quotes a string so that it is self-delimiting inside the key. Only `"` and `\` must be escaped for
 * that, and most strings contain neither, so the common case skips `JSON.stringify` (several times
 * slower than the scan for short strings).
 */
function quote(text: string): string {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === QUOTATION_MARK || code === BACKSLASH) return JSON.stringify(text);
  }
  return `"${text}"`;
}

const QUOTATION_MARK = 0x22;
const BACKSLASH = 0x5c;

/** Params objects have a handful of keys: insertion sort beats `Array.prototype.sort` well below this. */
const INSERTION_SORT_LIMIT = 12;

/** Sorts `keys` in place by UTF-16 code units, the same order `Array.prototype.sort` uses. */
function sortKeys(keys: string[]): void {
  const count = keys.length;
  if (count > INSERTION_SORT_LIMIT) {
    keys.sort();
    return;
  }
  for (let index = 1; index < count; index += 1) {
    const key = keys[index] as string;
    let position = index - 1;
    while (position >= 0 && (keys[position] as string) > key) {
      keys[position + 1] = keys[position] as string;
      position -= 1;
    }
    keys[position + 1] = key;
  }
}
