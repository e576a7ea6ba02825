import { errors } from '@trellis/core';

/**
 * The value of a numeric option: `fallback` when absent, else an integer of at least `minimum`.
 *
 * @throws TrellisError `E_INVALID_ARGUMENT` naming the option otherwise.
 */
export function integerOption(name: string, value: unknown, fallback: number, minimum: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw errors.invalidArgument(`The ${name} option`, `an integer of at least ${minimum}`, value);
  }
  return value;
}
