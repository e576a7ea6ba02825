import FindMyWay from 'find-my-way';
import { GATEWAY_OWNER, httpErrors } from '../errors/http-errors.js';
import type { CompiledRoute } from './compiled-route.js';
import { HTTP_METHODS, type HttpMethod } from './route-types.js';

/**
 * Where a route owner is in its life, as far as serving goes:
 * - `starting`: its setup runs; routes it registers are staged, requests to them wait;
 * - `serving`: it runs; its routes answer;
 * - `draining`: it is stopping (a disable or a reload); requests to its routes wait for the outcome;
 * - `detached`: it stopped; its routes stay as tombstones that say why they do not answer.
 */
export type OwnerPhase = 'starting' | 'serving' | 'draining' | 'detached';

/** The routes of one plugin (or of the gateway), with its phase and the requests waiting on it. */
export class RouteOwner {
  readonly name: string;
  phase: OwnerPhase = 'starting';
  /** The plugin's state as the host last announced it. */
  pluginState: string | undefined;
  readonly slots = new Set<RouteSlot>();
  #waiters: Array<() => void> = [];

  constructor(name: string) {
    this.name = name;
  }

  /** Resolves at the owner's next change (promotion, detach, final state) or when the gateway closes. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Wakes every request waiting on this owner; each looks at its route again. */
  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * A method and path claimed by one owner. `current` is what answers while the owner serves (and what is
 * left as a tombstone after it stopped); `staged` is what its current setup registered, swapped in when
 * it starts serving: one synchronous step, so a reload replaces a handler without a gap.
 */
export interface RouteSlot {
  readonly method: HttpMethod;
  readonly path: string;
  readonly owner: RouteOwner;
  current: CompiledRoute | undefined;
  staged: CompiledRoute | undefined;
}

/** One route of the table, as `HttpGateway.routes()` lists it. */
export interface RouteListing {
  readonly method: HttpMethod;
  readonly path: string;
  readonly plugin: string;
  /** `serving`; `pending` while its plugin starts or reloads; `unavailable` while it is stopped. */
  readonly state: 'serving' | 'pending' | 'unavailable';
  /** The middleware chain, outermost first, ending with `handler`. */
  readonly chain: readonly string[];
}

/** A route found for a request. */
export interface RouteMatch {
  readonly slot: RouteSlot;
  readonly params: Readonly<Record<string, string | undefined>>;
}

const noop = () => undefined;

/**
 * The gateway's dynamic route table: a find-my-way router of slots, behind Fastify catch-all routes, so
 * routes come and go with their plugins while the server keeps listening. find-my-way also detects
 * clashes Fastify would (same method and path shape, even with other parameter names); the table names
 * both owners when it refuses one.
 */
export class RouteTable {
  readonly #router = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 500 });
  readonly #owners = new Map<string, RouteOwner>();
  readonly #reserved: (method: HttpMethod, path: string) => boolean;

  /** @param reserved - true for a method and path Fastify serves itself (WebSocket, GraphQL endpoints). */
  constructor(reserved: (method: HttpMethod, path: string) => boolean) {
    this.#reserved = reserved;
  }

  /** The record of `name`, made on first use. */
  owner(name: string): RouteOwner {
    let owner = this.#owners.get(name);
    if (owner === undefined) {
      owner = new RouteOwner(name);
      this.#owners.set(name, owner);
    }
    return owner;
  }

  /** Every owner known to the table. */
  owners(): IterableIterator<RouteOwner> {
    return this.#owners.values();
  }

