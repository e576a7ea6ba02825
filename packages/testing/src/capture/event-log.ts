import { compileTopicPattern } from '@trellis/core';

/** An event the test host saw: what any subscriber would have received. */
export interface CapturedEvent<Payload = unknown> {
  readonly topic: string;
  /** Who emitted it: a plugin name, or `host`. */
  readonly source: string;
  readonly payload: Payload;
  /** The fake clock's time when it was emitted. */
  readonly time: number;
}

/** A filter on captured events, beyond their topic. */
export type EventPredicate<Payload = unknown> = (event: CapturedEvent<Payload>) => boolean;

/**
 * Every event emitted in a test host, in order: from plugins, from the host and the kernel's own
 * (`trellis.plugin.state`, `task.completed`, `trellis.subscriber.failed`...).
 */
export class EventLog {
  readonly #events: CapturedEvent[] = [];
  readonly #listeners = new Set<(event: CapturedEvent) => void>();
  /** Events forgotten by `clear()`, so that marks taken before it stay meaningful. */
  #cleared = 0;

  /** Every captured event, oldest first. The array grows as events arrive. */
  get all(): readonly CapturedEvent[] {
    return this.#events;
  }

  /** How many events were captured. */
  get length(): number {
    return this.#events.length;
  }

  [Symbol.iterator](): Iterator<CapturedEvent> {
    return this.#events[Symbol.iterator]();
  }

  /** The events whose topic matches `pattern` (`orders.*`, `task.**`) and, when given, `predicate`. */
  matching<Payload = unknown>(
    pattern: string,
    predicate?: EventPredicate<Payload>,
  ): CapturedEvent<Payload>[] {
    const compiled = compileTopicPattern(pattern);
    return (this.#events as CapturedEvent<Payload>[]).filter(
      (event) => compiled.matches(event.topic) && (predicate === undefined || predicate(event)),
    );
  }

  /** The topics of the events matching `pattern` (every event by default), in order. */
  topics(pattern = '**'): string[] {
    return this.matching(pattern).map((event) => event.topic);
  }

  /** The latest event matching `pattern` (any event by default). */
  last<Payload = unknown>(pattern = '**'): CapturedEvent<Payload> | undefined {
    return this.matching<Payload>(pattern).at(-1);
  }

  /** How many events were captured since the log began (cleared ones included): a mark for {@link EventLog.since}. */
  get mark(): number {
    return this.#cleared + this.#events.length;
  }

  /** The events captured after `mark` was taken (and not cleared since). */
  since(mark: number): CapturedEvent[] {
    return this.#events.slice(Math.max(0, mark - this.#cleared));
  }

  /** Forgets the events captured so far. */
  clear(): void {
    this.#cleared += this.#events.length;
    this.#events.length = 0;
  }

  /** Adds an event; the test host calls it for every event of its host. @internal */
  record(event: CapturedEvent): void {
    this.#events.push(event);
    for (const listener of [...this.#listeners]) listener(event);
  }

  /** Calls `listener` with each event recorded from now on; returns the function that stops it. @internal */
  listen(listener: (event: CapturedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
