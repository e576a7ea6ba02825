import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Deadline, DeadlineScheduler } from '../../src/clock/deadline-scheduler.js';
import { ManualClock } from '../support/manual-clock.js';

type Operation =
  | { readonly kind: 'schedule'; readonly delay: number }
  | { readonly kind: 'cancel'; readonly pick: number }
  | { readonly kind: 'cancelRecent' }
  | { readonly kind: 'advance'; readonly by: number }
  | { readonly kind: 'clear' };

/** What the scheduler should have done with one deadline. */
interface ModelEntry {
  readonly at: number;
  cancelled: boolean;
  fired: boolean;
}

/** One firing as the scheduler reported it: which deadline, and the clock's time then. */
interface Firing {
  readonly index: number;
  readonly firedAt: number;
}

const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('schedule'), delay: fc.integer({ min: 0, max: 1_000 }) }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant('cancel'), pick: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('advance'), by: fc.integer({ min: 0, max: 500 }) }), weight: 3 },
  { arbitrary: fc.constant({ kind: 'clear' as const }), weight: 1 },
);

const settle: Operation = { kind: 'advance', by: 2_000 };

const liveCount = (model: readonly ModelEntry[]) =>
  model.filter((entry) => !entry.cancelled && !entry.fired).length;

/**
 * Runs `operations` on a scheduler and on a list of `{ at, cancelled, fired }`, checking after each step
 * that the scheduler fired exactly what the list says is due, each once, at its own time.
 */
async function check(operations: readonly Operation[], withClear: boolean): Promise<void> {
  const clock = new ManualClock();
  const scheduler = new DeadlineScheduler(clock);
  const model: ModelEntry[] = [];
  const handles: Deadline[] = [];
  const firings: Firing[] = [];

  // A last advance past every possible deadline, so that nothing is left unchecked.
  for (const step of [...operations, settle]) {
    const firingsBefore = firings.length;
    switch (step.kind) {
      case 'schedule': {
        const index = model.length;
        const at = clock.now() + step.delay;
        model.push({ at, cancelled: false, fired: false });
        handles.push(scheduler.schedule(at, () => firings.push({ index, firedAt: clock.now() })));
        break;
      }
      case 'cancel':
      case 'cancelRecent': {
        if (handles.length === 0) break;
        let index = step.kind === 'cancel' ? step.pick % handles.length : model.length - 1;
        // For 'cancelRecent', the latest live deadline if any: cancelling live ones drives compaction.
        if (step.kind === 'cancelRecent') {
          while (index > 0 && (model[index]!.cancelled || model[index]!.fired)) index -= 1;
        }
        const entry = model[index]!;
        if (!entry.fired) entry.cancelled = true;
        scheduler.cancel(handles[index]!);
        break;
      }
      case 'clear': {
        if (!withClear) break;
        for (const entry of model) if (!entry.fired) entry.cancelled = true;
        scheduler.clear();
        expect(clock.pending).toBe(0);
        break;
      }
      case 'advance': {
        await clock.advance(step.by);
        for (const firing of firings.slice(firingsBefore)) {
          const entry = model[firing.index]!;
          expect(entry.cancelled, `deadline ${firing.index} fired after being cancelled`).toBe(false);
          expect(entry.fired, `deadline ${firing.index} fired twice`).toBe(false);
          expect(firing.firedAt, `deadline ${firing.index} fired off time`).toBe(entry.at);
          entry.fired = true;
        }
        const now = clock.now();
        const missed = model.findIndex((entry) => !entry.cancelled && !entry.fired && entry.at <= now);
        expect(missed, 'a due deadline that was not cancelled did not fire').toBe(-1);
        break;
      }
    }
    if (step.kind !== 'advance') {
      expect(firings.length, 'a deadline fired outside a timer turn').toBe(firingsBefore);
    }
    expect(scheduler.size).toBe(liveCount(model));
  }

  expect(clock.pending).toBe(0);
  const firedTimes = firings.map((firing) => model[firing.index]!.at);
  expect(firedTimes).toEqual([...firedTimes].sort((first, second) => first - second));
  expect(new Set(firings.map((firing) => firing.index)).size).toBe(firings.length);
}

describe('DeadlineScheduler against a reference list', () => {
  it('fires exactly the due, uncancelled deadlines, each once, in deadline order, with size matching', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 80 }), (operations) => check(operations, false)),
      { numRuns: 300 },
    );
  });

  it('keeps that behaviour when clear() is mixed in', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 80 }), (operations) => check(operations, true)),
      { numRuns: 200 },
    );
  });

  it('keeps that behaviour across compactions (over a thousand deadlines, most cancelled)', async () => {
    // Many schedules and cancels between advances push the heap past the compaction threshold.
    const heavy = fc.array(
      fc.oneof(
        {
          arbitrary: fc.record({ kind: fc.constant('schedule'), delay: fc.integer({ min: 0, max: 1_000 }) }),
          weight: 10,
        },
        { arbitrary: fc.record({ kind: fc.constant('cancel'), pick: fc.nat() }), weight: 1 },
        { arbitrary: fc.constant({ kind: 'cancelRecent' as const }), weight: 9 },
        {
          arbitrary: fc.record({ kind: fc.constant('advance'), by: fc.integer({ min: 0, max: 5 }) }),
          weight: 1,
        },
      ) as fc.Arbitrary<Operation>,
      { minLength: 4_000, maxLength: 6_000 },
    );
    // Shrinking thousands of steps takes minutes; the small-run properties above give short counterexamples.
    await fc.assert(
      fc.asyncProperty(heavy, (operations) => check(operations, false)),
      { numRuns: 10, endOnFailure: true },
    );
  });
});
