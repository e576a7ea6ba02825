/**
 * Topics (`orders.created`) and capability names (`users.get`) share one syntax: dot-separated, non-empty
 * segments without white space. Patterns add two wildcards that must stand as whole segments: `*` matches
 * exactly one segment, `**` matches any number of segments (zero included).
 */
const MAX_TOPIC_LENGTH = 512;
const WHITE_SPACE = /\s/;

/**
 * Says what is wrong with a topic, capability name or (when `allowWildcards`) pattern, or returns
 * `undefined` when it is well-formed. Returning a reason instead of throwing lets callers collect every
 * problem of a manifest at once.
 */
export function topicSyntaxProblem(value: unknown, allowWildcards: boolean): string | undefined {
  if (typeof value !== 'string') return 'it must be a string';
  if (value.length === 0) return 'it is empty';
  if (value.length > MAX_TOPIC_LENGTH) return `it is longer than ${MAX_TOPIC_LENGTH} characters`;
  if (WHITE_SPACE.test(value)) return 'it contains white space';
  for (const segment of value.split('.')) {
    if (segment.length === 0) return 'it has an empty segment (two dots in a row, or a dot at either end)';
    if (!segment.includes('*')) continue;
    if (!allowWildcards) return "wildcards ('*', '**') are only allowed in patterns, not in topics or names";
    if (segment !== '*' && segment !== '**')
      return `'${segment}': a wildcard must be a whole segment ('*' or '**')`;
  }
  return undefined;
}
