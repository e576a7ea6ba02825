import { errors } from '@trellis/core';

// With the `u` flag a surrogate pair is one code point, so only unpaired surrogates match.
const UNPAIRED_SURROGATE = /\p{Cs}/u;

/**
 * Refuses what SQLite's UTF-8 text cannot hold: better-sqlite3 would store an unpaired UTF-16 surrogate as
 * U+FFFD, so a key holding one would come back changed and could collide with another key.
 */
export function assertStorableText(what: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || UNPAIRED_SURROGATE.test(value)) {
    throw errors.invalidArgument(what, 'a well-formed string (no unpaired UTF-16 surrogates)', value);
  }
}

/** Refuses a `limit` that is not a whole number, 0 or more (absent means no limit). */
export function assertLimit(what: string, limit: number | undefined): void {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw errors.invalidArgument(what, 'a whole number, 0 or more', limit);
  }
}
