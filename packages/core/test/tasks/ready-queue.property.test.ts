import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../src/index.js';
import { ReadyQueue } from '../../src/tasks/ready-queue.js';

function job(index: number, priority: number, runAt: number): TaskRecord {
  return {
    id: `job-${index}`,
    kind: 'job',
    plugin: 'p',
    name: 'n',
    status: 'scheduled',
    payload: null,
    priority,
    attempts: 0,
    maxAttempts: 1,
    runAt,
    createdAt: 0,
  };
}

describe('ReadyQueue', () => {
  it('yields jobs by priority, then due time, then arrival, whatever was removed on the way', () => {
    const jobs = fc.array(fc.tuple(fc.integer({ min: -2, max: 2 }), fc.integer({ min: 0, max: 5 })), {
      maxLength: 60,
    });
    fc.assert(
      fc.property(jobs, fc.array(fc.nat(), { maxLength: 10 }), (specs, removals) => {
        const queue = new ReadyQueue();
        const records = specs.map(([priority, runAt], index) => job(index, priority, runAt));
        for (const record of records) queue.push(record);
        const removed = new Set<string>();
        for (const pick of removals) {
          const target = records[pick % Math.max(records.length, 1)];
          if (target !== undefined && !removed.has(target.id)) {
            expect(queue.remove(target.id)).toBe(true);
            removed.add(target.id);
          }
        }
        const expected = records
          .map((record, index) => ({ record, index }))
          .filter(({ record }) => !removed.has(record.id))
          .sort(
            (a, b) =>
              b.record.priority - a.record.priority || a.record.runAt - b.record.runAt || a.index - b.index,
          )
          .map(({ record }) => record.id);
        expect(queue.size).toBe(expected.length);
        const order: string[] = [];
        for (let record = queue.shift(); record !== undefined; record = queue.shift()) order.push(record.id);
        expect(order).toEqual(expected);
      }),
    );
  });
});
