import { makeExecutableSchema } from '@graphql-tools/schema';
import type { TrellisError } from '@trellis/core';
import { GRAPHQL_GATEWAY_OWNER, realtimeErrors } from '../errors/realtime-errors.js';
import {
  type DocumentNode,
  GraphQLScalarType,
  type GraphQLSchema,
  parse,
  validateSchema,
} from './graphql-js.js';
import type { GraphqlContribution, GraphqlResolvers } from './graphql-types.js';
import { type ParsedContribution, parseContribution, ROOT_TYPES } from './sdl-contribution.js';

/** Who contributed to the schema: one plugin's attachment. */
export interface SchemaOwner {
  readonly plugin: string;
}

interface Contribution<Owner extends SchemaOwner> {
  readonly owner: Owner;
  readonly parsed: ParsedContribution;
  readonly resolvers: GraphqlResolvers | undefined;
}

/** A plugin's contribution left out of the schema, and why. */
export interface SchemaProblem<Owner extends SchemaOwner = SchemaOwner> {
  readonly owner: Owner;
  readonly error: TrellisError;
}

/** The outcome of merging every contribution. */
export interface SchemaBuild<Owner extends SchemaOwner> {
  /** The merged schema; undefined when no (valid) contribution adds a Query field. */
  readonly schema: GraphQLSchema | undefined;
  /** Contributions that could not be merged (each blamed on its plugin); the rest are served. */
  readonly problems: readonly SchemaProblem<Owner>[];
  /** The plugin behind each field (`Subscription.messageSent`) of the schema. */
  readonly fieldOwners: ReadonlyMap<string, Owner>;
}

/** The `@auth` directive every schema has; see {@link GraphqlContribution}. */
const AUTH_DIRECTIVE =
  'directive @auth(roles: [String!], scopes: [String!], schemes: [String!]) on OBJECT | FIELD_DEFINITION';

/**
 * The contributions of every plugin to the one GraphQL schema. Clashes are refused when a plugin
 * contributes (so the second plugin fails to start, with an error naming both); problems only visible
 * once everything is merged (a type nobody defines) are found by {@link SchemaRegistry.build}, which
 * leaves the faulty plugin's contribution out rather than the whole schema.
 */
export class SchemaRegistry<Owner extends SchemaOwner> {
  readonly #contributions: Contribution<Owner>[] = [];
  #version = 0;

  /** Changes with every contribution added or removed: a schema built at another version is stale. */
  get version(): number {
    return this.#version;
  }

  /**
   * @throws TrellisError `E_GRAPHQL_SDL_INVALID`, `E_GRAPHQL_CLASH` or `E_GRAPHQL_RESOLVER_INVALID`;
   *   nothing is recorded then.
   */
  add(owner: Owner, contribution: GraphqlContribution): void {
    if (typeof contribution !== 'object' || contribution === null) {
      throw realtimeErrors.graphqlSdlInvalid(
        owner.plugin,
        'extend() takes an object { typeDefs, resolvers }',
      );
    }
    const parsed = parseContribution(owner.plugin, contribution.typeDefs);
    this.#checkClashes(owner, parsed);
    const own = this.#contributions
      .filter((existing) => existing.owner === owner)
      .map((existing) => existing.parsed);
    checkResolvers(owner.plugin, contribution.resolvers, [...own, parsed]);
    this.#contributions.push({ owner, parsed, resolvers: contribution.resolvers });
    this.#version++;
  }

