import { describe, expect, it } from 'vitest';
import { manifestFromPackageJson } from '../../src/manifest/package-json.js';
import { issuePaths, manifestFailure } from './manifest-issues.js';

function packageJson(trellis: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return {
    name: 'users',
    version: '1.2.0',
    description: 'Users and sessions',
    type: 'module',
    main: './dist/index.js',
    scripts: { build: 'tsc' },
    dependencies: { semver: '^7.0.0' },
    trellis,
    ...overrides,
  };
}

describe('manifestFromPackageJson', () => {
  it('reads name, version and description from the package and the rest from "trellis"', () => {
    const manifest = manifestFromPackageJson(
      packageJson({
        hostApi: '^1.0.0',
        dependencies: { store: '^1.0.0' },
        optionalDependencies: ['cache'],
        provides: ['users.get'],
        permissions: { calls: ['store.*'] },
        activation: 'lazy',
      }),
    );
    expect(manifest).toEqual({
      name: 'users',
      version: '1.2.0',
      description: 'Users and sessions',
      hostApi: '^1.0.0',
      dependencies: { store: '^1.0.0' },
      optionalDependencies: { cache: '*' },
      provides: ['users.get'],
      subscribes: [],
      permissions: { calls: ['store.*'], emits: [], observes: ['**'] },
      activation: 'lazy',
      isolation: 'none',
      limits: {},
      budgets: {},
      setupTimeout: undefined,
      teardownTimeout: undefined,
    });
    expect(Object.isFrozen(manifest)).toBe(true);
    expect(Object.isFrozen(manifest.dependencies)).toBe(true);
  });

  it('ignores the package’s own npm dependencies, scripts and other package fields', () => {
    expect(manifestFromPackageJson(packageJson({})).dependencies).toEqual({});
  });

  it('accepts a "trellis" name, version and description equal to the package’s', () => {
    const manifest = manifestFromPackageJson(
      packageJson({ name: 'users', version: '1.2.0', description: 'Users and sessions' }),
    );
    expect(manifest.name).toBe('users');
  });

  it('leaves description undefined when the package has none', () => {
    expect(manifestFromPackageJson(packageJson({}, { description: undefined })).description).toBeUndefined();
  });

  it('asks for a "trellis" object when it is missing', () => {
    const { issues } = manifestFailure(() => manifestFromPackageJson({ name: 'users', version: '1.2.0' }));
    expect(issues).toEqual([
      { path: 'trellis', message: 'add a "trellis" object with the plugin manifest to package.json' },
    ]);
  });

  it.each([[[]], ['users'], [null], [1]])('rejects "trellis": %j', (trellis) => {
    const { issues } = manifestFailure(() =>
      manifestFromPackageJson({ name: 'users', version: '1.2.0', trellis }),
    );
    expect(issues).toEqual([
      {
        path: 'trellis',
        message: expect.stringMatching(
          /^add a "trellis" object with the plugin manifest to package\.json; got /,
        ),
      },
    ]);
  });

  it.each([null, [], 'package.json', 3])('rejects %j as package contents', (input) => {
    const { error, issues } = manifestFailure(() => manifestFromPackageJson(input));
    expect(issues.map((issue) => issue.path)).toEqual(['', 'trellis', 'name', 'version']);
    expect(error.details.source).toBe('a package.json');
  });

  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, string]> = [
    ['trellis.name differs', { name: 'other' }, {}, 'trellis.name'],
    ['trellis.version differs', { version: '2.0.0' }, {}, 'trellis.version'],
    ['trellis.description differs', { description: 'Something else' }, {}, 'trellis.description'],
    ['package name invalid', {}, { name: 'Users' }, 'name'],
    ['package name missing', {}, { name: undefined }, 'name'],
    ['package version invalid', {}, { version: 'v1.2.0' }, 'version'],
    ['package version missing', {}, { version: undefined }, 'version'],
    ['package description not a string', {}, { description: ['a'] }, 'description'],
    ['dependency range invalid', { dependencies: { store: 'latest' } }, {}, 'trellis.dependencies.store'],
    ['dependency listed twice', { dependencies: ['store', 'store'] }, {}, 'trellis.dependencies[1]'],
    ['dependency on itself', { dependencies: ['users'] }, {}, 'trellis.dependencies.users'],
    [
      'dependency both required and optional',
      { dependencies: ['store'], optionalDependencies: { store: '*' } },
      {},
      'trellis.optionalDependencies.store',
    ],
    ['hostApi invalid', { hostApi: 'newest' }, {}, 'trellis.hostApi'],
    ['provides with a wildcard', { provides: ['users.*'] }, {}, 'trellis.provides[0]'],
    ['bad permission', { permissions: { calls: ['ok', 'not ok'] } }, {}, 'trellis.permissions.calls[1]'],
    ['lazy with nothing to activate it', { activation: 'lazy' }, {}, 'trellis.activation'],
    ['isolation unknown', { isolation: 'vm' }, {}, 'trellis.isolation'],
    ['memoryMb fractional', { limits: { memoryMb: 0.5 } }, {}, 'trellis.limits.memoryMb'],
    ['setupTimeout negative', { setupTimeout: -1 }, {}, 'trellis.setupTimeout'],
    ['unknown field', { colour: 'blue' }, {}, 'trellis.colour'],
  ];

  it.each(cases)('%s', (_label, trellis, overrides, path) => {
    const { issues } = manifestFailure(() => manifestFromPackageJson(packageJson(trellis, overrides)));
    expect(issues).toEqual([{ path, message: expect.any(String) }]);
  });

  it('says the package’s own name is the source of truth', () => {
    const { issues } = manifestFailure(() => manifestFromPackageJson(packageJson({ name: 'other' })));
    expect(issues[0]?.message).toBe(
      `must equal the package's own name ("users"), got "other"; package.json's "name" is the source of truth, so remove it from "trellis"`,
    );
  });

  it('suggests the field meant by a typo inside "trellis"', () => {
    const { issues } = manifestFailure(() =>
      manifestFromPackageJson(packageJson({ dependancies: ['store'] })),
    );
    expect(issues).toEqual([
      { path: 'trellis.dependancies', message: 'unknown field; did you mean "dependencies"?' },
    ]);
  });

  it('reports every problem of the file at once', () => {
    expect(
      issuePaths(() =>
        manifestFromPackageJson(
          packageJson(
            { version: '9.9.9', dependencies: { store: 'x.y.z' }, isolation: 'vm', dependancies: {} },
            { version: '1.2' },
          ),
        ),
      ),
    ).toEqual([
      'trellis.version',
      'version',
      'trellis.dependencies.store',
      'trellis.isolation',
      'trellis.dependancies',
    ]);
  });

  it('names the package in the error, or the given source', () => {
    const failure = manifestFailure(() => manifestFromPackageJson(packageJson({ isolation: 'vm' })));
    expect(failure.error.details.source).toBe("package.json of 'users'");
    expect(failure.error.message).toContain("The manifest of package.json of 'users' is invalid");
    const named = manifestFailure(() =>
      manifestFromPackageJson(packageJson({ isolation: 'vm' }), 'plugins/users'),
    );
    expect(named.error.details.source).toBe('plugins/users');
  });
});
