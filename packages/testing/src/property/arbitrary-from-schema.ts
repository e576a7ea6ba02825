import { createRequire } from 'node:module';
import type { Schema } from '@trellis/core';
import type * as fc from 'fast-check';
import { testingErrors } from '../errors/testing-errors.js';
import { boundedFilter } from './bounded-filter.js';
import {
  arbitraryFromJsonSchema,
  type JsonSchema,
  type JsonSchemaArbitraryOptions,
} from './json-schema-arbitrary.js';

/** Options of {@link arbitraryFromSchema}. */
export interface ArbitraryFromSchemaOptions extends JsonSchemaArbitraryOptions {
  /**
   * Keep only values the Standard Schema itself accepts (true). JSON Schema cannot express refinements and
   * some checks; validating each candidate makes every generated value one the capability takes.
   */
  readonly validate?: boolean;
}

interface StandardProps {
  readonly vendor?: string;
  readonly validate?: (value: unknown) => unknown;
  readonly jsonSchema?: { readonly input?: (options: { readonly target: string }) => JsonSchema };
}

function standardOf(schema: unknown): StandardProps | undefined {
  if ((typeof schema !== 'object' && typeof schema !== 'function') || schema === null) return undefined;
  const standard = (schema as { '~standard'?: unknown })['~standard'];
  return typeof standard === 'object' && standard !== null ? (standard as StandardProps) : undefined;
}

function zodToJsonSchema(schema: unknown): JsonSchema | undefined {
  let zod: { toJSONSchema?: (schema: unknown, options: object) => JsonSchema };
  try {
    zod = createRequire(import.meta.url)('zod') as typeof zod;
  } catch {
    return undefined;
  }
  return zod.toJSONSchema?.(schema, { io: 'input', unrepresentable: 'any' });
}

/**
 * The JSON Schema of what `schema` accepts as input: through the Standard JSON Schema interface when the
 * schema offers it (zod 4, and others), else zod's `toJSONSchema` for zod schemas; a JSON Schema given as
 * plain data is returned as it is.
 *
 * @throws TrellisError `E_SCHEMA_UNSUPPORTED` for a schema with no JSON Schema to be had.
 */
export function jsonSchemaOf(schema: Schema | JsonSchema): JsonSchema {
  const standard = standardOf(schema);
  if (standard === undefined) {
    if (typeof schema === 'boolean' || (typeof schema === 'object' && schema !== null))
      return schema as JsonSchema;
    throw testingErrors.schemaUnsupported('', `expected a schema, got ${typeof schema}`);
  }
  let failure = '';
  if (typeof standard.jsonSchema?.input === 'function') {
    try {
      return standard.jsonSchema.input({ target: 'draft-2020-12' });
    } catch (cause) {
      failure = ` (its converter failed: ${cause instanceof Error ? cause.message : String(cause)})`;
    }
  }
  if (standard.vendor === 'zod') {
    const converted = zodToJsonSchema(schema);
    if (converted !== undefined) return converted;
  }
  throw testingErrors.schemaUnsupported(
    '',
    `a ${standard.vendor ?? 'Standard Schema'} schema without a JSON Schema converter${failure}`,
  );
}

/**
 * A fast-check arbitrary of valid params for `schema`: a Standard Schema (zod, valibot, arktype...) or a
 * JSON Schema. The schema's JSON Schema is turned into an arbitrary (see `arbitraryFromJsonSchema`), and
 * each candidate is checked against the schema itself when it validates synchronously.
 */
export function arbitraryFromSchema<Value = unknown>(
  schema: Schema | JsonSchema,
  options: ArbitraryFromSchemaOptions = {},
): fc.Arbitrary<Value> {
  const arbitrary = arbitraryFromJsonSchema(jsonSchemaOf(schema), options);
  const validate = standardOf(schema)?.validate;
  if (options.validate === false || typeof validate !== 'function') return arbitrary as fc.Arbitrary<Value>;
  const accepts = (value: unknown) => {
    const result = validate(value);
    // An asynchronous schema cannot be consulted here; the capability still validates every call.
    if (result instanceof Promise) {
      result.catch(() => undefined);
      return true;
    }
    return (result as { issues?: unknown }).issues === undefined;
  };
  return boundedFilter(arbitrary, accepts, 'the schema') as fc.Arbitrary<Value>;
}
