import { describe, expect, it } from 'vitest';
import { RateLimiter, type RateLimitOptions } from '../../src/policies/rate-limiter.js';
import { ManualClock } from '../support/manual-clock.js';
import { thrown } from '../support/thrown.js';

function setup(options: RateLimitOptions) {
  const clock = new ManualClock();
  return { clock, limiter: new RateLimiter('search.query', options, clock) };
}

function takeMany(limiter: RateLimiter, caller: string, times: number): void {
  for (let take = 0; take < times; take += 1) limiter.take(caller);
}

describe('RateLimiter', () => {
  it('starts full, refuses the call after the burst with the exact wait, and refills continuously', async () => {
    const { limiter, clock } = setup({ limit: 10 });
    takeMany(limiter, 'alice', 10);
    const error = thrown(() => limiter.take('alice'));
    expect(error.code).toBe('E_RATE_LIMITED');
    expect(error.retryable).toBe(true);
    expect(error.details).toEqual({ capability: 'search.query', retryAfterMs: 100 });

    await clock.advance(99);
    expect(thrown(() => limiter.take('alice')).details.retryAfterMs).toBe(1);
    await clock.advance(1);
    limiter.take('alice');
    expect(thrown(() => limiter.take('alice')).details.retryAfterMs).toBe(100);
  });

  it('rounds a fractional wait up to the next whole ms', async () => {
    const { limiter, clock } = setup({ limit: 3, intervalMs: 1000, burst: 1 });
    limiter.take('alice');
    // One token takes 333.33 ms to come back.
    expect(thrown(() => limiter.take('alice')).details.retryAfterMs).toBe(334);
    await clock.advance(333);
    expect(thrown(() => limiter.take('alice')).details.retryAfterMs).toBe(1);
    await clock.advance(1);
    limiter.take('alice');
  });

  it('never holds more than burst tokens, however long it stays idle', async () => {
    const { limiter, clock } = setup({ limit: 10, burst: 3 });
    await clock.advance(60_000);
    takeMany(limiter, 'alice', 3);
    expect(thrown(() => limiter.take('alice')).details.retryAfterMs).toBe(100);
  });

  it('lets a burst larger than the rate through at once, then settles to the rate', async () => {
    const { limiter, clock } = setup({ limit: 2, intervalMs: 1000, burst: 5 });
    takeMany(limiter, 'alice', 5);
    expect(thrown(() => limiter.take('alice')).details.retryAfterMs).toBe(500);
    await clock.advance(1000);
    takeMany(limiter, 'alice', 2);
    expect(thrown(() => limiter.take('alice')).code).toBe('E_RATE_LIMITED');
  });

  it('honours intervalMs and fractional limits, with a burst of 1 by default below one token per interval', async () => {
    const { limiter, clock } = setup({ limit: 0.5, intervalMs: 1000 });
    limiter.take('alice');
    expect(thrown(() => limiter.take('alice')).details.retryAfterMs).toBe(2000);
    await clock.advance(2000);
    limiter.take('alice');

    const perMinute = setup({ limit: 6, intervalMs: 60_000 });
    takeMany(perMinute.limiter, 'alice', 6);
    expect(thrown(() => perMinute.limiter.take('alice')).details.retryAfterMs).toBe(10_000);
  });

  it('shares one bucket between callers by default and does not name the caller', () => {
    const { limiter } = setup({ limit: 2 });
    limiter.take('alice');
    limiter.take('bob');
    const error = thrown(() => limiter.take('carol'));
    expect(error.details).toEqual({ capability: 'search.query', retryAfterMs: 500 });
    expect(error.message).not.toContain('carol');
    expect(limiter.trackedCallers).toBe(0);
  });

  it('keeps callers apart with perCaller, naming the caller in the error', async () => {
    const { limiter, clock } = setup({ limit: 2, perCaller: true });
    takeMany(limiter, 'alice', 2);
    const error = thrown(() => limiter.take('alice'));
    expect(error.details).toEqual({ capability: 'search.query', caller: 'alice', retryAfterMs: 500 });
    expect(error.message).toContain("for caller 'alice'");
    takeMany(limiter, 'bob', 2);
    expect(thrown(() => limiter.take('bob')).details.caller).toBe('bob');
    await clock.advance(500);
    limiter.take('alice');
    limiter.take('bob');
  });

  it('a refused take costs nothing: waiting retryAfterMs is always enough', async () => {
    const { limiter, clock } = setup({ limit: 1, intervalMs: 100, burst: 1 });
    limiter.take('alice');
    for (let attempt = 0; attempt < 5; attempt += 1) thrown(() => limiter.take('alice'));
    expect(thrown(() => limiter.take('alice')).details.retryAfterMs).toBe(100);
    await clock.advance(100);
    limiter.take('alice');
  });

  it('bounds memory: past 10 000 callers, callers with full buckets are forgotten', async () => {
    const { limiter, clock } = setup({ limit: 1, intervalMs: 1000, burst: 2, perCaller: true });
    // Emptied, so its bucket must survive the sweep.
    limiter.take('heavy');
    limiter.take('heavy');
    for (let caller = 0; caller < 9_999; caller += 1) limiter.take(`caller-${caller}`);
    expect(limiter.trackedCallers).toBe(10_000);
    await clock.advance(1_000);
    // The 10 001st caller triggers the sweep: every bucket refilled in that second except 'heavy' (one token).
    limiter.take('newcomer');
    expect(limiter.trackedCallers).toBe(2);
    limiter.take('heavy');
    expect(thrown(() => limiter.take('heavy')).details.caller).toBe('heavy');
    // A forgotten caller comes back with a fresh, full bucket: exactly what it had.
    limiter.take('caller-0');
    limiter.take('caller-0');
    expect(thrown(() => limiter.take('caller-0')).code).toBe('E_RATE_LIMITED');
  });

  it('keeps every caller whose bucket is not full through a sweep', () => {
    const { limiter } = setup({ limit: 1, intervalMs: 1000, burst: 1, perCaller: true });
    for (let caller = 0; caller < 10_001; caller += 1) limiter.take(`caller-${caller}`);
    // No time passed: none of the buckets is full, so the sweep freed nothing.
    expect(limiter.trackedCallers).toBe(10_001);
    expect(thrown(() => limiter.take('caller-0')).details.caller).toBe('caller-0');
    for (let caller = 10_001; caller < 20_000; caller += 1) limiter.take(`caller-${caller}`);
    expect(limiter.trackedCallers).toBe(20_000);
  });

  it('refills nothing when the clock steps backwards, and counts no time twice', () => {
    let now = 10_000;
    const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
    const limiter = new RateLimiter('search.query', { limit: 1, intervalMs: 100, burst: 1 }, clock);
    limiter.take('alice');
    now = 9_000;
    expect(thrown(() => limiter.take('alice')).details.retryAfterMs).toBe(100);
    now = 10_050;
    expect(thrown(() => limiter.take('alice')).details.retryAfterMs).toBe(50);
  });

  const invalid: Array<[string, RateLimitOptions]> = [
    ['rateLimit.limit', { limit: 0 }],
    ['rateLimit.limit', { limit: -5 }],
    ['rateLimit.limit', { limit: Number.NaN }],
    ['rateLimit.limit', { limit: Number.POSITIVE_INFINITY }],
    ['rateLimit.intervalMs', { limit: 1, intervalMs: 0 }],
    ['rateLimit.burst', { limit: 1, burst: 0.5 }],
    ['rateLimit.perCaller', { limit: 1, perCaller: 'yes' as unknown as boolean }],
  ];
  for (const [argument, options] of invalid) {
    it(`rejects ${JSON.stringify(options)} naming ${argument}`, () => {
      const error = thrown(() => new RateLimiter('search.query', options, new ManualClock()));
      expect(error.code).toBe('E_INVALID_ARGUMENT');
      expect(error.details.argument).toBe(argument);
    });
  }
});
