import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TrellisError } from '../../src/errors/trellis-error.js';
import { CircuitBreaker, type CircuitState } from '../../src/policies/circuit-breaker.js';
import { ManualClock } from '../support/manual-clock.js';

type Outcome = 'success' | 'failure' | 'ignored';
type Step =
  | { readonly kind: 'acquire' }
  | { readonly kind: 'finish'; readonly pick: number; readonly outcome: Outcome }
  | { readonly kind: 'advance'; readonly ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('acquire' as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('finish' as const),
      pick: fc.nat(),
      outcome: fc.constantFrom<Outcome>('success', 'failure', 'failure', 'ignored'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 80 }) }),
  },
);

const ALLOWED = new Set(['closed->open', 'open->half-open', 'half-open->closed', 'half-open->open']);

/** An attempt admitted and not yet finished. */
interface Attempt {
  readonly ticket: number;
  /** Which stretch of one state admitted it (bumped on every model transition). */
  readonly period: number;
}

/** Acquires; returns the ticket, or the refusal's retryAfterMs. */
function tryAcquire(breaker: CircuitBreaker): { ticket: number } | { retryAfterMs: number } {
  try {
    return { ticket: breaker.acquire() };
  } catch (error) {
    if (!TrellisError.is(error, 'E_CIRCUIT_OPEN')) throw error;
    return { retryAfterMs: error.details.retryAfterMs as number };
  }
}

describe('CircuitBreaker (property)', () => {
  it('agrees with a reference model of consecutive mode when outcomes carry tickets', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          threshold: fc.integer({ min: 1, max: 4 }),
          openMs: fc.integer({ min: 1, max: 200 }),
          halfOpenProbes: fc.integer({ min: 1, max: 3 }),
          successThreshold: fc.integer({ min: 1, max: 3 }),
        }),
        fc.array(step, { maxLength: 80 }),
        async (options, steps) => {
          const clock = new ManualClock(0);
          const transitions: string[] = [];
          const breaker = new CircuitBreaker('users.get', options, clock, (from, to) =>
            transitions.push(`${from}->${to}`),
          );
          // The model.
          let state = 'closed' as CircuitState;
          let period = 0;
          let openUntil = 0;
          let failuresInRow = 0;
          let probesOut = 0;
          let probeSuccesses = 0;
          const expectedTransitions: string[] = [];
          const moveTo = (to: CircuitState) => {
            expectedTransitions.push(`${state}->${to}`);
            state = to;
            period += 1;
            probesOut = 0;
            probeSuccesses = 0;
            failuresInRow = 0;
            if (to === 'open') openUntil = clock.now() + options.openMs;
          };
          const outstanding: Attempt[] = [];

          for (const current of steps) {
            if (current.kind === 'advance') {
              await clock.advance(current.ms);
            } else if (current.kind === 'acquire') {
              if (state === 'open' && clock.now() >= openUntil) moveTo('half-open');
              const result = tryAcquire(breaker);
              if (state === 'open') {
                expect(result).toEqual({ retryAfterMs: openUntil - clock.now() });
              } else if (state === 'half-open' && probesOut >= options.halfOpenProbes) {
                expect(result).toEqual({ retryAfterMs: 0 });
              } else {
                expect(result).toHaveProperty('ticket');
                if (state === 'half-open') probesOut += 1;
                outstanding.push({ ticket: (result as { ticket: number }).ticket, period });
              }
            } else if (outstanding.length > 0) {
              const [attempt] = outstanding.splice(current.pick % outstanding.length, 1);
              const { ticket, period: admittedIn } = attempt!;
              if (current.outcome === 'success') breaker.recordSuccess(ticket);
              else if (current.outcome === 'failure') breaker.recordFailure(ticket);
              else breaker.recordIgnored(ticket);
              // Outcomes of attempts admitted under an earlier state must change nothing.
              if (admittedIn === period && current.outcome !== 'ignored') {
                if (state === 'closed') {
                  failuresInRow = current.outcome === 'failure' ? failuresInRow + 1 : 0;
                  if (failuresInRow >= options.threshold) moveTo('open');
                } else if (state === 'half-open') {
                  probesOut -= 1;
                  if (current.outcome === 'failure') moveTo('open');
                  else {
                    probeSuccesses += 1;
                    if (probeSuccesses >= options.successThreshold) moveTo('closed');
                  }
                }
              } else if (admittedIn === period && state === 'half-open') probesOut -= 1;
            }

            expect(transitions).toEqual(expectedTransitions);
            expect(probesOut).toBeLessThanOrEqual(options.halfOpenProbes);
          }
          if (state === 'open' && clock.now() >= openUntil) moveTo('half-open');
          expect(breaker.state).toBe(state);
          expect(transitions).toEqual(expectedTransitions);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('without tickets, reports only allowed transitions, one per change, and never closes while open', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('consecutive' as const, 'sampling' as const),
        fc.array(step, { maxLength: 80 }),
        async (mode, steps) => {
          const clock = new ManualClock(0);
          const transitions: string[] = [];
          const breaker = new CircuitBreaker(
            'users.get',
            { mode, threshold: 2, minimumCalls: 3, windowMs: 100, openMs: 50, halfOpenProbes: 2 },
            clock,
            (from, to) => transitions.push(`${from}->${to}`),
          );
          let admitted = 0;
          for (const current of steps) {
            const before = transitions.length;
            if (current.kind === 'advance') await clock.advance(current.ms);
            else if (current.kind === 'acquire') {
              if ('ticket' in tryAcquire(breaker)) admitted += 1;
            } else if (admitted > 0) {
              admitted -= 1;
              const wasOpen = breaker.state === 'open';
              if (current.outcome === 'success') breaker.recordSuccess();
              else if (current.outcome === 'failure') breaker.recordFailure();
              else breaker.recordIgnored();
              if (wasOpen) expect(transitions.length).toBe(before);
            }
            expect(transitions.length - before).toBeLessThanOrEqual(1);
          }
          const finalState = breaker.state;
          let previous: CircuitState = 'closed';
          for (const transition of transitions) {
            expect(ALLOWED.has(transition)).toBe(true);
            const [from, to] = transition.split('->') as [CircuitState, CircuitState];
            expect(from).toBe(previous);
            previous = to;
          }
          expect(finalState).toBe(previous);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
