import { compileTopicPattern, errors, type Logger, type PluginContext } from '@trellis/core';
import { realtimeErrors } from '../errors/realtime-errors.js';
import { PushIterator, StoppableIterator } from './async-iterators.js';
import type {
  GraphqlContext,
  GraphqlContribution,
  GraphqlEventFilter,
  GraphqlSubscribeFunction,
  PluginGraphql,
} from './graphql-types.js';
import type { SchemaRegistry } from './schema-registry.js';
import type { ServedOwner } from './schema-state.js';

/**
 * What one plugin contributed to the GraphQL schema, and the subscriptions running on its fields.
 * Detaching it removes its contributions (the schema is rebuilt on the next request) and completes its
 * live subscriptions, whose event sources would otherwise outlive the plugin.
 */
export class PluginSchema implements ServedOwner {
  readonly plugin: string;
  readonly logger: Logger;
  /** `ctx.graphql`. */
  readonly api: PluginGraphql;
  readonly #ctx: PluginContext;
  readonly #registry: SchemaRegistry<PluginSchema>;
  readonly #bufferSize: number;
  readonly #live = new Set<StoppableIterator<unknown>>();
  #detached = false;

  constructor(ctx: PluginContext, registry: SchemaRegistry<PluginSchema>, bufferSize: number) {
    this.plugin = ctx.name;
    this.logger = ctx.logger;
    this.#ctx = ctx;
    this.#registry = registry;
    this.#bufferSize = bufferSize;
    this.api = {
      extend: (contribution) => this.#extend(contribution),
      fromEvents: (pattern, filter) => this.#fromEvents(pattern, filter as GraphqlEventFilter | undefined),
    };
  }

  /** Wraps a subscription's event source so that detaching the plugin ends it. */
  track(events: AsyncIterable<unknown>): AsyncIterable<unknown> {
    return new StoppableIterator(events, this.#live);
  }

  detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    this.#registry.remove(this);
    for (const subscription of [...this.#live]) void subscription.return();
  }

  #extend(contribution: GraphqlContribution): void {
    if (this.#detached) throw errors.pluginStopped(this.plugin);
    this.#registry.add(this, contribution);
  }

  #fromEvents(pattern: string, filter: GraphqlEventFilter | undefined): GraphqlSubscribeFunction {
    compileTopicPattern(pattern);
    if (filter !== undefined && typeof filter !== 'function') {
      throw errors.invalidArgument(`The filter of fromEvents('${pattern}')`, 'a function', filter);
    }
    const limit = this.#bufferSize;
    return (_source: unknown, args: Record<string, unknown>, context: GraphqlContext) => {
      let unsubscribe = () => {};
      const events = new PushIterator<unknown>(
        limit,
        () => realtimeErrors.subscriptionOverflow(pattern, limit),
        () => unsubscribe(),
      );
      unsubscribe = this.#ctx.on(pattern, (payload, event) => {
        if (filter !== undefined) {
          try {
            if (!filter(payload, args, context, event)) return;
          } catch (error) {
            events.fail(error);
            return;
          }
        }
        events.push(payload);
      });
      return events;
    };
  }
}
