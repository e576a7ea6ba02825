import * as fc from 'fast-check';
import { testingErrors } from '../errors/testing-errors.js';
import { boundedFilter } from './bounded-filter.js';

/** A JSON Schema (draft 2020-12, draft-07 or OpenAPI 3.0 flavour), as plain data. */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

type SchemaObject = { readonly [keyword: string]: unknown };

/** Sizes that keep generated values small where the schema sets no bound. */
export interface JsonSchemaArbitraryOptions {
  /** Longest generated string when the schema sets no `maxLength` (16). */
  readonly maxLength?: number;
  /** Most generated array items when the schema sets no `maxItems` (5). */
  readonly maxItems?: number;
  /** How deep `$ref`s and nesting may go before only required members are generated (4). */
  readonly maxDepth?: number;
}

interface Context {
  readonly root: SchemaObject;
  readonly path: string;
  readonly depth: number;
  readonly maxLength: number;
  readonly maxItems: number;
  readonly maxDepth: number;
}

/** Past this depth a required recursive member cannot be generated at all. */
const HARD_DEPTH_LIMIT = 24;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

const WEB_URL = /^https?:\/\/[a-z][a-z0-9-]{0,10}\.[a-z]{2,6}(?:\/[a-z0-9-]{1,8}){0,3}$/;

const FORMATS: Readonly<Record<string, () => fc.Arbitrary<string>>> = {
  email: () => fc.stringMatching(/^[a-z][a-z0-9]{0,9}(?:\.[a-z0-9]{1,8})?@[a-z][a-z0-9]{0,9}\.[a-z]{2,6}$/),
  uuid: () => fc.uuid(),
  'date-time': () => isoDate().map((date) => date.toISOString()),
  date: () => isoDate().map((date) => date.toISOString().slice(0, 10)),
  time: () => isoDate().map((date) => date.toISOString().slice(11, 19)),
  // fc.webUrl() covers far more of the URL grammar than params need, at a hundred times the cost.
  uri: () => fc.stringMatching(WEB_URL),
  url: () => fc.stringMatching(WEB_URL),
  hostname: () => fc.domain(),
  ipv4: () => fc.ipV4(),
  ipv6: () => fc.ipV6(),
};

function isoDate(): fc.Arbitrary<Date> {
  return fc.date({
    min: new Date(Date.UTC(1970, 0, 1)),
    max: new Date(Date.UTC(2100, 0, 1)),
    noInvalidDate: true,
  });
}

/**
 * A fast-check arbitrary of the values `schema` accepts: types, `properties`/`required`/
 * `additionalProperties`, `enum`, `const`, numeric bounds (inclusive and exclusive) and `multipleOf`, string
 * lengths, `pattern` (generated from the expression) and the common `format`s (email, uuid, date-time,
 * date, time, uri, hostname, ipv4, ipv6), `items`/`prefixItems`/`minItems`/`maxItems`/`uniqueItems`,
 * `anyOf`/`oneOf`/`allOf`, `nullable`, and local `$ref`s. Unbounded sizes are kept small.
 *
 * @throws TrellisError `E_SCHEMA_UNSUPPORTED` naming the path of a part it cannot generate.
 */
export function arbitraryFromJsonSchema(
  schema: JsonSchema,
  options: JsonSchemaArbitraryOptions = {},
): fc.Arbitrary<unknown> {
  const root = typeof schema === 'object' && schema !== null ? schema : {};
  return convert(schema, {
    root,
    path: '',
    depth: 0,
    maxLength: options.maxLength ?? 16,
    maxItems: options.maxItems ?? 5,
    maxDepth: options.maxDepth ?? 4,
  });
}

