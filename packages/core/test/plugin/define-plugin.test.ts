import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlugin, isPlugin, type PluginDefinition, TrellisError } from '../../src/index.js';

/** What `definePlugin` threw for `definition`, which must be E_MANIFEST_INVALID. */
function manifestFailure(definition: unknown): { error: TrellisError; paths: string[] } {
  try {
    definePlugin(definition as PluginDefinition);
  } catch (error) {
    if (!TrellisError.is(error, 'E_MANIFEST_INVALID')) throw error;
    const issues = error.details.issues as Array<{ path: string; message: string }>;
    return { error, paths: issues.map((issue) => issue.path) };
  }
  throw new Error('definePlugin accepted an invalid definition');
}

describe('definePlugin', () => {
  it('returns a frozen plugin with the normalised manifest and the definition', () => {
    const setup = () => {};
    const plugin = definePlugin({ name: 'users', version: '1.2.0', dependencies: ['store'], setup });
    expect(Object.isFrozen(plugin)).toBe(true);
    expect(plugin.manifest.name).toBe('users');
    expect(plugin.manifest.version).toBe('1.2.0');
    expect(plugin.manifest.dependencies).toEqual({ store: '*' });
    expect(plugin.definition.setup).toBe(setup);
    expect(isPlugin(plugin)).toBe(true);
  });

  it('accepts every hook and a Standard Schema config', () => {
    const plugin = definePlugin({
      name: 'full',
      version: '1.0.0',
      config: z.object({ size: z.number() }),
      setup: () => {},
      teardown: () => {},
      onEnable: () => {},
      onDisable: () => {},
      onReload: () => {},
    });
    expect(plugin.manifest.name).toBe('full');
  });

  it('reports a missing setup', () => {
    expect(manifestFailure({ name: 'users', version: '1.0.0' }).paths).toEqual(['setup']);
  });

  it.each([
    ['setup', { setup: 'not a function' }],
    ['teardown', { setup: () => {}, teardown: 42 }],
    ['onEnable', { setup: () => {}, onEnable: {} }],
    ['onDisable', { setup: () => {}, onDisable: 'x' }],
    ['onReload', { setup: () => {}, onReload: true }],
    ['config', { setup: () => {}, config: { parse: () => ({}) } }],
  ])('reports a wrong %s', (path, fields) => {
    expect(manifestFailure({ name: 'users', version: '1.0.0', ...fields }).paths).toEqual([path]);
  });

  it('reports every hook problem and every manifest problem together in one error', () => {
    const { error, paths } = manifestFailure({
      name: 'Not A Valid Name',
      version: 'one',
      setup: 5,
      teardown: 'later',
      config: { not: 'a schema' },
    });
    expect(error.code).toBe('E_MANIFEST_INVALID');
    expect(paths).toEqual(expect.arrayContaining(['name', 'version', 'setup', 'teardown', 'config']));
    for (const path of ['setup', 'teardown', 'config', 'name', 'version'])
      expect(error.message).toContain(`${path}:`);
  });

  it('reports hook problems even when the manifest is fine, and manifest problems even when hooks are', () => {
    expect(manifestFailure({ name: 'ok', version: '1.0.0', setup: null, teardown: 1 }).paths).toEqual([
      'setup',
      'teardown',
    ]);
    expect(manifestFailure({ name: 'ok', version: 'nope', setup: () => {} }).paths).toEqual(['version']);
  });

  it.each([
    ['null', null],
    ['a string', 'users'],
    ['a number', 3],
  ])('refuses %s as a definition with E_MANIFEST_INVALID', (_label, definition) => {
    expect(() => definePlugin(definition as unknown as PluginDefinition)).toThrow(
      expect.objectContaining({ code: 'E_MANIFEST_INVALID' }),
    );
  });
});

describe('isPlugin', () => {
  it('tells plugins from look-alikes', () => {
    expect(isPlugin(definePlugin({ name: 'a', version: '1.0.0', setup: () => {} }))).toBe(true);
    expect(isPlugin({ name: 'a', version: '1.0.0', setup: () => {} })).toBe(false);
    expect(isPlugin({ manifest: {}, definition: {} })).toBe(false);
    expect(isPlugin(null)).toBe(false);
  });
});
