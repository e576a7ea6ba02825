import { describe, expect, it } from 'vitest';
import { TrellisError } from '../../src/errors/trellis-error.js';
import { assertValidTopic, compileTopicPattern, PatternSet } from '../../src/events/topic-pattern.js';

function thrownBy(action: () => unknown): TrellisError {
  try {
    action();
  } catch (error) {
    if (error instanceof TrellisError) return error;
    throw new Error(`expected a TrellisError, got ${String(error)}`);
  }
  throw new Error('expected the action to throw');
}

describe('compileTopicPattern syntax', () => {
  it.each([
    ['', 'it is empty'],
    ['a..b', 'empty segment'],
    ['.a', 'empty segment'],
    ['a.', 'empty segment'],
    ['a.*b', "'*b': a wildcard must be a whole segment"],
    ['a.***', "'***': a wildcard must be a whole segment"],
    ['a b', 'white space'],
    ['a.\tb', 'white space'],
    ['a'.repeat(513), 'longer than 512'],
  ])('rejects %j with E_TOPIC_INVALID (%s)', (pattern, reason) => {
    const error = thrownBy(() => compileTopicPattern(pattern));
    expect(error.code).toBe('E_TOPIC_INVALID');
    expect(error.details.topic).toBe(pattern);
    expect(String(error.details.reason)).toContain(reason);
  });

  it('rejects a non-string pattern with E_TOPIC_INVALID', () => {
    const error = thrownBy(() => compileTopicPattern(42 as unknown as string));
    expect(error.code).toBe('E_TOPIC_INVALID');
    expect(error.details.reason).toBe('it must be a string');
  });

  it('accepts whole-segment wildcards and keeps the source as written', () => {
    const pattern = compileTopicPattern('a.**.**.z');
    expect(pattern.source).toBe('a.**.**.z');
    expect(pattern.isWildcard).toBe(true);
    expect(compileTopicPattern('orders.created').isWildcard).toBe(false);
  });
});

describe('assertValidTopic', () => {
  it('accepts a concrete topic', () => {
    expect(() => assertValidTopic('orders.created')).not.toThrow();
  });

  it.each(['orders.*', 'orders.**', '*', '', 'a..b', 'a b'])('rejects %j with E_TOPIC_INVALID', (topic) => {
    expect(thrownBy(() => assertValidTopic(topic)).code).toBe('E_TOPIC_INVALID');
  });

  it('names wildcards as the reason a pattern is not a topic', () => {
    expect(String(thrownBy(() => assertValidTopic('orders.*')).details.reason)).toContain(
      'only allowed in patterns',
    );
  });
});

describe('compileTopicPattern matching', () => {
  const cases: ReadonlyArray<readonly [string, string, boolean]> = [
    ['orders.created', 'orders.created', true],
    ['orders.created', 'orders.created.v2', false],
    ['orders.created', 'orders', false],
    ['orders.*', 'orders.created', true],
    ['orders.*', 'orders', false],
    ['orders.*', 'orders.created.v2', false],
    ['orders.*', 'ordersx.created', false],
    ['*', 'orders', true],
    ['*', 'orders.created', false],
    ['orders.**', 'orders', true],
    ['orders.**', 'orders.a', true],
    ['orders.**', 'orders.a.b', true],
    ['orders.**', 'ordersx', false],
    ['orders.**', 'ordersx.a', false],
    ['a.**.z', 'a.z', true],
    ['a.**.z', 'a.b.c.z', true],
    ['a.**.z', 'a.b.c', false],
    ['a.**.z', 'a.zz', false],
    ['**', 'anything.at.all', true],
    ['**', 'x', true],
    ['**.created', 'created', true],
    ['**.created', 'orders.created', true],
    ['**.created', 'orders.xcreated', false],
    ['**.**', 'a.b', true],
    ['*.**', 'a', true],
    ['*.*.**', 'a', false],
    ['a.*.**.b', 'a.x.b', true],
    ['a.*.**.b', 'a.b', false],
    ['a.**.a', 'a.a', true],
    ['a.**.a', 'a', false],
    ['ab.*', 'a.b', false],
    ['a.**.ab', 'a.b.abc', false],
  ];

  it.each(cases)('%j against %j is %s', (pattern, topic, expected) => {
    expect(compileTopicPattern(pattern).matches(topic)).toBe(expected);
  });
});

describe('PatternSet', () => {
  it('matches literals and wildcards, and nothing else', () => {
    const set = new PatternSet(['users.get', 'store.*', 'audit.**']);
    expect(set.matches('users.get')).toBe(true);
    expect(set.matches('users.list')).toBe(false);
    expect(set.matches('store.get')).toBe(true);
    expect(set.matches('store.get.many')).toBe(false);
    expect(set.matches('audit')).toBe(true);
    expect(set.matches('audit.a.b')).toBe(true);
    expect(set.matches('auditing')).toBe(false);
  });

  it('gives the same answers when asked again (memoised) and past the memo bound', () => {
    const set = new PatternSet(['orders.*.created']);
    for (let round = 0; round < 2; round++) {
      for (let index = 0; index < 10_050; index++) {
        expect(set.matches(`orders.${index}.created`)).toBe(true);
      }
      expect(set.matches('orders.created')).toBe(false);
      expect(set.matches('orders.1.updated')).toBe(false);
    }
  });

  it('matches nothing when empty and everything with **', () => {
    expect(new PatternSet([]).matches('a')).toBe(false);
    expect(new PatternSet(['x', '**']).matches('a.b.c')).toBe(true);
  });

  it('rejects an invalid pattern with E_TOPIC_INVALID', () => {
    const error = thrownBy(() => new PatternSet(['ok.*', 'bad..pattern']));
    expect(error.code).toBe('E_TOPIC_INVALID');
    expect(error.details.topic).toBe('bad..pattern');
  });
});