function convert(schema: unknown, context: Context): fc.Arbitrary<unknown> {
  if (schema === true) return fc.jsonValue({ maxDepth: 2 });
  if (schema === false)
    throw testingErrors.schemaUnsupported(context.path, 'the schema `false` accepts nothing');
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    throw testingErrors.schemaUnsupported(
      context.path,
      `expected a schema object, got ${JSON.stringify(schema)}`,
    );
  if (context.depth > HARD_DEPTH_LIMIT)
    throw testingErrors.schemaUnsupported(
      context.path,
      `nesting deeper than ${HARD_DEPTH_LIMIT} (a required recursive member?)`,
    );
  const node = schema as SchemaObject;
  if (typeof node.$ref === 'string') return convert(resolveRef(node.$ref, context), deeper(context, ''));
  if ('const' in node) return fc.constant(node.const);
  if (Array.isArray(node.enum)) {
    if (node.enum.length === 0)
      throw testingErrors.schemaUnsupported(context.path, 'an empty enum accepts nothing');
    return fc.constantFrom(...(node.enum as unknown[]));
  }
  if (node.nullable === true) {
    const { nullable: _nullable, ...rest } = node;
    return fc.oneof(fc.constant(null), convert(rest, context));
  }
  const branches = (node.anyOf ?? node.oneOf) as unknown;
  if (Array.isArray(branches)) {
    const { anyOf: _anyOf, oneOf: _oneOf, ...siblings } = node;
    return fc.oneof(
      ...branches.map((branch, index) =>
        convert(
          { ...siblings, ...(branch as SchemaObject) },
          { ...context, path: `${context.path}|${index}` },
        ),
      ),
    );
  }
  if (Array.isArray(node.allOf)) {
    const { allOf, ...siblings } = node;
    return convert((allOf as SchemaObject[]).reduce(mergeSchemas, siblings as SchemaObject), context);
  }
  const type = node.type ?? inferType(node);
  if (Array.isArray(type))
    return fc.oneof(...type.map((single) => convert({ ...node, type: single }, context)));
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return integers(node, context);
    case 'number':
      return numbers(node, context);
    case 'string':
      return strings(node, context);
    case 'array':
      return arrays(node, context);
    case 'object':
      return objects(node, context);
    case undefined:
      return fc.jsonValue({ maxDepth: 2 });
    default:
      throw testingErrors.schemaUnsupported(context.path, `unknown type ${JSON.stringify(type)}`);
  }
}

function deeper(context: Context, segment: string): Context {
  return {
    ...context,
    depth: context.depth + 1,
    path: segment === '' ? context.path : joinPath(context.path, segment),
  };
}

function joinPath(path: string, segment: string): string {
  return path === '' ? segment : `${path}.${segment}`;
}

function inferType(node: SchemaObject): string | undefined {
  if ('properties' in node || 'required' in node || 'additionalProperties' in node) return 'object';
  if ('items' in node || 'prefixItems' in node || 'minItems' in node || 'maxItems' in node) return 'array';
  if ('minLength' in node || 'maxLength' in node || 'pattern' in node || 'format' in node) return 'string';
  if ('minimum' in node || 'maximum' in node || 'exclusiveMinimum' in node || 'multipleOf' in node)
    return 'number';
  return undefined;
}

function resolveRef(ref: string, context: Context): unknown {
  if (!ref.startsWith('#')) throw testingErrors.schemaUnsupported(context.path, `the remote $ref '${ref}'`);
  let target: unknown = context.root;
  for (const raw of ref
    .slice(1)
    .split('/')
    .filter((segment) => segment !== '')) {
    const segment = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    target = typeof target === 'object' && target !== null ? (target as SchemaObject)[segment] : undefined;
  }
  if (target === undefined)
    throw testingErrors.schemaUnsupported(context.path, `the $ref '${ref}' points nowhere`);
  return target;
}

function mergeSchemas(merged: SchemaObject, next: SchemaObject): SchemaObject {
  const properties = { ...(merged.properties as SchemaObject), ...(next.properties as SchemaObject) };
  const required = [...((merged.required as string[]) ?? []), ...((next.required as string[]) ?? [])];
  return {
    ...merged,
    ...next,
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
    ...(required.length > 0 ? { required: [...new Set(required)] } : {}),
  };
}

