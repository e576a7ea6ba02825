import * as fc from 'fast-check';
import { testingErrors } from '../errors/testing-errors.js';

/**
 * `source` restricted to the values `accept` takes, giving up with `E_ARBITRARY_EXHAUSTED` after
 * `attempts` rejected candidates in a row. fast-check's own `filter` retries forever, which turns an
 * over-narrow schema into a hung test instead of an error that says which constraint is at fault.
 */
class BoundedFilterArbitrary<T> extends fc.Arbitrary<T> {
  readonly #source: fc.Arbitrary<T>;
  readonly #accept: (value: T) => boolean;
  readonly #what: string;
  readonly #attempts: number;

  constructor(source: fc.Arbitrary<T>, accept: (value: T) => boolean, what: string, attempts: number) {
    super();
    this.#source = source;
    this.#accept = accept;
    this.#what = what;
    this.#attempts = attempts;
  }

  generate(random: fc.Random, biasFactor: number | undefined): fc.Value<T> {
    for (let attempt = 0; attempt < this.#attempts; attempt += 1) {
      const candidate = this.#source.generate(random, biasFactor);
      if (this.#accept(candidate.value)) return candidate;
    }
    throw testingErrors.arbitraryExhausted(this.#what, this.#attempts);
  }

  canShrinkWithoutContext(value: unknown): value is T {
    return this.#source.canShrinkWithoutContext(value) && this.#accept(value);
  }

  shrink(value: T, context: unknown): fc.Stream<fc.Value<T>> {
    return this.#source.shrink(value, context).filter((candidate) => this.#accept(candidate.value));
  }
}

/** Candidates tried per value before a bounded filter gives up. */
export const FILTER_ATTEMPTS = 1_000;

/** `source` restricted to what `accept` takes; `what` names the constraint in the error when none fits. */
export function boundedFilter<T>(
  source: fc.Arbitrary<T>,
  accept: (value: T) => boolean,
  what: string,
  attempts = FILTER_ATTEMPTS,
): fc.Arbitrary<T> {
  return new BoundedFilterArbitrary(source, accept, what, attempts);
}
