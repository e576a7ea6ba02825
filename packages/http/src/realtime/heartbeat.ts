import type { WebSocket } from 'ws';

/**
 * Keeps WebSocket peers honest: every interval each socket is pinged, and one that did not answer the
 * previous ping with a pong is handed to `onDead` (which terminates it) instead of lingering as a
 * half-open TCP connection that buffers forever. One timer serves every socket, and it only runs while
 * there are sockets to watch.
 */
export class Heartbeat {
  readonly #intervalMs: number;
  readonly #onDead: (socket: WebSocket) => void;
  /** Each socket, and whether it answered since the last ping. */
  readonly #answered = new Map<WebSocket, boolean>();
  #timer: NodeJS.Timeout | undefined;

  /** `intervalMs` 0 turns the heartbeat off. */
  constructor(intervalMs: number, onDead: (socket: WebSocket) => void) {
    this.#intervalMs = intervalMs;
    this.#onDead = onDead;
  }

  /** Starts watching `socket`; it counts as alive until it misses a pong. */
  watch(socket: WebSocket): void {
    if (this.#intervalMs === 0) return;
    this.#answered.set(socket, true);
    socket.on('pong', () => {
      if (this.#answered.has(socket)) this.#answered.set(socket, true);
    });
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#beat(), this.#intervalMs);
      // Open sockets keep the process alive on their own; the timer must not do it after they are gone.
      this.#timer.unref();
    }
  }

  /** Stops watching `socket` (it closed). */
  forget(socket: WebSocket): void {
    this.#answered.delete(socket);
    if (this.#answered.size === 0) this.stop();
  }

  /** Stops the timer and forgets every socket. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#answered.clear();
  }

  #beat(): void {
    const dead: WebSocket[] = [];
    for (const [socket, answered] of this.#answered) {
      if (!answered) {
        dead.push(socket);
        continue;
      }
      this.#answered.set(socket, false);
      socket.ping();
    }
    for (const socket of dead) {
      this.forget(socket);
      this.#onDead(socket);
    }
  }
}
