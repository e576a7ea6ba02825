import type { Schema } from '@trellis/core';

/** A JSON Schema object, as the OpenAPI document embeds it. */
export type JsonSchema = Record<string, unknown>;

interface JsonSchemaConverter {
  readonly input?: (options: { readonly target: string }) => JsonSchema;
  readonly output?: (options: { readonly target: string }) => JsonSchema;
}

/**
 * The JSON Schema of what a Standard Schema accepts (`input`) or produces (`output`), through the Standard
 * JSON Schema converter when the schema library offers one (zod 4 does). Without one, or when it cannot
 * convert the schema, the result accepts anything and its description says why, so the document stays
 * valid and honest.
 */
export function toJsonSchema(schema: Schema | undefined, direction: 'input' | 'output'): JsonSchema {
  if (schema === undefined) return { description: 'Not described: no schema was declared.' };
  const standard = schema['~standard'] as Schema['~standard'] & { readonly jsonSchema?: JsonSchemaConverter };
  const convert = standard.jsonSchema?.[direction];
  if (typeof convert !== 'function') {
    return {
      description: `Validated by ${standard.vendor}, which offers no JSON Schema converter; the document cannot show its shape.`,
    };
  }
  try {
    const { $schema: _dialect, ...converted } = convert({ target: 'draft-2020-12' });
    return converted;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { description: `Validated by ${standard.vendor}; its JSON Schema converter failed (${reason}).` };
  }
}

/**
 * The properties of an object schema as OpenAPI parameters (`in: path` or `query`), `undefined` when the
 * schema does not describe an object's properties.
 */
export function schemaParameters(
  schema: JsonSchema,
  location: 'path' | 'query',
): Array<Record<string, unknown>> | undefined {
  const properties = schema.properties;
  if (typeof properties !== 'object' || properties === null) return undefined;
  const required = Array.isArray(schema.required) ? (schema.required as unknown[]) : [];
  return Object.entries(properties as Record<string, JsonSchema>).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.includes(name),
    schema: property,
  }));
}
