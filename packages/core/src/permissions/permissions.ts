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
 * True when every topic matched by the `requested` pattern is also matched by the `allowed` one.
 * Segments are compared left to right; `**` in `allowed` may absorb any run of requested segments
 * (wildcards included), `*` covers one segment that is not `**`, a literal covers only itself.
 */
export function patternCovers(allowed: readonly string[], requested: readonly string[]): boolean {
  if (allowed.length === 0) return requested.length === 0;
  const [head, ...rest] = allowed;
  if (head === '**') {
    for (let taken = 0; taken <= requested.length; taken += 1) {
      if (patternCovers(rest, requested.slice(taken))) return true;
    }
    return false;
  }
  if (requested.length === 0) return false;
  const [first, ...others] = requested;
  if (first === '**') return false;
  if (head === '*' || head === first) return patternCovers(rest, others);
  return false;
}
