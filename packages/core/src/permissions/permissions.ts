import { errors } from '../errors/errors.js';
import { PatternSet } from '../events/topic-pattern.js';
import type { NormalizedManifest } from '../manifest/manifest.js';

/**
 * What one plugin may do, compiled from its manifest once. Calls and emits are checked on every use, so
 * the pattern sets memoise their answers per name.
 */
export class PluginPermissions {
  readonly #plugin: string;
  readonly #calls: PatternSet;
  readonly #emits: PatternSet;
  readonly #observes: readonly string[];
  readonly #observesEverything: boolean;

  constructor(manifest: NormalizedManifest) {
    this.#plugin = manifest.name;
    this.#calls = new PatternSet(manifest.permissions.calls);
    this.#emits = new PatternSet(manifest.permissions.emits);
    this.#observes = manifest.permissions.observes;
    this.#observesEverything = this.#observes.includes('**');
  }

  /** True when the manifest allows calling `capability`. */
  allowsCall(capability: string): boolean {
    return this.#calls.matches(capability);
  }

  /** True when the manifest allows emitting `topic`. */
  allowsEmit(topic: string): boolean {
    return this.#emits.matches(topic);
  }

  /**
   * Throws `E_PERMISSION_DENIED` unless every topic the subscription `pattern` can match is covered by
   * one allowed pattern: a subscription to `orders.**` needs `orders.**` or `**`, not `orders.*`.
   */
  assertObserve(pattern: string): void {
    if (this.#observesEverything) return;
    const requested = pattern.split('.');
    if (!this.#observes.some((allowed) => patternCovers(allowed.split('.'), requested))) {
      throw errors.permissionDenied(this.#plugin, 'observe', pattern);
    }
  }
}

/**
 * True when every topic matched by the `requested` pattern is also matched by the `allowed` one (both
 * given as segment lists). Both patterns are read as automata over segments and run side by side over
 * every segment that matters: the literals either pattern names, plus one segment neither names (which
 * stands for all the others, since only a wildcard can match it). If some run puts `requested` in an
 * accepting position while `allowed` is in none, a topic exists that only `requested` matches. The
 * state space is small for patterns of the length manifests use, and this runs once per subscription.
 */
export function patternCovers(allowed: readonly string[], requested: readonly string[]): boolean {
  const literals = new Set(
    [...allowed, ...requested].filter((segment) => segment !== '*' && segment !== '**'),
  );
  const segments = [...literals, freshSegment(literals)];
  const start = { requested: closure(requested, [0]), allowed: closure(allowed, [0]) };
  const seen = new Set<string>();
  const pending = [start];
  while (pending.length > 0) {
    const state = pending.pop()!;
    for (const segment of segments) {
      const next = {
        requested: step(requested, state.requested, segment),
        allowed: step(allowed, state.allowed, segment),
      };
      if (next.requested.length === 0) continue;
      if (next.requested.includes(requested.length) && !next.allowed.includes(allowed.length)) return false;
      const key = `${next.requested.join(',')}|${next.allowed.join(',')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      pending.push(next);
    }
  }
  return true;
}

/** Positions reachable by letting each `**` match no segment. Sorted, without repeats. */
function closure(pattern: readonly string[], positions: readonly number[]): number[] {
  const reached = new Set(positions);
  for (const position of [...reached].sort((first, second) => first - second)) {
    let next = position;
    while (pattern[next] === '**') reached.add(++next);
  }
  return [...reached].sort((first, second) => first - second);
}

/** Positions after consuming `segment` from each of `positions`. */
function step(pattern: readonly string[], positions: readonly number[], segment: string): number[] {
  const next: number[] = [];
  for (const position of positions) {
    const expected = pattern[position];
    if (expected === '**') next.push(position, position + 1);
    else if (expected === '*' || expected === segment) next.push(position + 1);
  }
  return closure(pattern, next);
}

/** A segment that is none of `literals`. */
function freshSegment(literals: ReadonlySet<string>): string {
  let candidate = '~';
  while (literals.has(candidate)) candidate += '~';
  return candidate;
}
