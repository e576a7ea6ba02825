import type { ValidationIssue } from '../errors/errors.js';
import { errors } from '../errors/errors.js';
import { describeValue, isPlainObject, joinPath } from './field-rules.js';
import type { NormalizedManifest } from './manifest.js';
import { collectManifest } from './validate-manifest.js';

/** Fields that package.json itself owns; the `"trellis"` object may repeat them but not contradict them. */
const PACKAGE_FIELDS: ReadonlySet<string> = new Set(['name', 'version', 'description']);

const TRELLIS_MISSING = 'add a "trellis" object with the plugin manifest to package.json';

/** Issue paths point into the file: package fields at the top, manifest fields under `trellis.`. */
function pathInPackageJson(key: string): string {
  return PACKAGE_FIELDS.has(key) ? joinPath('', key) : joinPath('trellis', key);
}

/**
 * Reads a plugin manifest from a parsed package.json: `name`, `version` and `description` from the
 * package itself, every other field from its `"trellis"` object. The same rules as
 * `validateManifest` apply, with issue paths as they appear in the file (`trellis.dependencies.store`).
 *
 * @param packageJson - the parsed contents of package.json.
 * @param source - how to name the manifest in the error; defaults to `package.json of '<name>'`.
 * @throws TrellisError `E_MANIFEST_INVALID` listing every problem found.
 */
export function manifestFromPackageJson(packageJson: unknown, source?: string): NormalizedManifest {
  const issues: ValidationIssue[] = [];
  const packageFields = isPlainObject(packageJson) ? packageJson : {};
  if (packageFields !== packageJson) {
    issues.push({
      path: '',
      message: `expected the parsed contents of package.json (an object), got ${describeValue(packageJson)}`,
    });
  }
  const trellis = packageFields.trellis;
  if (!isPlainObject(trellis)) {
    issues.push({
      path: 'trellis',
      message: trellis === undefined ? TRELLIS_MISSING : `${TRELLIS_MISSING}; got ${describeValue(trellis)}`,
    });
  }
  const record: Record<string, unknown> = isPlainObject(trellis) ? { ...trellis } : {};
  for (const field of PACKAGE_FIELDS) {
    if (record[field] !== undefined && record[field] !== packageFields[field]) {
      issues.push({
        path: joinPath('trellis', field),
        message: `must equal the package's own ${field} (${describeValue(packageFields[field])}), got ${describeValue(record[field])}; package.json's "${field}" is the source of truth, so remove it from "trellis"`,
      });
    }
    record[field] = packageFields[field];
  }
  const manifest = collectManifest(record, pathInPackageJson, issues);
  if (issues.length > 0) {
    const name = packageFields.name;
    throw errors.manifestInvalid(
      source ?? (typeof name === 'string' ? `package.json of '${name}'` : 'a package.json'),
      issues,
    );
  }
  return manifest;
}
