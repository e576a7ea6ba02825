import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TrellisError } from '../../src/errors/trellis-error.js';
import { Bulkhead } from '../../src/policies/bulkhead.js';
import { flushPromises, ManualClock } from '../support/manual-clock.js';

type Command =
  | { readonly kind: 'enter'; readonly waitMs: number | undefined; readonly abortable: boolean }
  | { readonly kind: 'leave'; readonly pick: number }
  | { readonly kind: 'abandon'; readonly pick: number }
  | { readonly kind: 'advance'; readonly ms: number };

/** What the model says happened to one request. */
type Expected = 'holding' | 'left' | 'waiting' | 'full' | 'timed-out' | 'aborted';

interface Request {
  readonly id: number;
  expected: Expected;
  /** When the model says it times out, if it has a wait limit. */
  readonly deadline: number | undefined;
  readonly controller: AbortController | undefined;
  actual: 'pending' | 'granted' | 'rejected';
  reason?: unknown;
}

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('enter' as const),
      waitMs: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
      abortable: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('leave' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('abandon' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 30 }) }),
  },
);

const abortReason = new Error('caller gave up');

function expectedOutcome(request: Request): { status: string; code?: string } {
  switch (request.expected) {
    case 'holding':
    case 'left':
      return { status: 'granted' };
    case 'waiting':
      return { status: 'pending' };
    case 'full':
      return { status: 'rejected', code: 'E_BULKHEAD_FULL' };
    case 'timed-out':
      return { status: 'rejected', code: 'E_TIMEOUT' };
    case 'aborted':
      return { status: 'rejected', code: 'aborted' };
  }
}

function actualOutcome(request: Request): { status: string; code?: string } {
  if (request.actual !== 'rejected') return { status: request.actual };
  if (request.reason === abortReason) return { status: 'rejected', code: 'aborted' };
  return { status: 'rejected', code: request.reason instanceof TrellisError ? request.reason.code : 'other' };
}

describe('Bulkhead (property)', () => {
  it('matches a FIFO model: no slot lost or granted twice, limits never exceeded', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(command, { maxLength: 60 }),
        async (maxConcurrent, maxQueue, commands) => {
          const clock = new ManualClock(0);
          const bulkhead = new Bulkhead('reports.render', { maxConcurrent, maxQueue }, clock);
          const requests: Request[] = [];
          const holders: Request[] = [];
          const queue: Request[] = [];
          const grantOrder: number[] = [];
          const expectedGrantOrder: number[] = [];

          for (const step of commands) {
            if (step.kind === 'enter') {
              const controller = step.abortable ? new AbortController() : undefined;
              const deadline = step.waitMs === undefined ? undefined : clock.now() + step.waitMs;
              const request: Request = {
                id: requests.length,
                expected: 'waiting',
                deadline,
                controller,
                actual: 'pending',
              };
              requests.push(request);
              if (bulkhead.tryEnter()) request.actual = 'granted';
              else {
                bulkhead.enqueue(step.waitMs, controller?.signal).then(
                  () => {
                    request.actual = 'granted';
                    grantOrder.push(request.id);
                  },
                  (reason: unknown) => {
                    request.actual = 'rejected';
                    request.reason = reason;
                  },
                );
              }
              if (holders.length < maxConcurrent) {
                request.expected = 'holding';
                holders.push(request);
              } else if (step.waitMs === 0) request.expected = 'timed-out';
              else if (queue.length >= maxQueue) request.expected = 'full';
              else queue.push(request);
            } else if (step.kind === 'leave') {
              if (holders.length === 0) continue;
              const [leaving] = holders.splice(step.pick % holders.length, 1);
              leaving!.expected = 'left';
              bulkhead.leave();
              const next = queue.shift();
              if (next !== undefined) {
                next.expected = 'holding';
                holders.push(next);
                expectedGrantOrder.push(next.id);
              }
            } else if (step.kind === 'abandon') {
              const abortable = queue.filter((request) => request.controller !== undefined);
              if (abortable.length === 0) continue;
              const target = abortable[step.pick % abortable.length]!;
              queue.splice(queue.indexOf(target), 1);
              target.expected = 'aborted';
              target.controller!.abort(abortReason);
            } else {
              await clock.advance(step.ms);
              for (let index = queue.length - 1; index >= 0; index -= 1) {
                const request = queue[index]!;
                if (request.deadline !== undefined && request.deadline <= clock.now()) {
                  request.expected = 'timed-out';
                  queue.splice(index, 1);
                }
              }
            }
            await flushPromises();

            expect(bulkhead.active).toBeLessThanOrEqual(maxConcurrent);
            expect(bulkhead.queued).toBeLessThanOrEqual(maxQueue);
            expect(bulkhead.active).toBe(holders.length);
            expect(bulkhead.queued).toBe(queue.length);
            expect(requests.map(actualOutcome)).toEqual(requests.map(expectedOutcome));
            expect(grantOrder).toEqual(expectedGrantOrder);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
