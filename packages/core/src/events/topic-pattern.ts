import { errors } from '../errors/errors.js';
import { topicSyntaxProblem } from './topic-syntax.js';

/**
 * A compiled topic pattern. `*` matches exactly one segment and `**` any number of segments, zero
 * included, so `orders.**` matches `orders` itself and `a.**.z` matches `a.z`.
 */
export interface TopicPattern {
  /** The pattern as written. */
  readonly source: string;
  /** True when the pattern contains `*` or `**`; false means it only matches its own source. */
  readonly isWildcard: boolean;
  /** True when `topic` is covered by the pattern. Never allocates. */
  matches(topic: string): boolean;
}

const SINGLE = '*';
const MULTIPLE = '**';
const DOT = 46;
const PATTERN_SET_MEMO_LIMIT = 10_000;

/** `orders.created`: plain string equality. */
class LiteralPattern implements TopicPattern {
  readonly isWildcard = false;
  constructor(readonly source: string) {}
  matches(topic: string): boolean {
    return topic === this.source;
  }
}

/** `**`: everything. */
class EverythingPattern implements TopicPattern {
  readonly isWildcard = true;
  constructor(readonly source: string) {}
  matches(_topic: string): boolean {
    return true;
  }
}

/** `orders.**`: the prefix itself or anything below it. */
class SubtreePattern implements TopicPattern {
  readonly isWildcard = true;
  readonly #prefix: string;
  readonly #prefixWithDot: string;
  constructor(
    readonly source: string,
    prefix: string,
  ) {
    this.#prefix = prefix;
    this.#prefixWithDot = `${prefix}.`;
  }
  matches(topic: string): boolean {
    return topic === this.#prefix || topic.startsWith(this.#prefixWithDot);
  }
}

/** `orders.*` (or a lone `*`): exactly one segment below the prefix. */
class ChildPattern implements TopicPattern {
  readonly isWildcard = true;
  readonly #prefixWithDot: string;
  constructor(
    readonly source: string,
    prefix: string,
  ) {
    this.#prefixWithDot = prefix === '' ? '' : `${prefix}.`;
  }
  matches(topic: string): boolean {
    return topic.startsWith(this.#prefixWithDot) && topic.indexOf('.', this.#prefixWithDot.length) === -1;
  }
}

/**
 * Any other pattern. Matching walks the topic string by character offsets instead of splitting it, with
 * the classic single-backtrack-point glob algorithm over segments (`*` is the one-segment wildcard, `**`
 * the any-length one): linear for the common shapes and never allocating.
 */
class SegmentPattern implements TopicPattern {
  readonly isWildcard = true;
  /** Segments after the literal prefix; consecutive `**` are collapsed since they mean the same. */
  readonly #segments: readonly string[];
  /** The leading literal segments plus a dot (`orders.`), or '' when the pattern starts with a wildcard. */
  readonly #prefixWithDot: string;
  /** `.created` for a pattern ending in literal segments, or '' when it ends with a wildcard. */
  readonly #dotSuffix: string;
  /** The literal suffix when it may be the whole topic (`**.created` matches `created`), else ''. */
  readonly #wholeSuffix: string;

  constructor(
    readonly source: string,
    segments: readonly string[],
  ) {
    let prefixLength = 0;
    while (isLiteral(segments[prefixLength])) prefixLength++;
    let suffixStart = segments.length;
    while (suffixStart > prefixLength && isLiteral(segments[suffixStart - 1])) suffixStart--;
    this.#prefixWithDot = prefixLength === 0 ? '' : `${segments.slice(0, prefixLength).join('.')}.`;
    this.#segments = segments.slice(prefixLength);
    const suffix = segments.slice(suffixStart).join('.');
    this.#dotSuffix = suffix === '' ? '' : `.${suffix}`;
    this.#wholeSuffix = suffixStart === 1 && segments[0] === MULTIPLE ? suffix : '';
  }

