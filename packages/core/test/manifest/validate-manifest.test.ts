import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../src/manifest/validate-manifest.js';
import { issuePaths, manifestFailure } from './manifest-issues.js';

const base = { name: 'users', version: '1.2.0' };

describe('validateManifest: valid manifests', () => {
  it('fills every default for a minimal manifest', () => {
    expect(validateManifest(base)).toEqual({
      name: 'users',
      version: '1.2.0',
      description: undefined,
      hostApi: undefined,
      dependencies: {},
      optionalDependencies: {},
      provides: [],
      subscribes: [],
      permissions: { calls: [], emits: [], observes: ['**'] },
      activation: 'eager',
      isolation: 'none',
      limits: {},
      budgets: {},
      setupTimeout: undefined,
      teardownTimeout: undefined,
    });
  });

  it('keeps every field of a complete manifest', () => {
    const manifest = validateManifest({
      name: '@acme/users',
      version: '2.0.0-beta.1',
      description: 'Users and sessions',
      hostApi: '^1.0.0',
      dependencies: { store: '^1.0.0', '@acme/auth': '>=2 <4' },
      optionalDependencies: { cache: '~1.2.0' },
      provides: ['users.get', 'users.list'],
      subscribes: ['orders.*', 'billing.**'],
      permissions: { calls: ['store.*'], emits: ['user.created'], observes: ['orders.**'] },
      activation: 'lazy',
      isolation: 'worker',
      limits: { memoryMb: 256, callTimeout: 1500.5 },
      budgets: { setupMs: 20, callP99Ms: 5 },
      setupTimeout: 5000,
      teardownTimeout: 250,
    });
    expect(manifest).toEqual({
      name: '@acme/users',
      version: '2.0.0-beta.1',
      description: 'Users and sessions',
      hostApi: '^1.0.0',
      dependencies: { store: '^1.0.0', '@acme/auth': '>=2 <4' },
      optionalDependencies: { cache: '~1.2.0' },
      provides: ['users.get', 'users.list'],
      subscribes: ['orders.*', 'billing.**'],
      permissions: { calls: ['store.*'], emits: ['user.created'], observes: ['orders.**'] },
      activation: 'lazy',
      isolation: 'worker',
      limits: { memoryMb: 256, callTimeout: 1500.5 },
      budgets: { setupMs: 20, callP99Ms: 5 },
      setupTimeout: 5000,
      teardownTimeout: 250,
    });
  });

  it.each(['users', '@acme/users', 'my-plugin.v2', 'a', 'x~y', '@a-b/c_d', 'a'.repeat(214)])(
    'accepts the npm name %s',
    (name) => {
      expect(validateManifest({ ...base, name }).name).toBe(name);
    },
  );

  it.each(['1.0.0', '0.0.1', '1.0.0-beta.1', '1.0.0+build.7', '10.20.30-rc.1+sha.abc'])(
    'accepts the version %s',
    (version) => {
      expect(validateManifest({ ...base, version }).version).toBe(version);
    },
  );

  it('turns dependency arrays into name → "*" maps', () => {
    const manifest = validateManifest({
      ...base,
      dependencies: ['store', '@acme/auth'],
      optionalDependencies: ['cache'],
    });
    expect(manifest.dependencies).toEqual({ store: '*', '@acme/auth': '*' });
    expect(manifest.optionalDependencies).toEqual({ cache: '*' });
  });

  it('defaults only the permission lists that are omitted', () => {
    expect(validateManifest({ ...base, permissions: { calls: ['store.*'] } }).permissions).toEqual({
      calls: ['store.*'],
      emits: [],
      observes: ['**'],
    });
    expect(validateManifest({ ...base, permissions: { observes: [] } }).permissions).toEqual({
      calls: [],
      emits: [],
      observes: [],
    });
  });

  it('keeps only the limits that were given', () => {
    expect(Object.keys(validateManifest({ ...base, limits: { memoryMb: 64 } }).limits)).toEqual(['memoryMb']);
  });

  it('activates a lazy plugin through either provides or subscribes', () => {
    expect(validateManifest({ ...base, activation: 'lazy', provides: ['users.get'] }).activation).toBe(
      'lazy',
    );
    expect(validateManifest({ ...base, activation: 'lazy', subscribes: ['orders.*'] }).activation).toBe(
      'lazy',
    );
  });

  it('accepts an object without a prototype', () => {
    const input = Object.assign(Object.create(null) as object, base);
    expect(validateManifest(input).name).toBe('users');
  });
});

