import type { Logger, TrellisError } from '@trellis/core';
import { GRAPHQL_REQUEST_CODES, realtimeErrors } from '../errors/realtime-errors.js';
import { codedGraphqlError } from './graphql-errors.js';
import { type DocumentNode, type GraphQLError, type GraphQLSchema, parse, validate } from './graphql-js.js';
import { instrumentSchema, type SubscriptionOwner } from './schema-instrumentation.js';
import type { SchemaOwner, SchemaProblem, SchemaRegistry } from './schema-registry.js';

/** An owner the served schema can log for and track subscriptions of. */
export interface ServedOwner extends SchemaOwner, SubscriptionOwner {
  readonly logger: Logger;
}

/** An operation's document, parsed and validated against the current schema, or why it is not. */
export type PreparedDocument =
  | { readonly document: DocumentNode; readonly errors?: undefined }
  | { readonly document?: undefined; readonly errors: readonly GraphQLError[] };

const DOCUMENT_CACHE_LIMIT = 1_000;

/**
 * The schema being served, rebuilt from the registry on first use after any change (so a reload or a
 * disable costs one rebuild on the next request, not one per contribution), and the documents parsed
 * and validated against it: clients send the same few operations again and again.
 */
export class SchemaState<Owner extends ServedOwner> {
  readonly #registry: SchemaRegistry<Owner>;
  /** Read when needed: the surface's logger changes to the host's child once the host starts. */
  readonly #logger: () => Logger;
  #builtVersion = -1;
  #schema: GraphQLSchema | undefined;
  #problems: readonly SchemaProblem<Owner>[] = [];
  #documents = new Map<string, PreparedDocument>();

  constructor(registry: SchemaRegistry<Owner>, logger: () => Logger) {
    this.#registry = registry;
    this.#logger = logger;
  }

  /** The schema to serve, or the error to answer with when no plugin contributes a Query field. */
  current(): { readonly schema: GraphQLSchema } | { readonly error: TrellisError } {
    this.#refresh();
    return this.#schema === undefined
      ? { error: realtimeErrors.graphqlNoSchema() }
      : { schema: this.#schema };
  }

  /** The contributions left out of the current schema. */
  problems(): readonly SchemaProblem<Owner>[] {
    this.#refresh();
    return this.#problems;
  }

  /** Parses and validates `query` against `schema` (the one {@link SchemaState.current} returned). */
  prepare(schema: GraphQLSchema, query: string): PreparedDocument {
    if (schema !== this.#schema) return prepareDocument(schema, query);
    let prepared = this.#documents.get(query);
    if (prepared === undefined) {
      prepared = prepareDocument(schema, query);
      if (this.#documents.size >= DOCUMENT_CACHE_LIMIT) this.#documents.clear();
      this.#documents.set(query, prepared);
    }
    return prepared;
  }

  #refresh(): void {
    const version = this.#registry.version;
    if (version === this.#builtVersion) return;
    this.#builtVersion = version;
    const build = this.#registry.build();
    if (build.schema !== undefined) instrumentSchema(build.schema, build.fieldOwners);
    this.#schema = build.schema;
    this.#problems = build.problems;
    this.#documents = new Map();
    for (const { owner, error } of build.problems) owner.logger.error({ err: error }, error.message);
    this.#logger().debug(
      { version, fields: build.fieldOwners.size, leftOut: build.problems.length },
      'GraphQL schema rebuilt',
    );
  }
}

function prepareDocument(schema: GraphQLSchema, query: string): PreparedDocument {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return { errors: [codedGraphqlError(error as GraphQLError, GRAPHQL_REQUEST_CODES.syntax)] };
  }
  const errors = validate(schema, document);
  return errors.length > 0 ? { errors } : { document };
}
