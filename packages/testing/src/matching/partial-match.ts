/** A Vitest asymmetric matcher (`expect.any(Number)`, `expect.stringContaining('x')`...). */
interface AsymmetricMatcher {
  asymmetricMatch(actual: unknown): boolean;
}

function isAsymmetricMatcher(value: unknown): value is AsymmetricMatcher {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<AsymmetricMatcher>).asymmetricMatch === 'function'
  );
}

/**
 * True when `actual` matches `expected` the way `toMatchObject` compares: objects need the expected keys
 * only (recursively), arrays need the same length with each element matching, other values must be equal;
 * asymmetric matchers such as `expect.any(String)` are honoured. A boolean rather than an assertion, for
 * waiting on a message among many.
 */
export function matchesPartial(actual: unknown, expected: unknown): boolean {
  if (isAsymmetricMatcher(expected)) return expected.asymmetricMatch(actual);
  if (Object.is(actual, expected)) return true;
  if (typeof expected !== 'object' || expected === null) return false;
  if (typeof actual !== 'object' || actual === null) return false;
  if (expected instanceof Date) return actual instanceof Date && actual.getTime() === expected.getTime();
  if (expected instanceof RegExp) return actual instanceof RegExp && String(actual) === String(expected);
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((item, index) => matchesPartial(actual[index], item))
    );
  }
  return Object.entries(expected).every(
    ([key, value]) => key in actual && matchesPartial((actual as Record<string, unknown>)[key], value),
  );
}