  matches(topic: string): boolean {
    // Cheap necessary conditions first: most topics a wildcard pattern is tested against do not share its
    // literal ends, and these checks reject them without walking the segments.
    if (!topic.startsWith(this.#prefixWithDot)) return false;
    if (this.#dotSuffix !== '' && !topic.endsWith(this.#dotSuffix) && topic !== this.#wholeSuffix)
      return false;
    return this.#matchFrom(topic, this.#prefixWithDot.length);
  }

  /** Matches the non-prefix segments against the topic from offset `start` (the start of a segment). */
  #matchFrom(topic: string, start: number): boolean {
    const segments = this.#segments;
    const segmentCount = segments.length;
    // One past the topic's last character: the offset reached after consuming the last segment.
    const end = topic.length + 1;
    let segmentIndex = 0;
    let offset = start;
    let backtrackSegment = -1;
    let backtrackOffset = 0;
    while (offset < end) {
      if (segmentIndex < segmentCount) {
        const segment = segments[segmentIndex]!;
        if (segment === MULTIPLE) {
          // Try `**` as zero segments first; remember where to resume if that fails.
          backtrackSegment = segmentIndex;
          backtrackOffset = offset;
          segmentIndex++;
          continue;
        }
        if (segment === SINGLE) {
          offset = nextSegmentStart(topic, offset, end);
          segmentIndex++;
          continue;
        }
        const after = offset + segment.length;
        if (
          topic.startsWith(segment, offset) &&
          (after === topic.length || topic.charCodeAt(after) === DOT)
        ) {
          offset = after + 1;
          segmentIndex++;
          continue;
        }
      }
      if (backtrackSegment === -1) return false;
      // Let the last `**` swallow one more segment and retry what follows it.
      backtrackOffset = nextSegmentStart(topic, backtrackOffset, end);
      offset = backtrackOffset;
      segmentIndex = backtrackSegment + 1;
    }
    while (segmentIndex < segmentCount && segments[segmentIndex] === MULTIPLE) segmentIndex++;
    return segmentIndex === segmentCount;
  }
}

function isLiteral(segment: string | undefined): boolean {
  return segment !== undefined && segment !== SINGLE && segment !== MULTIPLE;
}

function nextSegmentStart(topic: string, offset: number, end: number): number {
  const dot = topic.indexOf('.', offset);
  return dot === -1 ? end : dot + 1;
}

/**
 * Compiles a topic pattern once so that matching is cheap: literal patterns compare with `===`, `x.**`
 * and `x.*` compare prefixes, and only the other shapes walk the topic segment by segment.
 *
 * @throws TrellisError `E_TOPIC_INVALID` when the pattern is malformed (empty, empty segment, white
 *   space, or a wildcard that is not a whole segment).
 */
export function compileTopicPattern(pattern: string): TopicPattern {
  const problem = topicSyntaxProblem(pattern, true);
  if (problem !== undefined) throw errors.topicInvalid(String(pattern), problem);
  if (!pattern.includes('*')) return new LiteralPattern(pattern);
  const segments: string[] = [];
  for (const segment of pattern.split('.')) {
    if (segment === MULTIPLE && segments[segments.length - 1] === MULTIPLE) continue;
    segments.push(segment);
  }
  const lastIndex = segments.length - 1;
  const last = segments[lastIndex];
  let literalPrefixLength = 0;
  while (isLiteral(segments[literalPrefixLength])) literalPrefixLength++;
  if (literalPrefixLength === lastIndex) {
    const prefix = segments.slice(0, lastIndex).join('.');
    if (last === MULTIPLE)
      return prefix === '' ? new EverythingPattern(pattern) : new SubtreePattern(pattern, prefix);
    return new ChildPattern(pattern, prefix);
  }
  return new SegmentPattern(pattern, segments);
}

/**
 * Checks that `topic` is a concrete topic (or capability name): well-formed and without wildcards.
 *
 * @throws TrellisError `E_TOPIC_INVALID` with the reason when it is not.
 */
export function assertValidTopic(topic: string): void {
  const problem = topicSyntaxProblem(topic, false);
  if (problem !== undefined) throw errors.topicInvalid(String(topic), problem);
}

/**
 * An allow-list of patterns, such as a plugin's `permissions.calls`. It answers on every permission
 * check, so exact names are looked up in a set, a `**` entry short-circuits, and the answer for topics
 * that need wildcard matching is memoised (the memo is cleared past 10,000 entries so that a stream of
 * distinct topics cannot grow it without bound).
 */
export class PatternSet {
  readonly #literals = new Set<string>();
  readonly #wildcards: TopicPattern[] = [];
  readonly #memo = new Map<string, boolean>();
  readonly #matchesEverything: boolean;

  /**
   * @throws TrellisError `E_TOPIC_INVALID` when one of the patterns is malformed.
   */
  constructor(patterns: readonly string[]) {
    let matchesEverything = false;
    for (const source of patterns) {
      const pattern = compileTopicPattern(source);
      if (pattern instanceof EverythingPattern) matchesEverything = true;
      if (pattern.isWildcard) this.#wildcards.push(pattern);
      else this.#literals.add(pattern.source);
    }
    this.#matchesEverything = matchesEverything;
  }

  /** True when at least one pattern of the set matches `topic`. */
  matches(topic: string): boolean {
    if (this.#matchesEverything || this.#literals.has(topic)) return true;
    const wildcards = this.#wildcards;
    if (wildcards.length === 0) return false;
    const known = this.#memo.get(topic);
    if (known !== undefined) return known;
    let matched = false;
    for (let index = 0; index < wildcards.length; index++) {
      if (wildcards[index]!.matches(topic)) {
        matched = true;
        break;
      }
    }
    if (this.#memo.size >= PATTERN_SET_MEMO_LIMIT) this.#memo.clear();
    this.#memo.set(topic, matched);
    return matched;
  }
}
