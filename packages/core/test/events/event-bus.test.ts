import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus, type SubscriberFailure, type TrellisEvent } from '../../src/events/event-bus.js';
import { codeOf } from '../support/thrown.js';

function createBus(): { bus: EventBus; failures: SubscriberFailure[] } {
  const failures: SubscriberFailure[] = [];
  return { bus: new EventBus({ onSubscriberFailure: (failure) => failures.push(failure) }), failures };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('EventBus delivery', () => {
  it('delivers payload and event to matching wildcard subscriptions only, in subscription order', () => {
    const { bus } = createBus();
    const received: string[] = [];
    let seenEvent: TrellisEvent | undefined;
    let seenPayload: unknown;
    bus.subscribe('orders.*', (payload, event) => {
      received.push('one');
      seenPayload = payload;
      seenEvent = event;
    });
    bus.subscribe('orders.**', () => received.push('any'));
    bus.subscribe('orders.created', () => received.push('exact'));
    bus.subscribe('users.*', () => received.push('users'));
    bus.subscribe('**', () => received.push('all'));

    const before = Date.now();
    expect(bus.publish('orders.created', { id: 7 }, 'shop')).toBe(4);
    const after = Date.now();
    expect(received).toEqual(['one', 'any', 'exact', 'all']);
    expect(seenPayload).toEqual({ id: 7 });
    expect(seenEvent?.topic).toBe('orders.created');
    expect(seenEvent?.source).toBe('shop');
    expect(seenEvent?.time).toBeGreaterThanOrEqual(before);
    expect(seenEvent?.time).toBeLessThanOrEqual(after);

    received.length = 0;
    expect(bus.publish('orders', null, 'shop')).toBe(2);
    expect(received).toEqual(['any', 'all']);
  });

  it('returns 0 and calls nothing when no subscription matches', () => {
    const { bus } = createBus();
    const handler = vi.fn();
    bus.subscribe('users.*', handler);
    expect(bus.publish('orders.created', 1, 'host')).toBe(0);
    expect(handler).not.toHaveBeenCalled();
  });

  it('rejects an invalid topic or pattern with E_TOPIC_INVALID', () => {
    const { bus } = createBus();
    bus.subscribe('**', () => {});
    expect(codeOf(() => bus.publish('orders.*', 1, 'host'))).toBe('E_TOPIC_INVALID');
    expect(codeOf(() => bus.publish('orders.**', 1, 'host'))).toBe('E_TOPIC_INVALID');
    expect(codeOf(() => bus.publish('', 1, 'host'))).toBe('E_TOPIC_INVALID');
    expect(codeOf(() => bus.publish('a..b', 1, 'host'))).toBe('E_TOPIC_INVALID');
    expect(codeOf(() => bus.publish('a b', 1, 'host'))).toBe('E_TOPIC_INVALID');
    expect(codeOf(() => bus.subscribe('a.*b', () => {}))).toBe('E_TOPIC_INVALID');
    expect(codeOf(() => bus.hasSubscribers('a.*'))).toBe('E_TOPIC_INVALID');
    expect(bus.size).toBe(1);
  });

  it('keeps rejecting an invalid topic on repeated publishes (validity is not memoised as valid)', () => {
    const { bus } = createBus();
    expect(codeOf(() => bus.publish('a..b', 1, 'host'))).toBe('E_TOPIC_INVALID');
    expect(codeOf(() => bus.publish('a..b', 1, 'host'))).toBe('E_TOPIC_INVALID');
  });

  it('rejects a handler, filter, group or owner of the wrong kind with E_INVALID_ARGUMENT', () => {
    const { bus } = createBus();
    expect(codeOf(() => bus.subscribe('a', 'nope' as unknown as () => void))).toBe('E_INVALID_ARGUMENT');
    expect(codeOf(() => bus.subscribe('a', () => {}, { filter: 1 as unknown as () => boolean }))).toBe(
      'E_INVALID_ARGUMENT',
    );
    expect(codeOf(() => bus.subscribe('a', () => {}, { group: '' }))).toBe('E_INVALID_ARGUMENT');
    expect(codeOf(() => bus.subscribe('a', () => {}, { owner: '' }))).toBe('E_INVALID_ARGUMENT');
    expect(bus.size).toBe(0);
  });

  it('runs the handler only when the filter passes, with payload and event', () => {
    const { bus } = createBus();
    const received: number[] = [];
    const filter = vi.fn((payload: number, event: TrellisEvent) => payload > 10 && event.source === 'shop');
    bus.subscribe<number>('orders.*', (payload) => received.push(payload), { filter });
    expect(bus.publish('orders.created', 5, 'shop')).toBe(0);
    expect(bus.publish('orders.created', 50, 'shop')).toBe(1);
    expect(bus.publish('orders.created', 60, 'other')).toBe(0);
    expect(received).toEqual([50]);
    expect(filter).toHaveBeenCalledTimes(3);
    expect(filter.mock.calls[1]?.[1].topic).toBe('orders.created');
  });
});

describe('EventBus groups', () => {
  it('hands each event to exactly one member, in exact round robin', () => {
    const { bus } = createBus();
    const counts = [0, 0, 0];
    const sequence: number[] = [];
    for (let member = 0; member < 3; member++) {
      bus.subscribe(
        'jobs.*',
        () => {
          counts[member]!++;
          sequence.push(member);
        },
        { group: 'workers' },
      );
    }
    let invoked = 0;
    for (let index = 0; index < 300; index++) invoked += bus.publish('jobs.run', index, 'host');
    expect(invoked).toBe(300);
    expect(counts).toEqual([100, 100, 100]);
    expect(sequence.slice(0, 7)).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  it('delivers to ungrouped subscribers and to one member of each group', () => {
    const { bus } = createBus();
    const received: string[] = [];
    bus.subscribe('jobs.run', () => received.push('a1'), { group: 'a' });
    bus.subscribe('jobs.run', () => received.push('a2'), { group: 'a' });
    bus.subscribe('jobs.*', () => received.push('b1'), { group: 'b' });
    bus.subscribe('jobs.**', () => received.push('free'));
    expect(bus.publish('jobs.run', null, 'host')).toBe(3);
    expect(bus.publish('jobs.run', null, 'host')).toBe(3);
    expect(received).toEqual(['free', 'a1', 'b1', 'free', 'a2', 'b1']);
  });

  it('balances only among members whose pattern matches and whose filter passes', () => {
    const { bus } = createBus();
    const counts = { picky: 0, first: 0, second: 0, elsewhere: 0 };
    const sequence: string[] = [];
    const record = (name: keyof typeof counts) => () => {
      counts[name]++;
      sequence.push(name);
    };
    bus.subscribe<string>('n.*', record('picky'), { group: 'g', filter: (kind) => kind === 'x' });
    bus.subscribe('n.*', record('first'), { group: 'g' });
    bus.subscribe('n.*', record('second'), { group: 'g' });
    bus.subscribe('other', record('elsewhere'), { group: 'g' });
    for (let index = 0; index < 300; index++) expect(bus.publish('n.a', 'y', 'host')).toBe(1);
    expect(counts).toEqual({ picky: 0, first: 150, second: 150, elsewhere: 0 });
    for (let index = 0; index < 300; index++) expect(bus.publish('n.a', 'x', 'host')).toBe(1);
    expect(counts).toEqual({ picky: 100, first: 250, second: 250, elsewhere: 0 });
    expect(sequence.slice(298, 304)).toEqual(['first', 'second', 'picky', 'first', 'second', 'picky']);
  });

  it('keeps one turn per group name across topics whose matching members differ', () => {
    const { bus } = createBus();
    const sequence: string[] = [];
    bus.subscribe('t.*', () => sequence.push('A'), { group: 'g' });
    bus.subscribe('t.*', () => sequence.push('B'), { group: 'g' });
    bus.subscribe('t.b', () => sequence.push('C'), { group: 'g' });
    for (const topic of ['t.a', 't.b', 't.b', 't.a', 't.b', 't.b', 't.b']) bus.publish(topic, null, 'host');
    expect(sequence).toEqual(['A', 'B', 'C', 'A', 'B', 'C', 'A']);
  });

  it('delivers to nobody in the group when every member filter rejects, and counts 0', () => {
    const { bus } = createBus();
    const handler = vi.fn();
    bus.subscribe('t', handler, { group: 'g', filter: () => false });
    bus.subscribe('t', handler, { group: 'g', filter: () => false });
    expect(bus.publish('t', null, 'host')).toBe(0);
    expect(handler).not.toHaveBeenCalled();
  });

  it('keeps the turn across a cache invalidation instead of restarting at the first member', () => {
    const { bus } = createBus();
    const sequence: string[] = [];
    bus.subscribe('t', () => sequence.push('a'), { group: 'g' });
    bus.subscribe('t', () => sequence.push('b'), { group: 'g' });
    bus.publish('t', null, 'host');
    bus.subscribe('unrelated', () => {})();
    bus.publish('t', null, 'host');
    bus.publish('t', null, 'host');
    expect(sequence).toEqual(['a', 'b', 'a']);
  });

  it('skips a member that leaves, and a group that becomes empty delivers nothing', () => {
    const { bus } = createBus();
    const sequence: string[] = [];
    const leaveA = bus.subscribe('t', () => sequence.push('a'), { group: 'g' });
    const leaveB = bus.subscribe('t', () => sequence.push('b'), { group: 'g' });
    bus.publish('t', null, 'host');
    leaveB();
    bus.publish('t', null, 'host');
    bus.publish('t', null, 'host');
    leaveA();
    expect(bus.publish('t', null, 'host')).toBe(0);
    expect(sequence).toEqual(['a', 'a', 'a']);
  });
});

describe('EventBus failure isolation', () => {
  it('reports a handler that throws an Error, and the others still receive', () => {
    const { bus, failures } = createBus();
    const boom = new Error('boom');
    const after = vi.fn();
    bus.subscribe(
      'orders.*',
      () => {
        throw boom;
      },
      { owner: 'billing' },
    );
    bus.subscribe('orders.created', after);
    expect(bus.publish('orders.created', 1, 'shop')).toBe(2);
    expect(after).toHaveBeenCalledTimes(1);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      error: boom,
      owner: 'billing',
      pattern: 'orders.*',
      stage: 'handler',
    });
    expect(failures[0]?.event).toMatchObject({ topic: 'orders.created', source: 'shop' });
  });

  it('reports a handler that throws a string, with the default owner host', () => {
    const { bus, failures } = createBus();
    const after = vi.fn();
    bus.subscribe('a', () => {
      throw 'not an error';
    });
    bus.subscribe('a', after);
    expect(bus.publish('a', null, 'host')).toBe(2);
    expect(after).toHaveBeenCalledTimes(1);
    expect(failures).toEqual([
      expect.objectContaining({ error: 'not an error', owner: 'host', pattern: 'a' }),
    ]);
  });

  it('reports a rejected promise asynchronously, without affecting publish', async () => {
    const { bus, failures } = createBus();
    const reason = new Error('later');
    const after = vi.fn();
    bus.subscribe(
      'a.**',
      async () => {
        throw reason;
      },
      { owner: 'mailer' },
    );
    bus.subscribe('a.b', after);
    expect(bus.publish('a.b', null, 'host')).toBe(2);
    expect(after).toHaveBeenCalledTimes(1);
    expect(failures).toHaveLength(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(failures).toEqual([
      expect.objectContaining({ error: reason, owner: 'mailer', pattern: 'a.**', stage: 'handler' }),
    ]);
  });

  it('reports the rejection of a non-Promise thenable through its then method', () => {
    const { bus, failures } = createBus();
    bus.subscribe('a', () => ({
      // biome-ignore lint/suspicious/noThenProperty: a hand-made thenable is exactly what is under test
      then(_onFulfilled: unknown, onRejected: (reason: unknown) => void) {
        onRejected('custom rejection');
      },
    }));
    expect(bus.publish('a', null, 'host')).toBe(1);
    expect(failures).toEqual([expect.objectContaining({ error: 'custom rejection', stage: 'handler' })]);
  });

  it('reports nothing for a promise that resolves, and ignores a non-function then', async () => {
    const { bus, failures } = createBus();
    bus.subscribe('a', async () => 1);
    // biome-ignore lint/suspicious/noThenProperty: the bus must ignore a then that is not a function
    bus.subscribe('a', () => ({ then: 'not callable' }));
    expect(bus.publish('a', null, 'host')).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(failures).toEqual([]);
  });

  it('reports a throwing filter with stage filter, skips its handler and keeps delivering', () => {
    const { bus, failures } = createBus();
    const skipped = vi.fn();
    const after = vi.fn();
    const reason = new TypeError('bad filter');
    bus.subscribe('a', skipped, {
      owner: 'search',
      filter: () => {
        throw reason;
      },
    });
    bus.subscribe('a', after);
    expect(bus.publish('a', null, 'host')).toBe(1);
    expect(skipped).not.toHaveBeenCalled();
    expect(after).toHaveBeenCalledTimes(1);
    expect(failures).toEqual([
      expect.objectContaining({ error: reason, owner: 'search', pattern: 'a', stage: 'filter' }),
    ]);
  });

  it('moves on to the next group member when a member filter throws', () => {
    const { bus, failures } = createBus();
    const second = vi.fn();
    bus.subscribe('a', () => {}, {
      group: 'g',
      filter: () => {
        throw new Error('no');
      },
    });
    bus.subscribe('a', second, { group: 'g' });
    expect(bus.publish('a', null, 'host')).toBe(1);
    expect(second).toHaveBeenCalledTimes(1);
    expect(failures.map((failure) => failure.stage)).toEqual(['filter']);
  });

  it('survives an onSubscriberFailure hook that throws, turning it into a process warning', async () => {
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const bus = new EventBus({
      onSubscriberFailure: () => {
        throw new Error('hook broke');
      },
    });
    const after = vi.fn();
    bus.subscribe('a', () => {
      throw new Error('handler broke');
    });
    bus.subscribe('a', () => Promise.reject(new Error('async broke')));
    bus.subscribe('a', after);
    expect(bus.publish('a', null, 'host')).toBe(3);
    expect(after).toHaveBeenCalledTimes(1);
    expect(warning).toHaveBeenCalledTimes(1);
    expect(String(warning.mock.calls[0]?.[0])).toContain('hook broke');
    expect(String(warning.mock.calls[0]?.[0])).toContain('handler broke');
    await new Promise((resolve) => setImmediate(resolve));
    expect(warning).toHaveBeenCalledTimes(2);
    expect(String(warning.mock.calls[1]?.[0])).toContain('async broke');
  });

  it('does not let a failing process.emitWarning escape from publish', () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {
      throw new Error('warning broke');
    });
    const bus = new EventBus({
      onSubscriberFailure: () => {
        throw new Error('hook broke');
      },
    });
    bus.subscribe('a', () => {
      throw new Error('handler broke');
    });
    expect(bus.publish('a', null, 'host')).toBe(1);
  });

  it('requires onSubscriberFailure to be a function (E_INVALID_ARGUMENT)', () => {
    expect(codeOf(() => new EventBus({} as never))).toBe('E_INVALID_ARGUMENT');
  });
});

