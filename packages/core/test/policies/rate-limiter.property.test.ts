import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TrellisError } from '../../src/errors/trellis-error.js';
import { RateLimiter } from '../../src/policies/rate-limiter.js';
import { ManualClock } from '../support/manual-clock.js';

type Step =
  | { readonly kind: 'take'; readonly caller: string; readonly verifyWait: boolean }
  | { readonly kind: 'advance'; readonly ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('take' as const),
      caller: fc.constantFrom('alice', 'bob'),
      verifyWait: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 400 }) }),
  },
);

const options = fc.record({
  // Fractional limits and bursts included: the bound must hold beyond the integer case.
  limit: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0.1, max: 20, noNaN: true })),
  intervalMs: fc.constantFrom(1, 100, 250, 1000),
  burstExtra: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 0, max: 10 }),
    fc.double({ min: 0, max: 5, noNaN: true }),
  ),
  perCaller: fc.boolean(),
});

/** Takes once; returns the refusal's retryAfterMs, or undefined when the take passed. */
function attempt(limiter: RateLimiter, caller: string): number | undefined {
  try {
    limiter.take(caller);
    return undefined;
  } catch (error) {
    if (!TrellisError.is(error, 'E_RATE_LIMITED')) throw error;
    return error.details.retryAfterMs as number;
  }
}

describe('RateLimiter (property)', () => {
  it('never lets more than burst + limit * elapsed / intervalMs takes through in any window, and retryAfterMs is exact', async () => {
    await fc.assert(
      fc.asyncProperty(options, fc.array(step, { maxLength: 80 }), async (config, steps) => {
        const burst = Math.max(1, config.limit) + config.burstExtra;
        const clock = new ManualClock(0);
        const limiter = new RateLimiter(
          'search.query',
          { limit: config.limit, intervalMs: config.intervalMs, burst, perCaller: config.perCaller },
          clock,
        );
        // Success times per bucket: per caller, or all together for a shared bucket.
        const successes = new Map<string, number[]>();
        const record = (caller: string) => {
          const key = config.perCaller ? caller : 'shared';
          const times = successes.get(key) ?? [];
          times.push(clock.now());
          successes.set(key, times);
        };

        for (const current of steps) {
          if (current.kind === 'advance') {
            await clock.advance(current.ms);
            continue;
          }
          const retryAfterMs = attempt(limiter, current.caller);
          if (retryAfterMs === undefined) {
            record(current.caller);
            continue;
          }
          expect(retryAfterMs).toBeGreaterThanOrEqual(1);
          expect(Number.isInteger(retryAfterMs)).toBe(true);
          if (!current.verifyWait) continue;
          // One ms short of the promised wait is still refused; the promised wait is enough.
          if (retryAfterMs > 1) {
            await clock.advance(retryAfterMs - 1);
            expect(attempt(limiter, current.caller)).toBeDefined();
            await clock.advance(1);
          } else await clock.advance(retryAfterMs);
          expect(attempt(limiter, current.caller)).toBeUndefined();
          record(current.caller);
        }

        const ratePerMs = config.limit / config.intervalMs;
        for (const times of successes.values()) {
          for (let first = 0; first < times.length; first += 1) {
            for (let last = first; last < times.length; last += 1) {
              const allowed = burst + ratePerMs * (times[last]! - times[first]!);
              expect(last - first + 1).toBeLessThanOrEqual(allowed + 1e-9);
            }
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
