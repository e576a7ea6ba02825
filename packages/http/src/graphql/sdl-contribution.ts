import { realtimeErrors } from '../errors/realtime-errors.js';
import {
  type DefinitionNode,
  type DocumentNode,
  GraphQLError,
  Kind,
  type ObjectTypeExtensionNode,
  parse,
} from './graphql-js.js';

/** The root operation types; they belong to the gateway, plugins add fields to them. */
export const ROOT_TYPES: readonly string[] = ['Query', 'Mutation', 'Subscription'];

/** A plugin's type definitions, parsed, with the names they claim. */
export interface ParsedContribution {
  /** The definitions, with `type Query { ... }` (and the other roots) turned into extensions. */
  readonly document: DocumentNode;
  /** Types the contribution defines (not those it only extends). */
  readonly types: ReadonlySet<string>;
  /** Directives it defines. */
  readonly directives: ReadonlySet<string>;
  /** Fields (`Type.field`), input fields and enum values (`Enum.VALUE`) it adds, by definition or extension. */
  readonly fields: ReadonlySet<string>;
}

const TYPE_DEFINITIONS = new Set<string>([
  Kind.OBJECT_TYPE_DEFINITION,
  Kind.INTERFACE_TYPE_DEFINITION,
  Kind.INPUT_OBJECT_TYPE_DEFINITION,
  Kind.ENUM_TYPE_DEFINITION,
  Kind.UNION_TYPE_DEFINITION,
  Kind.SCALAR_TYPE_DEFINITION,
]);

const TYPE_EXTENSIONS = new Set<string>([
  Kind.OBJECT_TYPE_EXTENSION,
  Kind.INTERFACE_TYPE_EXTENSION,
  Kind.INPUT_OBJECT_TYPE_EXTENSION,
  Kind.ENUM_TYPE_EXTENSION,
  Kind.UNION_TYPE_EXTENSION,
  Kind.SCALAR_TYPE_EXTENSION,
]);

/**
 * Parses `typeDefs` and lists the names they claim, so that clashes between plugins can be found (and
 * blamed on the right plugin) before anything is merged.
 *
 * @throws TrellisError `E_GRAPHQL_SDL_INVALID` when the SDL does not parse, or holds operations or a
 *   schema definition (the gateway owns the root types).
 */
export function parseContribution(plugin: string, typeDefs: unknown): ParsedContribution {
  const source = readDocument(plugin, typeDefs);
  const types = new Set<string>();
  const directives = new Set<string>();
  const fields = new Set<string>();
  const definitions = source.definitions.map((definition) => {
    const normalized = asRootExtension(definition);
    if (normalized.kind === Kind.DIRECTIVE_DEFINITION) {
      directives.add(normalized.name.value);
      return normalized;
    }
    if (!TYPE_DEFINITIONS.has(normalized.kind) && !TYPE_EXTENSIONS.has(normalized.kind)) {
      throw realtimeErrors.graphqlSdlInvalid(
        plugin,
        `only type and directive definitions and type extensions are allowed, found a ${normalized.kind}${normalized.kind.startsWith('Schema') ? ' (the gateway owns the root types: add fields with `extend type Query { ... }`)' : ''}`,
      );
    }
    const named = normalized as Extract<DefinitionNode, { readonly name: { readonly value: string } }>;
    const typeName = named.name.value;
    if (TYPE_DEFINITIONS.has(named.kind)) types.add(typeName);
    const members = 'fields' in named ? (named.fields ?? []) : 'values' in named ? (named.values ?? []) : [];
    for (const member of members) fields.add(`${typeName}.${member.name.value}`);
    return normalized;
  });
  return { document: { ...source, definitions }, types, directives, fields };
}

function readDocument(plugin: string, typeDefs: unknown): DocumentNode {
  if (
    typeof typeDefs === 'object' &&
    typeDefs !== null &&
    (typeDefs as DocumentNode).kind === Kind.DOCUMENT
  ) {
    return typeDefs as DocumentNode;
  }
  if (typeof typeDefs !== 'string') {
    throw realtimeErrors.graphqlSdlInvalid(
      plugin,
      `typeDefs must be an SDL string or a parsed document, got ${typeof typeDefs}`,
    );
  }
  try {
    return parse(typeDefs);
  } catch (cause) {
    throw realtimeErrors.graphqlSdlInvalid(
      plugin,
      cause instanceof GraphQLError ? cause.message : String(cause),
    );
  }
}

/** `type Query { ... }` becomes `extend type Query { ... }`, so that every plugin can add root fields. */
function asRootExtension(definition: DefinitionNode): DefinitionNode {
  if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION || !ROOT_TYPES.includes(definition.name.value)) {
    return definition;
  }
  const extension: ObjectTypeExtensionNode = {
    kind: Kind.OBJECT_TYPE_EXTENSION,
    name: definition.name,
    interfaces: definition.interfaces,
    directives: definition.directives,
    fields: definition.fields,
    loc: definition.loc,
  };
  return extension;
}
