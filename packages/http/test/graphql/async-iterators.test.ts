import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PushIterator, StoppableIterator } from '../../src/graphql/async-iterators.js';

const overflow = () => new Error('overflow');

async function drain<T>(iterator: AsyncIterator<T>): Promise<{ values: T[]; error?: unknown }> {
  const values: T[] = [];
  for (;;) {
    try {
      const result = await iterator.next();
      if (result.done) return { values };
      values.push(result.value);
    } catch (error) {
      return { values, error };
    }
  }
}

describe('PushIterator', () => {
  it('yields pushed values in order, and fails after the queued ones once more than the limit wait', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 20 }),
        async (values, limit) => {
          let ended = 0;
          const iterator = new PushIterator<number>(limit, overflow, () => ended++);
          for (const value of values) iterator.push(value);
          if (values.length <= limit) {
            const received: number[] = [];
            for (const _ of values) received.push((await iterator.next()).value as number);
            expect(received).toEqual(values);
            expect(ended).toBe(0);
            await iterator.return();
            expect((await iterator.next()).done).toBe(true);
            expect(ended).toBe(1);
            return;
          }
          const { values: received, error } = await drain(iterator);
          expect(received).toEqual(values.slice(0, limit));
          expect(error).toEqual(overflow());
          expect(ended).toBe(1);
        },
      ),
    );
  });

  it('hands values straight to a waiting consumer, and a failure to it as a rejection', async () => {
    const iterator = new PushIterator<string>(1, overflow, () => {});
    const waiting = iterator.next();
    iterator.push('a');
    expect(await waiting).toEqual({ value: 'a', done: false });
    const failing = iterator.next();
    iterator.fail(new Error('filter broke'));
    await expect(failing).rejects.toThrow('filter broke');
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    iterator.push('ignored');
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('resolves a pending next() as done when returned, and rejects throw()', async () => {
    const iterator = new PushIterator<number>(5, overflow, () => {});
    const pending = iterator.next();
    await iterator.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    await expect(new PushIterator<number>(5, overflow, () => {}).throw(new Error('stop'))).rejects.toThrow(
      'stop',
    );
  });
});

describe('StoppableIterator', () => {
  it('ends a pending next() at once, even on a generator that never yields, and leaves the live set', async () => {
    const live = new Set<StoppableIterator<unknown>>();
    async function* silent(): AsyncGenerator<number> {
      await new Promise(() => {});
      yield 1;
    }
    const iterator = new StoppableIterator(silent(), live);
    expect(live.size).toBe(1);
    const pending = iterator.next();
    await iterator.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(live.size).toBe(0);
  });

  it('passes values through and leaves the live set when the source ends or fails', async () => {
    const live = new Set<StoppableIterator<unknown>>();
    async function* three() {
      yield* [1, 2, 3];
    }
    expect(await drain(new StoppableIterator(three(), live))).toEqual({ values: [1, 2, 3] });
    async function* broken() {
      yield 1;
      throw new Error('source broke');
    }
    const outcome = await drain(new StoppableIterator(broken(), live));
    expect(outcome.values).toEqual([1]);
    expect((outcome.error as Error).message).toBe('source broke');
    expect(live.size).toBe(0);
  });
});