describe('validateManifest: frozen output', () => {
  it('freezes the manifest and everything in it', () => {
    const manifest = validateManifest({
      ...base,
      dependencies: ['store'],
      optionalDependencies: { cache: '^1.0.0' },
      provides: ['users.get'],
      subscribes: ['orders.*'],
      permissions: { calls: ['store.*'] },
      limits: { memoryMb: 128 },
    });
    for (const part of [
      manifest,
      manifest.dependencies,
      manifest.optionalDependencies,
      manifest.provides,
      manifest.subscribes,
      manifest.permissions,
      manifest.permissions.calls,
      manifest.permissions.emits,
      manifest.permissions.observes,
      manifest.limits,
    ]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(() => {
      (manifest.provides as string[]).push('users.delete');
    }).toThrow(TypeError);
  });

  it('freezes the defaults too, so one plugin cannot change another plugin’s defaults', () => {
    const manifest = validateManifest(base);
    expect(Object.isFrozen(manifest.permissions.observes)).toBe(true);
    expect(Object.isFrozen(manifest.dependencies)).toBe(true);
    expect(Object.isFrozen(manifest.limits)).toBe(true);
  });

  it('copies the input instead of freezing or sharing it', () => {
    const provides = ['users.get'];
    const dependencies = { store: '^1.0.0' };
    const manifest = validateManifest({ ...base, provides, dependencies });
    provides.push('users.delete');
    dependencies.store = '^9.0.0';
    expect(Object.isFrozen(provides)).toBe(false);
    expect(manifest.provides).toEqual(['users.get']);
    expect(manifest.dependencies).toEqual({ store: '^1.0.0' });
  });
});

describe('validateManifest: each field wrong on its own', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['name missing', { name: undefined }, 'name'],
    ['name not a string', { name: 42 }, 'name'],
    ['name empty', { name: '' }, 'name'],
    ['name upper case', { name: 'Users' }, 'name'],
    ['name with a leading dot', { name: '.users' }, 'name'],
    ['name with a leading underscore', { name: '_users' }, 'name'],
    ['name with a space', { name: 'my users' }, 'name'],
    ['name with a slash but no scope', { name: 'acme/users' }, 'name'],
    ['scope without a name', { name: '@acme' }, 'name'],
    ['scoped name with a leading underscore', { name: '@acme/_users' }, 'name'],
    ['name over 214 characters', { name: 'a'.repeat(215) }, 'name'],
    ['version missing', { version: undefined }, 'version'],
    ['version with two parts', { version: '1.2' }, 'version'],
    ['version as a range', { version: '^1.0.0' }, 'version'],
    ['version with a leading v', { version: 'v1.0.0' }, 'version'],
    ['version with white space', { version: ' 1.0.0' }, 'version'],
    ['version as a number', { version: 1 }, 'version'],
    ['description not a string', { description: 42 }, 'description'],
    ['hostApi not a range', { hostApi: 'latest' }, 'hostApi'],
    ['hostApi not a string', { hostApi: 1 }, 'hostApi'],
    ['dependencies as a string', { dependencies: 'store' }, 'dependencies'],
    ['dependency with a bad range', { dependencies: { store: 'latest' } }, 'dependencies.store'],
    ['dependency range not a string', { dependencies: { store: 1 } }, 'dependencies.store'],
    ['dependency with a bad name', { dependencies: { Store: '^1.0.0' } }, 'dependencies.Store'],
    ['scoped dependency with a bad name', { dependencies: { '@Acme/x': '*' } }, 'dependencies["@Acme/x"]'],
    ['dependency listed twice', { dependencies: ['store', 'store'] }, 'dependencies[1]'],
    ['dependency list with a number', { dependencies: ['store', 5] }, 'dependencies[1]'],
    ['dependency on itself', { dependencies: { users: '*' } }, 'dependencies.users'],
    ['optionalDependencies as a number', { optionalDependencies: 3 }, 'optionalDependencies'],
    [
      'optional dependency with a bad range',
      { optionalDependencies: { cache: 'x.y' } },
      'optionalDependencies.cache',
    ],
    ['optional dependency on itself', { optionalDependencies: ['users'] }, 'optionalDependencies.users'],
    [
      'dependency both required and optional',
      { dependencies: { store: '^1.0.0' }, optionalDependencies: ['store'] },
      'optionalDependencies.store',
    ],
    ['provides as a string', { provides: 'users.get' }, 'provides'],
    ['provides with a wildcard', { provides: ['users.get', 'users.*'] }, 'provides[1]'],
    ['provides with an empty segment', { provides: ['users..get'] }, 'provides[0]'],
    ['provides listed twice', { provides: ['users.get', 'users.get'] }, 'provides[1]'],
    ['subscribes as an object', { subscribes: {} }, 'subscribes'],
    ['subscribes with a partial wildcard', { subscribes: ['orders.x*'] }, 'subscribes[0]'],
    ['permissions as an array', { permissions: [] }, 'permissions'],
    [
      'permission with white space',
      { permissions: { calls: ['store.*', 'store get'] } },
      'permissions.calls[1]',
    ],
    ['permission list as a string', { permissions: { emits: 'user.*' } }, 'permissions.emits'],
    ['permission with an empty pattern', { permissions: { observes: [''] } }, 'permissions.observes[0]'],
    ['unknown permission', { permissions: { fs: ['/tmp'] } }, 'permissions.fs'],
    ['activation misspelt', { activation: 'Lazy' }, 'activation'],
    ['lazy plugin with nothing to activate it', { activation: 'lazy' }, 'activation'],
    ['lazy plugin with empty lists', { activation: 'lazy', provides: [], subscribes: [] }, 'activation'],
    ['isolation unknown', { isolation: 'thread' }, 'isolation'],
    ['limits as a number', { limits: 5 }, 'limits'],
    ['memoryMb fractional', { limits: { memoryMb: 1.5 } }, 'limits.memoryMb'],
    ['memoryMb zero', { limits: { memoryMb: 0 } }, 'limits.memoryMb'],
    ['budgets as a list', { budgets: [10] }, 'budgets'],
    ['a negative setup budget', { budgets: { setupMs: -1 } }, 'budgets.setupMs'],
    ['an unknown budget', { budgets: { memoryMb: 10 } }, 'budgets.memoryMb'],
    ['callTimeout infinite', { limits: { callTimeout: Number.POSITIVE_INFINITY } }, 'limits.callTimeout'],
    ['callTimeout as a string', { limits: { callTimeout: '100' } }, 'limits.callTimeout'],
    ['unknown limit', { limits: { cpu: 1 } }, 'limits.cpu'],
    ['setupTimeout zero', { setupTimeout: 0 }, 'setupTimeout'],
    ['setupTimeout not a number', { setupTimeout: Number.NaN }, 'setupTimeout'],
    ['teardownTimeout negative', { teardownTimeout: -5 }, 'teardownTimeout'],
    ['unknown field', { colour: 'blue' }, 'colour'],
    ['unknown field that is not a plain word', { 'my field': 1 }, '["my field"]'],
  ];

  it.each(cases)('%s', (_label, patch, path) => {
    const { issues } = manifestFailure(() => validateManifest({ ...base, ...patch }));
    expect(issues).toEqual([{ path, message: expect.any(String) }]);
  });

  it.each([null, [], 'users', 42, undefined, new Map([['name', 'users']])])(
    'rejects %s as a whole instead of an object',
    (input) => {
      const { error, issues } = manifestFailure(() => validateManifest(input));
      expect(issues).toEqual([{ path: '', message: expect.stringMatching(/^expected a plain object/) }]);
      expect(error.details.source).toBe('a plugin manifest');
    },
  );
});

