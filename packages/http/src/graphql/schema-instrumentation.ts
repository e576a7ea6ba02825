import type { AuthRequirement } from '../auth/auth-types.js';
import {
  defaultFieldResolver,
  type GraphQLDirective,
  type GraphQLField,
  type GraphQLSchema,
  getDirectiveValues,
  isObjectType,
} from './graphql-js.js';
import type { GraphqlContext } from './graphql-types.js';

/** Who owns a subscription field: its live event sources are ended when that plugin stops. */
export interface SubscriptionOwner {
  track(events: AsyncIterable<unknown>): AsyncIterable<unknown>;
}

type DirectiveHolder = Parameters<typeof getDirectiveValues>[1];

/**
 * Applies what the SDL declares but resolvers do not do themselves, on a freshly built schema: `@auth`
 * on a field (or on its type) checks the request's credentials before the field resolves or
 * subscribes; every subscription's event source is tracked by the plugin that owns the field; a
 * subscription field without `resolve` yields each event as it is.
 */
export function instrumentSchema(
  schema: GraphQLSchema,
  owners: ReadonlyMap<string, SubscriptionOwner>,
): void {
  const auth = schema.getDirective('auth');
  const subscriptionType = schema.getSubscriptionType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const typeRequirement = requirementOf(auth, [type.astNode, ...type.extensionASTNodes]);
    for (const field of Object.values(type.getFields())) {
      const requirement = requirementOf(auth, [field.astNode]) ?? typeRequirement;
      if (type === subscriptionType) {
        instrumentSubscription(field, requirement, owners.get(`${type.name}.${field.name}`));
      } else if (requirement !== undefined) {
        const resolve = field.resolve ?? defaultFieldResolver;
        field.resolve = async (source, args, context: GraphqlContext, info) => {
          await context.authorize(requirement);
          return resolve(source, args, context, info);
        };
      }
    }
  }
}

function instrumentSubscription(
  field: GraphQLField<unknown, GraphqlContext>,
  requirement: AuthRequirement | undefined,
  owner: SubscriptionOwner | undefined,
): void {
  const subscribe = field.subscribe;
  if (subscribe !== undefined) {
    field.subscribe = async (source, args, context, info) => {
      if (requirement !== undefined) await context.authorize(requirement);
      const events: unknown = await subscribe(source, args, context, info);
      return owner !== undefined && isAsyncIterable(events) ? owner.track(events) : events;
    };
  }
  field.resolve ??= (payload: unknown) => payload;
}

/** The requirement an `@auth` on one of `nodes` states: `true` without arguments. */
function requirementOf(
  auth: GraphQLDirective | null | undefined,
  nodes: ReadonlyArray<DirectiveHolder | null | undefined>,
): AuthRequirement | undefined {
  if (auth === null || auth === undefined) return undefined;
  for (const node of nodes) {
    if (node === null || node === undefined) continue;
    const values = getDirectiveValues(auth, node) as
      | { roles?: string[]; scopes?: string[]; schemes?: string[] }
      | undefined;
    if (values === undefined) continue;
    const { roles, scopes, schemes } = values;
    if (roles === undefined && scopes === undefined && schemes === undefined) return true;
    return {
      ...(roles === undefined ? {} : { roles }),
      ...(scopes === undefined ? {} : { scopes }),
      ...(schemes === undefined ? {} : { schemes }),
    };
  }
  return undefined;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
  );
}
