import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ValidationIssue } from '../errors/errors.js';

/** Any schema implementing Standard Schema v1 (zod, valibot, arktype, ...). */
export type Schema<Input = unknown, Output = Input> = StandardSchemaV1<Input, Output>;

/** The type a schema produces once validation succeeded. */
export type SchemaOutput<S> = S extends StandardSchemaV1<unknown, infer Output> ? Output : never;

/** Either the validated (possibly transformed) value, or every issue found. */
export type SchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly ValidationIssue[] };

/** True when `value` carries a Standard Schema v1 interface. */
export function isSchema(value: unknown): value is Schema {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const standard = (value as { '~standard'?: { version?: unknown; validate?: unknown } })['~standard'];
  return (
    typeof standard === 'object' &&
    standard !== null &&
    standard.version === 1 &&
    typeof standard.validate === 'function'
  );
}

/**
 * Validates `value`, staying synchronous when the schema is (most are), so the call pipeline pays for a
 * promise only with schemas that need one.
 */
export function validateWithSchema<Output>(
  schema: Schema<unknown, Output>,
  value: unknown,
): SchemaResult<Output> | Promise<SchemaResult<Output>> {
  const result = schema['~standard'].validate(value);
  return result instanceof Promise ? result.then(toSchemaResult) : toSchemaResult(result);
}

function toSchemaResult<Output>(result: StandardSchemaV1.Result<Output>): SchemaResult<Output> {
  if (result.issues === undefined) return { value: result.value };
  return { issues: result.issues.map(toValidationIssue) };
}

function toValidationIssue(issue: StandardSchemaV1.Issue): ValidationIssue {
  const path = (issue.path ?? [])
    .map((segment) => (typeof segment === 'object' ? segment.key : segment))
    .reduce<string>(
      (joined, key) =>
        typeof key === 'number'
          ? `${joined}[${key}]`
          : joined === ''
            ? String(key)
            : `${joined}.${String(key)}`,
      '',
    );
  return { path, message: issue.message };
}
