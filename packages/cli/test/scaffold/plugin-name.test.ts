import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertPluginName,
  pluginDirectoryName,
  pluginNameProblem,
  routePrefix,
} from '../../src/scaffold/plugin-name.js';
import { pluginFiles } from '../../src/scaffold/plugin-template.js';

describe('plugin names', () => {
  it.each(['users', '@acme/users', 'user-store', 'a.b', 'x1'])('accepts %s', (name) => {
    expect(pluginNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', 'empty'],
    ['Users', 'lowercase'],
    ['.hidden', "'.'"],
    ['fs', 'built-in'],
    ['node_modules', 'reserves'],
    ['@acme/', 'only a-z'],
    ['x'.repeat(215), 'characters long'],
  ])('refuses %j (%s)', (name, reason) => {
    expect(pluginNameProblem(name)).toContain(reason);
    expect(() => assertPluginName(name)).toThrow(expect.objectContaining({ code: 'E_PLUGIN_NAME_INVALID' }));
  });

  it('derives directory names and route prefixes', () => {
    expect(pluginDirectoryName('@acme/users')).toBe('acme-users');
    expect(routePrefix('@acme/users')).toBe('/acme/users');
    expect(routePrefix('users')).toBe('/users');
  });
});

describe('pluginFiles', () => {
  it('writes a manifest and code that agree, for any valid name', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^(@[a-z][a-z0-9-]{0,8}\/)?[a-z][a-z0-9-]{0,12}$/),
        fc.constantFrom('ts' as const, 'js' as const),
        fc.string({ unit: 'binary' }),
        (name, language, description) => {
          const files = pluginFiles({ name, description, language, trellisRange: '^0.1.0' });
          const manifest = JSON.parse(files['package.json']!);
          expect(manifest).toMatchObject({ name, version: '0.1.0', main: `./src/index.${language}` });
          const source = files[`src/index.${language}`]!;
          expect(source).toContain(`name: '${name}'`);
          expect(source).toContain("version: '0.1.0'");
          expect(Object.keys(files)).toContain(`test/index.test.${language}`);
          // The description is a well-formed string literal whatever it contains.
          const literal = source.match(/description: ('(?:[^'\\\n]|\\.)*'),\n/)?.[1];
          expect(Function(`return ${literal};`)()).toBe(description);
        },
      ),
    );
  });
});
