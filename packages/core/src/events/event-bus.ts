import { errors } from '../errors/errors.js';
import { describeThrown } from '../errors/trellis-error.js';
import { assertValidTopic, compileTopicPattern, type TopicPattern } from './topic-pattern.js';

/** What every subscriber learns about an event besides its payload. */
export interface TrellisEvent {
  /** The concrete topic the event was published on (never a pattern). */
  readonly topic: string;
  /** Who published it: a plugin name, or `host`. */
  readonly source: string;
  /** `Date.now()` when the event was published. */
  readonly time: number;
}

/**
 * Receives events. Its return value is ignored, except that a returned thenable that rejects is
 * reported as a subscriber failure, so `async` handlers are isolated like synchronous ones.
 */
export type EventHandler<Payload = unknown> = (payload: Payload, event: TrellisEvent) => unknown;

/** How a subscription narrows or shares what it receives. */
export interface SubscribeOptions<Payload = unknown> {
  /** Called before the handler; the handler runs only when it returns true. */
  readonly filter?: (payload: Payload, event: TrellisEvent) => boolean;
  /**
   * Subscriptions with the same group share the events: each event reaches exactly one member, taken in
   * turn (round robin) among the members whose pattern matches and whose filter passes.
   */
  readonly group?: string;
  /** The plugin that subscribed; `host` when omitted. Used to report failures and remove by owner. */
  readonly owner?: string;
}

/** A subscriber that failed while receiving an event. */
export interface SubscriberFailure {
  /** What was thrown or rejected; any value, not only Errors. */
  readonly error: unknown;
  /** The event being delivered. */
  readonly event: TrellisEvent;
  /** The plugin that owns the subscription. */
  readonly owner: string;
  /** The pattern the subscription was made with. */
  readonly pattern: string;
  /** Whether the filter or the handler failed. */
  readonly stage: 'filter' | 'handler';
}

/** How an {@link EventBus} reports the failures it isolates. */
export interface EventBusOptions {
  /**
   * Called for each failing filter or handler (asynchronously for a rejected thenable). If it throws,
   * the bus turns that into a process warning instead of letting it reach the publisher.
   */
  readonly onSubscriberFailure: (failure: SubscriberFailure) => void;
}

const DEFAULT_OWNER = 'host';
const ROUTE_CACHE_LIMIT = 10_000;
const VALID_TOPIC_MEMO_LIMIT = 10_000;

/** Round-robin state of one group name, shared by every topic its members match. */
interface GroupState {
  readonly name: string;
  /** Live subscriptions in the group; the state is dropped when it reaches zero. */
  memberCount: number;
  /** Subscription order of the member that received the group's last event. */
  lastOrder: number;
}

class Subscription {
  active = true;
  constructor(
    /** Increases with each subscribe; it orders delivery and the round robin of groups. */
    readonly order: number,
    readonly pattern: TopicPattern,
    readonly handler: EventHandler,
    readonly filter: ((payload: unknown, event: TrellisEvent) => boolean) | undefined,
    readonly group: GroupState | undefined,
    readonly owner: string,
  ) {}
}

/** The members of one group that match a topic, in subscription order. */
interface RouteGroup {
  readonly state: GroupState;
  readonly members: readonly Subscription[];
  /** Where the round robin of this route stopped, a hint checked against `state.lastOrder`. */
  nextIndex: number;
}

/**
 * Everything a topic is delivered to. Its lists never change, so a publish in progress is unaffected by
 * subscriptions made or ended meanwhile.
 */
interface Route {
  readonly ungrouped: readonly Subscription[];
  readonly groups: readonly RouteGroup[];
  readonly isEmpty: boolean;
}

const EMPTY_ROUTE: Route = { ungrouped: [], groups: [], isEmpty: true };

/**
 * The in-process event bus of the kernel: topic subscriptions with wildcards, filters and balanced groups.
 *
 * Delivery is synchronous and isolated: inside {@link EventBus.publish}, ungrouped subscribers run in
 * subscription order, then each group hands the event to one member. Every filter and handler runs in
 * its own try/catch; what it throws (or what its returned thenable rejects with) goes to
 * `onSubscriberFailure` and never to the publisher or the other subscribers. A subscription added during
 * a publish does not receive that event, and one removed before it was reached does not either.
 *
 * Publishing is a hot path, so the subscriptions matching a topic are resolved once and cached per topic
 * until the next subscribe or unsubscribe; a publish then costs one map lookup, one event object and the
 * handler calls.
 */
export class EventBus {
  readonly #onSubscriberFailure: (failure: SubscriberFailure) => void;
  readonly #subscriptions = new Set<Subscription>();
  readonly #groups = new Map<string, GroupState>();
  readonly #routes = new Map<string, Route>();
  readonly #validTopics = new Set<string>();
  #nextOrder = 0;