  /** Removes everything `owner` contributed. */
  remove(owner: Owner): void {
    const before = this.#contributions.length;
    for (let index = this.#contributions.length - 1; index >= 0; index--) {
      if (this.#contributions[index]!.owner === owner) this.#contributions.splice(index, 1);
    }
    if (this.#contributions.length !== before) this.#version++;
  }

  /**
   * Merges every contribution. When the whole does not build, plugins are added one at a time in the
   * order they contributed, and those whose addition breaks the build are left out and reported.
   */
  build(): SchemaBuild<Owner> {
    const groups = groupByOwner(this.#contributions);
    const problems: SchemaProblem<Owner>[] = [];
    let accepted = groups;
    let schema: GraphQLSchema | undefined;
    if (addsQueryField(groups)) {
      try {
        schema = compile(groups, false);
      } catch {
        // Some plugin does not fit; found below.
      }
    }
    if (schema === undefined) {
      accepted = [];
      for (const group of groups) {
        try {
          // A placeholder Query field lets a plugin that adds no Query field be judged on its own.
          compile([...accepted, group], true);
          accepted.push(group);
        } catch (cause) {
          problems.push({
            owner: group.owner,
            error: realtimeErrors.graphqlSchemaInvalid(group.owner.plugin, cause),
          });
        }
      }
      if (addsQueryField(accepted)) schema = compile(accepted, false);
    }
    const fieldOwners = new Map<string, Owner>();
    for (const group of accepted) {
      for (const parsed of group.parsed)
        for (const field of parsed.fields) fieldOwners.set(field, group.owner);
    }
    return { schema, problems, fieldOwners };
  }

  #checkClashes(owner: Owner, parsed: ParsedContribution): void {
    for (const type of parsed.types) {
      if (ROOT_TYPES.includes(type))
        throw realtimeErrors.graphqlClash('type', type, GRAPHQL_GATEWAY_OWNER, owner.plugin);
    }
    if (parsed.directives.has('auth'))
      throw realtimeErrors.graphqlClash('directive', 'auth', GRAPHQL_GATEWAY_OWNER, owner.plugin);
    for (const existing of this.#contributions) {
      if (existing.owner === owner) continue;
      const clash =
        firstShared(parsed.types, existing.parsed.types, 'type') ??
        firstShared(parsed.fields, existing.parsed.fields, 'field') ??
        firstShared(parsed.directives, existing.parsed.directives, 'directive');
      if (clash !== undefined) {
        throw realtimeErrors.graphqlClash(clash.kind, clash.name, existing.owner.plugin, owner.plugin);
      }
    }
  }
}

interface OwnerGroup<Owner extends SchemaOwner> {
  readonly owner: Owner;
  readonly parsed: ParsedContribution[];
  readonly resolvers: GraphqlResolvers[];
}

function groupByOwner<Owner extends SchemaOwner>(
  contributions: readonly Contribution<Owner>[],
): OwnerGroup<Owner>[] {
  const groups = new Map<Owner, OwnerGroup<Owner>>();
  for (const { owner, parsed, resolvers } of contributions) {
    let group = groups.get(owner);
    if (group === undefined) {
      group = { owner, parsed: [], resolvers: [] };
      groups.set(owner, group);
    }
    group.parsed.push(parsed);
    if (resolvers !== undefined) group.resolvers.push(resolvers);
  }
  return [...groups.values()];
}

/**
 * Builds and validates a schema from `groups`, with the root types they add fields to.
 *
 * @throws Error (GraphQL's) describing what does not fit.
 */
function compile(groups: readonly OwnerGroup<SchemaOwner>[], placeholder: boolean): GraphQLSchema {
  const documents: DocumentNode[] = groups.flatMap((group) => group.parsed.map((parsed) => parsed.document));
  const extended = new Set(
    groups.flatMap((group) =>
      group.parsed.flatMap((parsed) => [...parsed.fields].map((field) => field.split('.')[0]!)),
    ),
  );
  const roots = ROOT_TYPES.filter((root) => extended.has(root)).map((root) => `type ${root}`);
  if (placeholder) roots.push('extend type Query { _placeholder: Boolean }');
  if (placeholder && !extended.has('Query')) roots.push('type Query');
  const schema = makeExecutableSchema({
    typeDefs: [parse([AUTH_DIRECTIVE, ...roots].join('\n')), ...documents],
    resolvers: groups.flatMap((group) => group.resolvers),
  });
  const problems = validateSchema(schema);
  if (problems.length > 0) throw new Error(problems.map((problem) => problem.message).join(' '));
  return schema;
}

/**
 * A plugin may only resolve what it contributes: the fields it adds, and the types it defines
 * (`__resolveType`, scalars). Otherwise one plugin could silently replace another's resolvers.
 */
function checkResolvers(plugin: string, resolvers: unknown, own: readonly ParsedContribution[]): void {
  if (resolvers === undefined) return;
  if (typeof resolvers !== 'object' || resolvers === null) {
    throw realtimeErrors.graphqlResolverInvalid(
      plugin,
      'resolvers',
      'resolvers must be an object keyed by type name',
    );
  }
  const ownsType = (type: string) => own.some((parsed) => parsed.types.has(type));
  const ownsField = (field: string) => own.some((parsed) => parsed.fields.has(field));
  for (const [type, value] of Object.entries(resolvers)) {
    if (value instanceof GraphQLScalarType) {
      if (!ownsType(type))
        throw realtimeErrors.graphqlResolverInvalid(plugin, type, 'the plugin does not define that scalar');
      continue;
    }
    if (typeof value !== 'object' || value === null) {
      throw realtimeErrors.graphqlResolverInvalid(
        plugin,
        type,
        'the resolvers of a type must be an object keyed by field',
      );
    }
    for (const field of Object.keys(value)) {
      const target = `${type}.${field}`;
      if (field.startsWith('__') ? !ownsType(type) : !ownsField(target)) {
        throw realtimeErrors.graphqlResolverInvalid(
          plugin,
          target,
          `the plugin's type definitions do not add ${field.startsWith('__') ? 'that type' : 'that field'}`,
        );
      }
    }
  }
}

function addsQueryField(groups: readonly OwnerGroup<SchemaOwner>[]): boolean {
  return groups.some((group) =>
    group.parsed.some((parsed) => [...parsed.fields].some((field) => field.startsWith('Query.'))),
  );
}

function firstShared(
  mine: ReadonlySet<string>,
  theirs: ReadonlySet<string>,
  kind: 'type' | 'field' | 'directive',
): { readonly kind: 'type' | 'field' | 'directive'; readonly name: string } | undefined {
  for (const name of mine) if (theirs.has(name)) return { kind, name };
  return undefined;
}