function numberKeyword(node: SchemaObject, keyword: string): number | undefined {
  const value = node[keyword];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The bounds a schema sets, with draft-04's boolean `exclusiveMinimum`/`exclusiveMaximum` understood. */
function bounds(node: SchemaObject) {
  const minimum = numberKeyword(node, 'minimum');
  const maximum = numberKeyword(node, 'maximum');
  const exclusiveMinimum = node.exclusiveMinimum === true ? minimum : numberKeyword(node, 'exclusiveMinimum');
  const exclusiveMaximum = node.exclusiveMaximum === true ? maximum : numberKeyword(node, 'exclusiveMaximum');
  return {
    minimum: node.exclusiveMinimum === true ? undefined : minimum,
    maximum: node.exclusiveMaximum === true ? undefined : maximum,
    exclusiveMinimum,
    exclusiveMaximum,
  };
}

function integerBetween(low: number, high: number, context: Context): fc.Arbitrary<number> {
  if (low > high)
    throw testingErrors.schemaUnsupported(context.path, `no integer lies between ${low} and ${high}`);
  if (low >= INT32_MIN && high <= INT32_MAX) return fc.integer({ min: low, max: high });
  return fc.bigInt({ min: BigInt(low), max: BigInt(high) }).map(Number);
}

function integerRange(
  node: SchemaObject,
  integerOnly: boolean,
): { low: number | undefined; high: number | undefined } {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = bounds(node);
  const lows = [
    minimum === undefined ? undefined : Math.ceil(minimum),
    exclusiveMinimum === undefined ? undefined : Math.floor(exclusiveMinimum) + 1,
  ].filter((value): value is number => value !== undefined);
  const highs = [
    maximum === undefined ? undefined : Math.floor(maximum),
    exclusiveMaximum === undefined ? undefined : Math.ceil(exclusiveMaximum) - 1,
  ].filter((value): value is number => value !== undefined);
  const clamp = (value: number) =>
    integerOnly ? Math.min(Number.MAX_SAFE_INTEGER, Math.max(Number.MIN_SAFE_INTEGER, value)) : value;
  return {
    low: lows.length === 0 ? undefined : clamp(Math.max(...lows)),
    high: highs.length === 0 ? undefined : clamp(Math.min(...highs)),
  };
}

function integers(node: SchemaObject, context: Context): fc.Arbitrary<unknown> {
  const range = integerRange(node, true);
  const low =
    range.low ??
    (range.high === undefined ? INT32_MIN : Math.max(Number.MIN_SAFE_INTEGER, range.high - INT32_MAX));
  const high = range.high ?? Math.min(Number.MAX_SAFE_INTEGER, low + INT32_MAX);
  const step = numberKeyword(node, 'multipleOf');
  if (step === undefined) return integerBetween(low, high, context);
  const multiples = integerBetween(Math.ceil(low / step), Math.floor(high / step), context).map(
    (k) => k * step,
  );
  return Number.isInteger(step)
    ? multiples
    : boundedFilter(multiples, Number.isInteger, `an integer multiple of ${step}`);
}

function numbers(node: SchemaObject, context: Context): fc.Arbitrary<unknown> {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = bounds(node);
  const step = numberKeyword(node, 'multipleOf');
  if (step !== undefined) {
    const range = integerRange(
      {
        ...(minimum === undefined ? {} : { minimum: minimum / step }),
        ...(maximum === undefined ? {} : { maximum: maximum / step }),
        ...(exclusiveMinimum === undefined ? {} : { exclusiveMinimum: exclusiveMinimum / step }),
        ...(exclusiveMaximum === undefined ? {} : { exclusiveMaximum: exclusiveMaximum / step }),
      },
      true,
    );
    const low = range.low ?? -1_000_000;
    return integerBetween(low, range.high ?? low + 2_000_000, context).map((k) => k * step);
  }
  const low = tighter(minimum, exclusiveMinimum, (first, second) => first > second);
  const high = tighter(maximum, exclusiveMaximum, (first, second) => first < second);
  return fc.double({
    noNaN: true,
    noDefaultInfinity: true,
    ...(low === undefined ? {} : { min: low.value, minExcluded: low.excluded }),
    ...(high === undefined ? {} : { max: high.value, maxExcluded: high.excluded }),
  });
}

/** The tighter of an inclusive and an exclusive bound (the exclusive one when they are equal). */
function tighter(
  inclusive: number | undefined,
  exclusive: number | undefined,
  isTighter: (first: number, second: number) => boolean,
): { readonly value: number; readonly excluded: boolean } | undefined {
  if (exclusive !== undefined && (inclusive === undefined || !isTighter(inclusive, exclusive)))
    return { value: exclusive, excluded: true };
  return inclusive === undefined ? undefined : { value: inclusive, excluded: false };
}

function strings(node: SchemaObject, context: Context): fc.Arbitrary<unknown> {
  const minLength = numberKeyword(node, 'minLength') ?? 0;
  const declaredMax = numberKeyword(node, 'maxLength');
  const maxLength = declaredMax ?? Math.max(minLength, context.maxLength);
  const pattern = typeof node.pattern === 'string' ? node.pattern : undefined;
  const format = typeof node.format === 'string' ? FORMATS[node.format] : undefined;
  let base: fc.Arbitrary<string>;
  if (pattern !== undefined) {
    const expression = new RegExp(pattern);
    try {
      base = fc.stringMatching(expression);
    } catch {
      // An expression fast-check cannot generate from: generate plain strings and keep the matching ones.
      base = boundedFilter(
        fc.string({ minLength, maxLength }),
        (value) => expression.test(value),
        `the pattern ${pattern}`,
      );
    }
  } else if (format !== undefined) base = format();
  else return fc.string({ minLength, maxLength });
  if (minLength === 0 && declaredMax === undefined) return base;
  return boundedFilter(
    base,
    (value) => [...value].length >= minLength && [...value].length <= maxLength,
    `a length from ${minLength} to ${maxLength} at '${context.path || '(root)'}'`,
  );
}

function arrays(node: SchemaObject, context: Context): fc.Arbitrary<unknown> {
  const minItems = numberKeyword(node, 'minItems') ?? 0;
  const shallow = context.depth < context.maxDepth;
  const maxItems =
    numberKeyword(node, 'maxItems') ?? (shallow ? Math.max(minItems, context.maxItems) : minItems);
  const prefix = Array.isArray(node.prefixItems) ? (node.prefixItems as unknown[]) : [];
  if (prefix.length > 0) {
    const fixed = prefix.map((item, index) => convert(item, deeper(context, String(index))));
    const restSchema = node.items;
    if (restSchema === undefined || restSchema === false || maxItems <= prefix.length)
      return fc.tuple(...fixed);
    const rest = fc.array(convert(restSchema, deeper(context, '[]')), {
      minLength: Math.max(0, minItems - prefix.length),
      maxLength: maxItems - prefix.length,
    });
    return fc.tuple(fc.tuple(...fixed), rest).map(([head, tail]) => [...head, ...tail]);
  }
  const items = convert(node.items ?? true, deeper(context, '[]'));
  const sizes = { minLength: minItems, maxLength: maxItems };
  return node.uniqueItems === true
    ? fc.uniqueArray(items, { ...sizes, selector: (item) => JSON.stringify(item) })
    : fc.array(items, sizes);
}

function objects(node: SchemaObject, context: Context): fc.Arbitrary<unknown> {
  const properties = (node.properties ?? {}) as SchemaObject;
  const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
  const additional = node.additionalProperties;
  const shallow = context.depth < context.maxDepth;
  const names = [...new Set([...Object.keys(properties), ...required])];
  if (names.length === 0 && typeof additional === 'object' && additional !== null) {
    const keys =
      node.propertyNames === undefined
        ? fc.string({ minLength: 1, maxLength: 8 })
        : convert(node.propertyNames, deeper(context, '(key)'));
    return fc.dictionary(keys as fc.Arbitrary<string>, convert(additional, deeper(context, '*')), {
      minKeys: numberKeyword(node, 'minProperties') ?? 0,
      maxKeys: shallow ? 4 : (numberKeyword(node, 'minProperties') ?? 0),
    });
  }
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of names) {
    // Past the depth limit optional members are left out, so recursive schemas end.
    if (!shallow && !required.has(name)) continue;
    const member = properties[name] ?? (typeof additional === 'object' ? additional : true);
    model[name] = convert(member, deeper(context, name));
  }
  return fc.record(model, { requiredKeys: names.filter((name) => required.has(name)) });
}