  constructor(options: EventBusOptions) {
    if (typeof options?.onSubscriberFailure !== 'function') {
      throw errors.invalidArgument('options.onSubscriberFailure', 'a function', options?.onSubscriberFailure);
    }
    this.#onSubscriberFailure = options.onSubscriberFailure;
  }

  /** The number of live subscriptions. */
  get size(): number {
    return this.#subscriptions.size;
  }

  /**
   * Subscribes `handler` to every topic matching `pattern` (`orders.created`, `orders.*`, `orders.**`).
   * Returns the function that ends the subscription; calling it again does nothing.
   *
   * @throws TrellisError `E_TOPIC_INVALID` for a malformed pattern, `E_INVALID_ARGUMENT` when the handler
   *   or filter is not a function, or the group or owner is not a non-empty string.
   */
  subscribe<Payload>(
    pattern: string,
    handler: EventHandler<Payload>,
    options: SubscribeOptions<Payload> = {},
  ): () => void {
    const compiled = compileTopicPattern(pattern);
    if (typeof handler !== 'function') throw errors.invalidArgument('handler', 'a function', handler);
    const { filter, group, owner = DEFAULT_OWNER } = options;
    if (filter !== undefined && typeof filter !== 'function') {
      throw errors.invalidArgument('options.filter', 'a function', filter);
    }
    if (group !== undefined && (typeof group !== 'string' || group === '')) {
      throw errors.invalidArgument('options.group', 'a non-empty string', group);
    }
    if (typeof owner !== 'string' || owner === '') {
      throw errors.invalidArgument('options.owner', 'a non-empty string', owner);
    }
    const subscription = new Subscription(
      this.#nextOrder++,
      compiled,
      handler as EventHandler,
      filter as Subscription['filter'],
      group === undefined ? undefined : this.#joinGroup(group),
      owner,
    );
    this.#subscriptions.add(subscription);
    this.#routes.clear();
    return () => {
      if (subscription.active) this.#remove(subscription);
    };
  }

