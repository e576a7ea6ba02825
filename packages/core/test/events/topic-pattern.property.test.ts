import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileTopicPattern, PatternSet } from '../../src/events/topic-pattern.js';

/** The obvious recursive definition the compiled matchers must agree with. */
function referenceMatches(pattern: readonly string[], topic: readonly string[]): boolean {
  if (pattern.length === 0) return topic.length === 0;
  const [head, ...rest] = pattern;
  if (head === '**')
    return referenceMatches(rest, topic) || (topic.length > 0 && referenceMatches(pattern, topic.slice(1)));
  if (topic.length === 0) return false;
  return (head === '*' || head === topic[0]) && referenceMatches(rest, topic.slice(1));
}

// Topics and patterns need at least one segment: an empty string is not a valid topic or pattern.
const topicSegments = fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 5 });
const patternSegments = fc.array(fc.constantFrom('a', 'b', 'c', '*', '**'), { minLength: 1, maxLength: 5 });

describe('compileTopicPattern (property)', () => {
  it('agrees with the recursive reference matcher', () => {
    fc.assert(
      fc.property(patternSegments, topicSegments, (pattern, topic) => {
        const compiled = compileTopicPattern(pattern.join('.'));
        expect(compiled.matches(topic.join('.'))).toBe(referenceMatches(pattern, topic));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with the reference on longer topics and patterns heavy in wildcards', () => {
    const longTopic = fc.array(fc.constantFrom('a', 'b'), { minLength: 1, maxLength: 9 });
    const wildPattern = fc.array(fc.constantFrom('a', 'b', '*', '**', '**'), { minLength: 1, maxLength: 7 });
    fc.assert(
      fc.property(wildPattern, longTopic, (pattern, topic) => {
        expect(compileTopicPattern(pattern.join('.')).matches(topic.join('.'))).toBe(
          referenceMatches(pattern, topic),
        );
      }),
      { numRuns: 10_000 },
    );
  });

  it('agrees with the reference when literal segments share prefixes with each other', () => {
    // Segments like 'ab' and 'abc' catch a matcher that compares prefixes without checking the segment end.
    const segment = fc.constantFrom('a', 'ab', 'abc', 'b');
    const topic = fc.array(segment, { minLength: 1, maxLength: 5 });
    const pattern = fc.array(fc.oneof(segment, fc.constantFrom('*', '**')), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(pattern, topic, (patternParts, topicParts) => {
        expect(compileTopicPattern(patternParts.join('.')).matches(topicParts.join('.'))).toBe(
          referenceMatches(patternParts, topicParts),
        );
      }),
      { numRuns: 10_000 },
    );
  });

  it('reports isWildcard exactly when the pattern has a wildcard segment', () => {
    fc.assert(
      fc.property(patternSegments, (pattern) => {
        const hasWildcard = pattern.includes('*') || pattern.includes('**');
        expect(compileTopicPattern(pattern.join('.')).isWildcard).toBe(hasWildcard);
      }),
    );
  });
});

describe('PatternSet (property)', () => {
  it('matches a topic exactly when one of its patterns does, also on repeated (memoised) queries', () => {
    fc.assert(
      fc.property(
        fc.array(patternSegments, { maxLength: 4 }),
        fc.array(topicSegments, { minLength: 1, maxLength: 8 }),
        (patterns, topics) => {
          const set = new PatternSet(patterns.map((pattern) => pattern.join('.')));
          for (let round = 0; round < 2; round++) {
            for (const topic of topics) {
              const expected = patterns.some((pattern) => referenceMatches(pattern, topic));
              expect(set.matches(topic.join('.'))).toBe(expected);
            }
          }
        },
      ),
      { numRuns: 3_000 },
    );
  });
});
