import { describe, expect, it } from 'vitest';
import { definePlugin, MemoryStore, type PluginContext } from '../../src/index.js';
import { testHost } from '../support/host-fixtures.js';
import { ManualClock } from '../support/manual-clock.js';
import { rejectionOf } from '../support/thrown.js';

/** Starts a host with plugins `a` and `b` and hands back their state stores. */
async function twoPlugins(options: { maxStateValueBytes?: number } = {}) {
  const clock = new ManualClock();
  const states = new Map<string, PluginContext['state']>();
  const plugin = (name: string) =>
    definePlugin({
      name,
      version: '1.0.0',
      setup(ctx) {
        states.set(name, ctx.state);
      },
    });
  const { host } = testHost({
    plugins: [plugin('a'), plugin('b')],
    clock,
    store: new MemoryStore(),
    ...options,
  });
  await host.start();
  return {
    clock,
    a: states.get('a') as PluginContext['state'],
    b: states.get('b') as PluginContext['state'],
  };
}

describe('ctx.state', () => {
  it('stores, reads, lists by prefix in key order, and deletes JSON values', async () => {
    const { a } = await twoPlugins();
    await a.set('user:2', { name: 'bob', tags: ['x'] });
    await a.set('user:1', { name: 'ada' });
    await a.set('room:1', 'general');
    expect(await a.get('user:1')).toEqual({ name: 'ada' });
    expect(await a.get('missing')).toBeUndefined();
    expect(await a.list('user:')).toEqual([
      { key: 'user:1', value: { name: 'ada' } },
      { key: 'user:2', value: { name: 'bob', tags: ['x'] } },
    ]);
    expect((await a.list('', { after: 'room:1', limit: 1 })).map((entry) => entry.key)).toEqual(['user:1']);
    expect(await a.delete('user:1')).toBe(true);
    expect(await a.delete('user:1')).toBe(false);
    expect(await a.get('user:1')).toBeUndefined();
  });

  it('keeps each plugin in its own namespace', async () => {
    const { a, b } = await twoPlugins();
    await a.set('shared-name', 'from a');
    expect(await b.get('shared-name')).toBeUndefined();
    await b.set('shared-name', 'from b');
    expect(await a.get('shared-name')).toBe('from a');
    expect(await b.list()).toEqual([{ key: 'shared-name', value: 'from b' }]);
  });

  it('expires keys after their ttl', async () => {
    const { a, clock } = await twoPlugins();
    await a.set('session', 'token', { ttl: 1_000 });
    await clock.advance(999);
    expect(await a.get('session')).toBe('token');
    await clock.advance(1);
    expect(await a.get('session')).toBeUndefined();
    expect(await a.list()).toEqual([]);
  });

  it('compare-and-set changes a value only when it deep-equals the expected one', async () => {
    const { a } = await twoPlugins();
    expect(await a.compareAndSet('counter', undefined, { n: 1, at: 'x' })).toBe(true);
    expect(await a.compareAndSet('counter', undefined, { n: 9 })).toBe(false);
    // Key order does not matter: values compare as JSON.
    expect(await a.compareAndSet('counter', { at: 'x', n: 1 }, { n: 2 })).toBe(true);
    expect(await a.compareAndSet('counter', { n: 1 }, { n: 3 })).toBe(false);
    expect(await a.get('counter')).toEqual({ n: 2 });
  });

  it('counts correctly when many writers race with compare-and-set', async () => {
    const { a } = await twoPlugins();
    await a.set('hits', 0);
    const increment = async () => {
      for (;;) {
        const current = (await a.get<number>('hits')) ?? 0;
        if (await a.compareAndSet('hits', current, current + 1)) return;
      }
    };
    await Promise.all(Array.from({ length: 25 }, increment));
    expect(await a.get('hits')).toBe(25);
  });

  it('refuses values that are not JSON, too large, and bad keys, changing nothing', async () => {
    const { a } = await twoPlugins({ maxStateValueBytes: 64 });
    await a.set('k', 'original');
    const notJson = await rejectionOf(a.set('k', { nested: [1, { when: new Date(0) }] }));
    expect(notJson.code).toBe('E_VALUE_NOT_JSON');
    expect(notJson.message).toContain("at 'nested[1].when'");
    expect((await rejectionOf(a.set('k', { big: 1n }))).code).toBe('E_VALUE_NOT_JSON');
    expect((await rejectionOf(a.set('k', undefined))).code).toBe('E_VALUE_NOT_JSON');
    expect((await rejectionOf(a.set('k', Number.NaN))).code).toBe('E_VALUE_NOT_JSON');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect((await rejectionOf(a.set('k', cyclic))).message).toContain('circular');
    const tooLarge = await rejectionOf(a.set('k', 'é'.repeat(40)));
    expect(tooLarge.code).toBe('E_VALUE_TOO_LARGE');
    expect(tooLarge.details).toMatchObject({ bytes: 82, limitBytes: 64 });
    expect((await rejectionOf(a.set('', 1))).code).toBe('E_INVALID_ARGUMENT');
    expect((await rejectionOf(a.set('x'.repeat(513), 1))).code).toBe('E_INVALID_ARGUMENT');
    expect((await rejectionOf(a.set('k', 1, { ttl: -1 }))).code).toBe('E_INVALID_ARGUMENT');
    expect((await rejectionOf(a.list('', { limit: 0 }))).code).toBe('E_INVALID_ARGUMENT');
    expect(await a.get('k')).toBe('original');
  });

  it('leaves out properties whose value is undefined, as JSON.stringify does', async () => {
    const { a } = await twoPlugins();
    await a.set('k', { kept: 1, dropped: undefined, nested: { also: undefined } });
    expect(await a.get('k')).toEqual({ kept: 1, nested: {} });
    expect(await a.compareAndSet('k', { kept: 1, nested: {} }, 'next')).toBe(true);
  });
});