describe('EventBus subscription changes', () => {
  it('unsubscribe stops delivery and is idempotent', () => {
    const { bus } = createBus();
    const handler = vi.fn();
    const other = vi.fn();
    const unsubscribe = bus.subscribe('a', handler);
    bus.subscribe('a', other);
    expect(bus.size).toBe(2);
    unsubscribe();
    unsubscribe();
    expect(bus.size).toBe(1);
    expect(bus.publish('a', null, 'host')).toBe(1);
    expect(handler).not.toHaveBeenCalled();
    expect(other).toHaveBeenCalledTimes(1);
  });

  it('a subscription added during a publish receives the next event, not the current one', () => {
    const { bus } = createBus();
    const late = vi.fn();
    let added = false;
    bus.subscribe('a', () => {
      if (!added) {
        added = true;
        bus.subscribe('a', late);
      }
    });
    expect(bus.publish('a', 1, 'host')).toBe(1);
    expect(late).not.toHaveBeenCalled();
    expect(bus.publish('a', 2, 'host')).toBe(2);
    expect(late).toHaveBeenCalledWith(2, expect.objectContaining({ topic: 'a' }));
  });

  it('a subscription removed during a publish before it is reached does not receive it', () => {
    const { bus } = createBus();
    const removed = vi.fn();
    let unsubscribeLater = (): void => {};
    bus.subscribe('a', () => unsubscribeLater());
    unsubscribeLater = bus.subscribe('a', removed);
    expect(bus.publish('a', null, 'host')).toBe(1);
    expect(removed).not.toHaveBeenCalled();
  });

  it('a group member removed during a publish is skipped for that event', () => {
    const { bus } = createBus();
    const received: string[] = [];
    let leave = (): void => {};
    bus.subscribe('a', () => leave());
    leave = bus.subscribe('a', () => received.push('first'), { group: 'g' });
    bus.subscribe('a', () => received.push('second'), { group: 'g' });
    expect(bus.publish('a', null, 'host')).toBe(2);
    expect(received).toEqual(['second']);
  });

  it('a new subscription receives the next publish on a topic that was already published (cache invalidated)', () => {
    const { bus } = createBus();
    expect(bus.publish('orders.created', 1, 'host')).toBe(0);
    expect(bus.hasSubscribers('orders.created')).toBe(false);
    const handler = vi.fn();
    const unsubscribe = bus.subscribe('orders.**', handler);
    expect(bus.hasSubscribers('orders.created')).toBe(true);
    expect(bus.publish('orders.created', 2, 'host')).toBe(1);
    expect(handler).toHaveBeenCalledTimes(1);
    unsubscribe();
    expect(bus.hasSubscribers('orders.created')).toBe(false);
    expect(bus.publish('orders.created', 3, 'host')).toBe(0);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('keeps delivering correctly past the route cache bound', () => {
    const { bus } = createBus();
    const handler = vi.fn();
    bus.subscribe('t.*', handler);
    for (let index = 0; index < 10_050; index++) bus.publish(`t.${index}`, index, 'host');
    expect(bus.publish('t.0', 'again', 'host')).toBe(1);
    expect(handler).toHaveBeenCalledTimes(10_051);
  });

  it('removeOwner ends every subscription of that owner and returns how many', () => {
    const { bus } = createBus();
    const pluginHandler = vi.fn();
    const hostHandler = vi.fn();
    bus.subscribe('a', pluginHandler, { owner: 'plugin' });
    bus.subscribe('b.*', pluginHandler, { owner: 'plugin', group: 'g' });
    bus.subscribe('a', hostHandler);
    bus.publish('a', null, 'host');
    expect(bus.removeOwner('plugin')).toBe(2);
    expect(bus.removeOwner('plugin')).toBe(0);
    expect(bus.size).toBe(1);
    expect(bus.publish('a', null, 'host')).toBe(1);
    expect(bus.publish('b.x', null, 'host')).toBe(0);
    expect(pluginHandler).toHaveBeenCalledTimes(1);
    expect(hostHandler).toHaveBeenCalledTimes(2);
  });

  it('hasSubscribers reflects matching patterns regardless of filters', () => {
    const { bus } = createBus();
    bus.subscribe('a.*', () => {}, { filter: () => false });
    expect(bus.hasSubscribers('a.b')).toBe(true);
    expect(bus.hasSubscribers('a')).toBe(false);
    expect(bus.hasSubscribers('b.c')).toBe(false);
  });
});

describe('EventBus.deliverTo', () => {
  it('delivers the given event only to the matching subscriptions of that owner', () => {
    const { bus } = createBus();
    const received: string[] = [];
    let seenEvent: TrellisEvent | undefined;
    bus.subscribe(
      'orders.*',
      (_payload, event) => {
        received.push('lazy');
        seenEvent = event;
      },
      { owner: 'lazy' },
    );
    bus.subscribe('orders.created', () => received.push('lazy-filtered'), {
      owner: 'lazy',
      filter: () => false,
    });
    bus.subscribe('users.*', () => received.push('lazy-users'), { owner: 'lazy' });
    bus.subscribe('orders.*', () => received.push('other'), { owner: 'other' });
    const event: TrellisEvent = { topic: 'orders.created', source: 'shop', time: 123 };
    expect(bus.deliverTo('lazy', 'orders.created', { id: 1 }, event)).toBe(1);
    expect(received).toEqual(['lazy']);
    expect(seenEvent).toBe(event);
  });

  it('gives one of the owner’s members of a group the event, even when another owner holds the turn', () => {
    const { bus } = createBus();
    const received: string[] = [];
    bus.subscribe('t', () => received.push('other'), { owner: 'other', group: 'g' });
    bus.subscribe('t', () => received.push('lazy1'), { owner: 'lazy', group: 'g' });
    bus.subscribe('t', () => received.push('lazy2'), { owner: 'lazy', group: 'g' });
    const event: TrellisEvent = { topic: 't', source: 'host', time: 1 };
    expect(bus.deliverTo('lazy', 't', null, event)).toBe(1);
    expect(received).toEqual(['lazy1']);
  });

  it('isolates failures like publish', () => {
    const { bus, failures } = createBus();
    bus.subscribe(
      't',
      () => {
        throw 'bad';
      },
      { owner: 'lazy' },
    );
    expect(bus.deliverTo('lazy', 't', null, { topic: 't', source: 'host', time: 1 })).toBe(1);
    expect(failures).toEqual([expect.objectContaining({ error: 'bad', owner: 'lazy', stage: 'handler' })]);
  });

  it('returns 0 for an owner without matching subscriptions', () => {
    const { bus } = createBus();
    bus.subscribe('t', () => {}, { owner: 'a' });
    expect(bus.deliverTo('b', 't', null, { topic: 't', source: 'host', time: 1 })).toBe(0);
  });
});