describe('validateManifest: messages', () => {
  it('says what was expected and what was found', () => {
    const { issues } = manifestFailure(() => validateManifest({ ...base, version: '1.2' }));
    expect(issues[0]?.message).toBe('expected a semver version such as 1.2.0, got "1.2"');
  });

  it('tells the author to drop a leading v', () => {
    const { issues } = manifestFailure(() => validateManifest({ ...base, version: 'v1.0.0' }));
    expect(issues[0]?.message).toBe(
      `expected a semver version such as 1.2.0, got "v1.0.0" (drop the leading 'v': write 1.0.0)`,
    );
  });

  it('says a missing required field is required', () => {
    const { issues } = manifestFailure(() => validateManifest({ version: '1.0.0' }));
    expect(issues).toEqual([
      { path: 'name', message: expect.stringMatching(/^required: expected an npm package name/) },
    ]);
  });

  it('explains why a name is not an npm name', () => {
    const { issues } = manifestFailure(() => validateManifest({ ...base, name: 'Users' }));
    expect(issues[0]?.message).toContain('npm names are lowercase');
  });

  it('passes on the topic syntax reason for a bad capability name', () => {
    const { issues } = manifestFailure(() => validateManifest({ ...base, provides: ['users.*'] }));
    expect(issues[0]?.message).toContain('wildcards');
  });

  it('explains why a lazy plugin needs provides or subscribes', () => {
    const { issues } = manifestFailure(() => validateManifest({ ...base, activation: 'lazy' }));
    expect(issues[0]?.message).toContain('nothing can ever activate it');
  });

  it.each([
    ['dependancies', 'dependencies'],
    ['optionalDependancies', 'optionalDependencies'],
    ['provide', 'provides'],
    ['Provides', 'provides'],
    ['isolaton', 'isolation'],
    ['setuptimeout', 'setupTimeout'],
  ])('suggests the field meant by the typo %s', (typo, meant) => {
    const { issues } = manifestFailure(() => validateManifest({ ...base, [typo]: [] }));
    expect(issues).toEqual([{ path: typo, message: `unknown field; did you mean "${meant}"?` }]);
  });

  it('suggests nested permission keys too', () => {
    const { issues } = manifestFailure(() => validateManifest({ ...base, permissions: { call: [] } }));
    expect(issues).toEqual([{ path: 'permissions.call', message: 'unknown field; did you mean "calls"?' }]);
  });

  it('lists the known fields when nothing is close', () => {
    const { issues } = manifestFailure(() => validateManifest({ ...base, colour: 'blue' }));
    expect(issues[0]?.message).not.toContain('did you mean');
    expect(issues[0]?.message).toContain('name, version, description');
  });

  it('names the plugin in the error, or the given source', () => {
    expect(manifestFailure(() => validateManifest({ ...base, isolation: 'x' })).error.message).toContain(
      "The manifest of plugin 'users' is invalid",
    );
    expect(
      manifestFailure(() => validateManifest({ ...base, isolation: 'x' }, 'users.js')).error.details.source,
    ).toBe('users.js');
    expect(manifestFailure(() => validateManifest({ version: '1.0.0', name: 7 })).error.details.source).toBe(
      'a plugin manifest',
    );
  });
});

