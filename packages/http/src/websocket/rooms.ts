import { errors, type Logger } from '@trellis/core';
import type { Connection } from './connection.js';
import { encodeMessage, guard } from './message.js';
import type { BroadcastOptions, Room, RoomListener, WebSocketConnection } from './websocket-types.js';

const MAX_ROOM_NAME_LENGTH = 256;

interface RoomState {
  /** Members in the order they joined (a Set keeps insertion order). */
  readonly members: Set<Connection>;
  readonly join: Set<RoomListener>;
  readonly leave: Set<RoomListener>;
}

/**
 * The rooms of one plugin. A room's state exists while it has members or listeners, so an idle chat
 * does not keep one entry per room ever used; handles look the state up by name, so a handle taken
 * while the room was empty still reaches the members that join later.
 */
export class RoomRegistry {
  readonly #rooms = new Map<string, RoomState>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** A handle on the room named `name`. */
  room(name: string): Room {
    assertRoomName(name);
    return new RoomHandle(this, name);
  }

  /** Handles on the rooms that have members. */
  rooms(): Room[] {
    return [...this.#rooms]
      .filter(([, state]) => state.members.size > 0)
      .map(([name]) => new RoomHandle(this, name));
  }

  /** Adds a member (the connection keeps its own list of rooms) and tells the room's `join` listeners. */
  add(name: string, connection: Connection): void {
    const state = this.#ensure(name);
    state.members.add(connection);
    this.#announce(state.join, connection, name);
  }

  /** Removes a member and tells the room's `leave` listeners. */
  remove(name: string, connection: Connection): void {
    const state = this.#rooms.get(name);
    if (state === undefined || !state.members.delete(connection)) return;
    this.#announce(state.leave, connection, name);
    this.#dropIfUnused(name, state);
  }

  members(name: string): Connection[] {
    return [...(this.#rooms.get(name)?.members ?? [])];
  }

  size(name: string): number {
    return this.#rooms.get(name)?.members.size ?? 0;
  }

  has(name: string, connection: WebSocketConnection): boolean {
    return this.#rooms.get(name)?.members.has(connection as Connection) ?? false;
  }

  /** Sends to the members, encoding once; the list is copied since a slow member leaves while it is walked. */
  broadcast(name: string, data: unknown, options: BroadcastOptions = {}): number {
    const state = this.#rooms.get(name);
    if (state === undefined || state.members.size === 0) return 0;
    return deliverToAll(state.members, data, options);
  }

  listen(name: string, event: 'join' | 'leave', listener: RoomListener): () => void {
    if (event !== 'join' && event !== 'leave') {
      throw errors.invalidArgument('A room event', "'join' or 'leave'", event);
    }
    if (typeof listener !== 'function')
      throw errors.invalidArgument(`A '${event}' listener`, 'a function', listener);
    const state = this.#ensure(name);
    state[event].add(listener);
    return () => {
      const current = this.#rooms.get(name);
      if (current === undefined) return;
      current[event].delete(listener);
      this.#dropIfUnused(name, current);
    };
  }

  #ensure(name: string): RoomState {
    let state = this.#rooms.get(name);
    if (state === undefined) {
      state = { members: new Set(), join: new Set(), leave: new Set() };
      this.#rooms.set(name, state);
    }
    return state;
  }

  #dropIfUnused(name: string, state: RoomState): void {
    if (state.members.size === 0 && state.join.size === 0 && state.leave.size === 0) this.#rooms.delete(name);
  }

  #announce(listeners: Set<RoomListener>, connection: Connection, name: string): void {
    if (listeners.size === 0) return;
    const room = new RoomHandle(this, name);
    for (const listener of [...listeners]) {
      guard(
        () => listener(connection, room),
        (error) => this.#logger.error({ err: error, room: name }, 'a room presence listener failed'),
      );
    }
  }
}

/**
 * Sends `data` to each open connection of `connections` but `options.except`, encoded once; returns how
 * many it was sent to.
 */
export function deliverToAll(
  connections: Iterable<Connection>,
  data: unknown,
  options: BroadcastOptions = {},
): number {
  const message = encodeMessage(data);
  let delivered = 0;
  for (const connection of [...connections]) {
    if (connection === options.except) continue;
    if (connection.deliver(message)) delivered++;
  }
  return delivered;
}

class RoomHandle implements Room {
  readonly name: string;
  readonly #registry: RoomRegistry;

  constructor(registry: RoomRegistry, name: string) {
    this.#registry = registry;
    this.name = name;
  }

  get size(): number {
    return this.#registry.size(this.name);
  }

  members(): WebSocketConnection[] {
    return this.#registry.members(this.name);
  }

  has(connection: WebSocketConnection): boolean {
    return this.#registry.has(this.name, connection);
  }

  broadcast(data: unknown, options?: BroadcastOptions): number {
    return this.#registry.broadcast(this.name, data, options);
  }

  on(event: 'join' | 'leave', listener: RoomListener): () => void {
    return this.#registry.listen(this.name, event, listener);
  }
}

/**
 * @throws TrellisError `E_INVALID_ARGUMENT` unless `name` is a non-empty string of reasonable length.
 */
export function assertRoomName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '' || name.length > MAX_ROOM_NAME_LENGTH) {
    throw errors.invalidArgument(
      'A room name',
      `a non-empty string of at most ${MAX_ROOM_NAME_LENGTH} characters`,
      name,
    );
  }
}
