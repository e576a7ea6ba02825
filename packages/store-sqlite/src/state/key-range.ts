const LAST_CODE_POINT = 0x10ffff;
const FIRST_SURROGATE = 0xd800;
const AFTER_SURROGATES = 0xe000;

/**
 * Compares keys the way SQLite's BINARY collation does: by their UTF-8 bytes, which is Unicode code
 * point order. (JavaScript's `<` compares UTF-16 units instead, which differs for characters above
 * U+FFFF against U+E000–U+FFFF.)
 */
export function compareKeys(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left), Buffer.from(right));
}

/**
 * The smallest string, in code point order, above every string that starts with `prefix`; `undefined`
 * when there is none (an empty prefix, or one made only of U+10FFFF). Keys starting with `prefix` are
 * exactly those in `[prefix, bound)`, a range an index can seek, unlike `LIKE`, whose `%` and `_` would
 * also act as wildcards inside the prefix.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const characters = Array.from(prefix);
  while (characters.length > 0) {
    const last = characters.pop()?.codePointAt(0) ?? LAST_CODE_POINT;
    if (last < LAST_CODE_POINT) {
      const next = last + 1 === FIRST_SURROGATE ? AFTER_SURROGATES : last + 1;
      return characters.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}