describe('validateManifest: every problem at once', () => {
  it('reports all wrong fields in one error', () => {
    const { error, issues } = manifestFailure(() =>
      validateManifest({
        name: 'Users',
        version: '1.2',
        dependencies: { store: 'latest', users: '*' },
        optionalDependencies: ['store'],
        provides: ['users.*'],
        permissions: { calls: ['ok.*', 'bad topic'], sends: [] },
        activation: 'lazy',
        isolation: 'thread',
        limits: { memoryMb: -1 },
        setupTimeout: '5s',
        dependancies: {},
      }),
    );
    expect(issues.map((issue) => issue.path)).toEqual([
      'name',
      'version',
      'dependencies.store',
      'provides[0]',
      'permissions.calls[1]',
      'permissions.sends',
      'isolation',
      'limits.memoryMb',
      'setupTimeout',
      'dependancies',
      'optionalDependencies.store',
    ]);
    expect(error.message).toContain('(11 problems)');
  });

  it('reports each bad entry of one list', () => {
    expect(issuePaths(() => validateManifest({ ...base, subscribes: ['a b', 'ok', 'x.y*', 3] }))).toEqual([
      'subscribes[0]',
      'subscribes[2]',
      'subscribes[3]',
    ]);
  });

  it('does not call a lazy plugin untriggered when its provides list merely has a bad entry', () => {
    expect(
      issuePaths(() => validateManifest({ ...base, activation: 'lazy', provides: ['users get'] })),
    ).toEqual(['provides[0]']);
  });
});