  /**
   * Adds a route for its owner: live at once while the owner serves, else staged until it does.
   * @throws TrellisError `E_ROUTE_CLASH` naming both owners when the method and path (shape) are taken.
   */
  add(owner: RouteOwner, route: CompiledRoute): void {
    const { method, path } = route.definition;
    if (this.#reserved(method, path))
      throw httpErrors.routeClash(method, path, owner.name, path, GATEWAY_OWNER);
    const found = this.#router.findRoute(method, path);
    const existing = found === null ? undefined : (found.store as RouteSlot);
    if (existing !== undefined && existing.path === path && existing.owner === owner) {
      // The owner's own slot from an earlier run (a reload or enable) takes the new handler.
      if (existing.staged !== undefined || (owner.phase === 'serving' && existing.current !== undefined))
        throw httpErrors.routeClash(method, path, owner.name, path, owner.name);
      this.#place(existing, route);
      return;
    }
    if (
      existing !== undefined &&
      existing.owner === owner &&
      existing.staged === undefined &&
      owner.phase !== 'serving'
    ) {
      // A tombstone of this owner with another shape of the path (a parameter renamed by the new version).
      this.#remove(existing);
    }
    const slot: RouteSlot = { method, path, owner, current: undefined, staged: undefined };
    try {
      this.#router.on(method, path, noop, slot);
    } catch (cause) {
      const clashing = this.#router.findRoute(method, path)?.store as RouteSlot | undefined;
      if (clashing === undefined)
        throw httpErrors.routeInvalid(
          owner.name,
          `Route ${method} ${path}`,
          'a valid path pattern',
          cause instanceof Error ? cause.message : cause,
        );
      throw httpErrors.routeClash(method, path, owner.name, clashing.path, clashing.owner.name);
    }
    owner.slots.add(slot);
    this.#place(slot, route);
  }

  /** The route answering `method` at `url` (a HEAD falls back to the GET route), with its parameters. */
  match(method: string, url: string): RouteMatch | undefined {
    let found = this.#router.find(method as HttpMethod, url);
    if (found === null && method === 'HEAD') found = this.#router.find('GET', url);
    return found === null ? undefined : { slot: found.store as RouteSlot, params: found.params };
  }

  /** The methods some route answers at `url` (for 405 answers). */
  allowedMethods(url: string): HttpMethod[] {
    return HTTP_METHODS.filter((method) => this.match(method, url) !== undefined);
  }

  /** Every slot, in no particular order. */
  *slots(): IterableIterator<RouteSlot> {
    for (const owner of this.#owners.values()) yield* owner.slots;
  }

  /** Every route with its owner, state and compiled middleware chain, sorted by path then method. */
  describe(): RouteListing[] {
    const listing: RouteListing[] = [];
    for (const slot of this.slots()) {
      const phase = slot.owner.phase;
      listing.push({
        method: slot.method,
        path: slot.path,
        plugin: slot.owner.name,
        state:
          phase === 'serving' && slot.current !== undefined
            ? 'serving'
            : phase === 'detached'
              ? 'unavailable'
              : 'pending',
        chain: (slot.current ?? slot.staged)?.chain ?? [],
      });
    }
    return listing.sort(
      (first, second) => first.path.localeCompare(second.path) || first.method.localeCompare(second.method),
    );
  }

  /**
   * Follows the host's announcement that `plugin` is now in `state`: running promotes its staged routes,
   * stopping makes new requests wait for the outcome, and any final state wakes the waiting requests.
   */
  pluginStateChanged(plugin: string, state: string): void {
    const owner = this.#owners.get(plugin);
    if (owner === undefined) return;
    owner.pluginState = state;
    if (state === 'running') {
      if (owner.phase === 'starting') this.promote(owner);
    } else if (state === 'stopping') {
      if (owner.phase === 'serving') owner.phase = 'draining';
    } else owner.wake();
  }

  /** A new run of `owner` begins (its setup is about to register routes). */
  beginRun(owner: RouteOwner): void {
    owner.phase = 'starting';
    for (const slot of owner.slots) slot.staged = undefined;
  }

  /**
   * `owner` starts serving: staged routes become current in one synchronous pass, and routes the new run
   * did not register again disappear. Waiting requests are woken.
   */
  promote(owner: RouteOwner): void {
    for (const slot of owner.slots) {
      if (slot.staged !== undefined) {
        slot.current = slot.staged;
        slot.staged = undefined;
      } else if (owner.phase !== 'serving') {
        this.#remove(slot);
      }
    }
    owner.phase = 'serving';
    owner.wake();
  }

  /** `owner` stopped: its routes become tombstones; waiting requests look again. */
  detach(owner: RouteOwner): void {
    owner.phase = 'detached';
    for (const slot of owner.slots) slot.staged = undefined;
    owner.wake();
  }

  /** Removes a route (a plugin's own, or one the gateway withdraws). */
  remove(slot: RouteSlot): void {
    this.#remove(slot);
  }

  #place(slot: RouteSlot, route: CompiledRoute): void {
    if (slot.owner.phase === 'serving') slot.current = route;
    else slot.staged = route;
  }

  #remove(slot: RouteSlot): void {
    this.#router.off(slot.method, slot.path);
    slot.owner.slots.delete(slot);
  }
}