  /**
   * Publishes an event: synchronously runs every matching handler and returns how many ran (a handler
   * that failed still counts). Never throws because of a subscriber.
   *
   * @throws TrellisError `E_TOPIC_INVALID` when `topic` is malformed or contains a wildcard.
   */
  publish(topic: string, payload: unknown, source: string): number {
    const route = this.#routes.get(topic) ?? this.#resolve(topic);
    if (route.isEmpty) return 0;
    const event: TrellisEvent = { topic, source, time: Date.now() };
    let invoked = 0;
    const ungrouped = route.ungrouped;
    for (let index = 0; index < ungrouped.length; index++) {
      const subscription = ungrouped[index]!;
      if (!subscription.active) continue;
      if (subscription.filter !== undefined && !this.#passes(subscription, payload, event)) continue;
      this.#invoke(subscription, payload, event);
      invoked++;
    }
    const groups = route.groups;
    for (let index = 0; index < groups.length; index++) {
      if (this.#deliverToGroup(groups[index]!, payload, event)) invoked++;
    }
    return invoked;
  }

  /**
   * Delivers an already published event to the matching subscriptions of one owner only; used when a
   * lazily activated plugin must still receive the event that woke it. Within each group the owner has
   * subscriptions in, one of them (the first whose filter passes) receives the event. Returns how many
   * handlers ran.
   *
   * @throws TrellisError `E_TOPIC_INVALID` when `topic` is malformed or contains a wildcard.
   */
  deliverTo(owner: string, topic: string, payload: unknown, event: TrellisEvent): number {
    const route = this.#routes.get(topic) ?? this.#resolve(topic);
    let invoked = 0;
    for (const subscription of route.ungrouped) {
      if (subscription.owner !== owner || !subscription.active) continue;
      if (subscription.filter !== undefined && !this.#passes(subscription, payload, event)) continue;
      this.#invoke(subscription, payload, event);
      invoked++;
    }
    for (const group of route.groups) {
      for (const member of group.members) {
        if (member.owner !== owner || !member.active) continue;
        if (member.filter !== undefined && !this.#passes(member, payload, event)) continue;
        this.#invoke(member, payload, event);
        invoked++;
        break;
      }
    }
    return invoked;
  }

  /** Ends every subscription of `owner` (a plugin being disabled or unloaded); returns how many ended. */
  removeOwner(owner: string): number {
    let removed = 0;
    for (const subscription of this.#subscriptions) {
      if (subscription.owner !== owner) continue;
      this.#remove(subscription);
      removed++;
    }
    return removed;
  }

  /**
   * True when publishing on `topic` would reach at least one subscription (before filters), so that a
   * publisher can skip building an expensive payload.
   *
   * @throws TrellisError `E_TOPIC_INVALID` when `topic` is malformed or contains a wildcard.
   */
  hasSubscribers(topic: string): boolean {
    return !(this.#routes.get(topic) ?? this.#resolve(topic)).isEmpty;
  }

  #joinGroup(name: string): GroupState {
    let state = this.#groups.get(name);
    if (state === undefined) {
      state = { name, memberCount: 0, lastOrder: -1 };
      this.#groups.set(name, state);
    }
    state.memberCount++;
    return state;
  }

  #remove(subscription: Subscription): void {
    subscription.active = false;
    this.#subscriptions.delete(subscription);
    this.#routes.clear();
    const group = subscription.group;
    if (group !== undefined && --group.memberCount === 0) this.#groups.delete(group.name);
  }

  /** Validates a topic not seen since the last change, and caches what it is delivered to. */
  #resolve(topic: string): Route {
    if (!this.#validTopics.has(topic)) {
      assertValidTopic(topic);
      if (this.#validTopics.size >= VALID_TOPIC_MEMO_LIMIT) this.#validTopics.clear();
      this.#validTopics.add(topic);
    }
    const ungrouped: Subscription[] = [];
    const groupMembers = new Map<GroupState, Subscription[]>();
    for (const subscription of this.#subscriptions) {
      if (!subscription.pattern.matches(topic)) continue;
      const group = subscription.group;
      if (group === undefined) {
        ungrouped.push(subscription);
        continue;
      }
      const members = groupMembers.get(group);
      if (members === undefined) groupMembers.set(group, [subscription]);
      else members.push(subscription);
    }
    const route: Route =
      ungrouped.length === 0 && groupMembers.size === 0
        ? EMPTY_ROUTE
        : {
            ungrouped,
            groups: Array.from(groupMembers, ([state, members]) => ({ state, members, nextIndex: 0 })),
            isEmpty: false,
          };
    if (this.#routes.size >= ROUTE_CACHE_LIMIT) this.#routes.clear();
    this.#routes.set(topic, route);
    return route;
  }

  /**
   * Hands the event to the group member after the one that received the group's previous event, skipping
   * members whose filter rejects it. The turn is kept per group name, not per topic, so balancing holds
   * across topics and survives cache invalidation.
   */
  #deliverToGroup(group: RouteGroup, payload: unknown, event: TrellisEvent): boolean {
    const members = group.members;
    const memberCount = members.length;
    const lastOrder = group.state.lastOrder;
    // When this topic's route delivered the group's last event, the next member is right after it;
    // otherwise (another topic, or a fresh route) find it by subscription order.
    let start = group.nextIndex;
    if (start === 0 || members[start - 1]!.order !== lastOrder) {
      start = 0;
      while (start < memberCount && members[start]!.order <= lastOrder) start++;
    }
    if (start === memberCount) start = 0;
    for (let step = 0; step < memberCount; step++) {
      let index = start + step;
      if (index >= memberCount) index -= memberCount;
      const member = members[index]!;
      if (!member.active) continue;
      if (member.filter !== undefined && !this.#passes(member, payload, event)) continue;
      group.state.lastOrder = member.order;
      group.nextIndex = index + 1;
      this.#invoke(member, payload, event);
      return true;
    }
    return false;
  }

  #passes(subscription: Subscription, payload: unknown, event: TrellisEvent): boolean {
    try {
      return Boolean(subscription.filter!(payload, event));
    } catch (error) {
      this.#report(error, event, subscription, 'filter');
      return false;
    }
  }

  #invoke(subscription: Subscription, payload: unknown, event: TrellisEvent): void {
    try {
      const result = subscription.handler(payload, event);
      // Only thenables need a rejection handler; checking the type first keeps plain return values free.
      if ((typeof result === 'object' && result !== null) || typeof result === 'function') {
        const then = (result as { then?: unknown }).then;
        if (typeof then === 'function') {
          then.call(result, undefined, (error: unknown) =>
            this.#report(error, event, subscription, 'handler'),
          );
        }
      }
    } catch (error) {
      this.#report(error, event, subscription, 'handler');
    }
  }

  #report(
    error: unknown,
    event: TrellisEvent,
    subscription: Subscription,
    stage: 'filter' | 'handler',
  ): void {
    const pattern = subscription.pattern.source;
    try {
      this.#onSubscriberFailure({ error, event, owner: subscription.owner, pattern, stage });
    } catch (hookError) {
      // The failure hook is the bus's last line of defence; if it fails too, surface that as a warning
      // rather than letting it escape into the publisher.
      try {
        process.emitWarning(
          `The onSubscriberFailure hook of the event bus threw (${describeThrown(hookError)}) while reporting that the ${stage} of '${pattern}' (owner '${subscription.owner}') failed on '${event.topic}': ${describeThrown(error)}`,
          { type: 'TrellisWarning', code: 'TRELLIS_SUBSCRIBER_FAILURE_HOOK' },
        );
      } catch {
        // Nothing is left to report through; the publisher must still not be affected.
      }
    }
  }
}
