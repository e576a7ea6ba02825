import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TrellisError } from '../../src/errors/trellis-error.js';
import { manifestFromPackageJson } from '../../src/manifest/package-json.js';
import { validateManifest } from '../../src/manifest/validate-manifest.js';

const segment = fc.stringMatching(/^[a-z0-9~-][a-z0-9._~-]{0,15}$/);
const pluginName = fc
  .tuple(fc.option(segment, { nil: undefined }), segment)
  .map(([scope, name]) => (scope === undefined ? name : `@${scope}/${name}`));

const part = fc.nat({ max: 10_000 });
const prerelease = fc.option(fc.stringMatching(/^(?:[a-z][a-z0-9-]{0,6}|[1-9][0-9]{0,3})$/), {
  nil: undefined,
});
const version = fc
  .tuple(part, part, part, prerelease)
  .map(([major, minor, patch, tag]) => `${major}.${minor}.${patch}${tag === undefined ? '' : `-${tag}`}`);

const range = fc.oneof(
  version.map((exact) => `^${exact}`),
  version.map((exact) => `~${exact}`),
  fc.tuple(part, part).map(([low, span]) => `>=${low}.0.0 <${low + span + 1}.0.0`),
  part.map((major) => `${major}.x`),
  fc.constant('*'),
);

const validManifest = fc
  .record({
    name: pluginName,
    version,
    dependencies: fc.oneof(
      fc.dictionary(pluginName, range, { maxKeys: 6 }),
      fc.uniqueArray(pluginName, { maxLength: 6 }),
    ),
  })
  .filter(({ name, dependencies }) =>
    Array.isArray(dependencies) ? !dependencies.includes(name) : !Object.hasOwn(dependencies, name),
  );

const manifestKey = fc.constantFrom(
  'name',
  'version',
  'description',
  'hostApi',
  'dependencies',
  'optionalDependencies',
  'provides',
  'subscribes',
  'permissions',
  'activation',
  'isolation',
  'limits',
  'setupTimeout',
  'teardownTimeout',
  'dependancies',
  '__proto__',
  'constructor',
);
const anyValue = fc.anything({
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withBoxedValues: true,
});
const manifestLike = fc.dictionary(manifestKey, anyValue);

/** Returns normally, or fails with E_MANIFEST_INVALID; anything else (a TypeError...) is a bug. */
function onlyManifestErrors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TrellisError);
    expect((error as TrellisError).code).toBe('E_MANIFEST_INVALID');
  }
}

describe('manifest properties', () => {
  it('accepts every generated valid manifest and keeps its name, version and dependencies', () => {
    fc.assert(
      fc.property(validManifest, (input) => {
        const manifest = validateManifest(input);
        expect(manifest.name).toBe(input.name);
        expect(manifest.version).toBe(input.version);
        const expectedDependencies = Array.isArray(input.dependencies)
          ? Object.fromEntries(input.dependencies.map((name) => [name, '*']))
          : input.dependencies;
        expect(manifest.dependencies).toEqual(expectedDependencies);
      }),
    );
  });

  it('reads the same manifest from a package.json', () => {
    fc.assert(
      fc.property(validManifest, ({ name, version, dependencies }) => {
        expect(manifestFromPackageJson({ name, version, trellis: { dependencies } })).toEqual(
          validateManifest({ name, version, dependencies }),
        );
      }),
    );
  });

  it('never throws anything but E_MANIFEST_INVALID for arbitrary values', () => {
    fc.assert(
      fc.property(anyValue, (input) => {
        onlyManifestErrors(() => validateManifest(input));
        onlyManifestErrors(() => manifestFromPackageJson(input));
      }),
    );
  });

  it('never throws anything but E_MANIFEST_INVALID for objects with manifest keys and arbitrary values', () => {
    fc.assert(
      fc.property(manifestLike, (input) => {
        onlyManifestErrors(() => validateManifest(input));
        onlyManifestErrors(() => validateManifest({ name: 'users', version: '1.0.0', ...input }));
        onlyManifestErrors(() =>
          manifestFromPackageJson({ name: 'users', version: '1.0.0', trellis: input }),
        );
      }),
      { numRuns: 500 },
    );
  });
});
