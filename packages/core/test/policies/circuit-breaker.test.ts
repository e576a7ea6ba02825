import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
} from '../../src/policies/circuit-breaker.js';
import { ManualClock } from '../support/manual-clock.js';
import { thrown } from '../support/thrown.js';

function setup(options: CircuitBreakerOptions = {}) {
  const clock = new ManualClock();
  const transitions: string[] = [];
  const breaker = new CircuitBreaker('users.get', options, clock, (from: CircuitState, to: CircuitState) => {
    transitions.push(`${from}->${to}`);
  });
  return { clock, breaker, transitions };
}

function fail(breaker: CircuitBreaker, times: number): void {
  for (let attempt = 0; attempt < times; attempt += 1) {
    breaker.acquire();
    breaker.recordFailure();
  }
}

function succeed(breaker: CircuitBreaker, times: number): void {
  for (let attempt = 0; attempt < times; attempt += 1) {
    breaker.acquire();
    breaker.recordSuccess();
  }
}

describe('CircuitBreaker, consecutive mode', () => {
  it('opens after threshold failures in a row and refuses calls with the time left open', async () => {
    const { breaker, clock, transitions } = setup({ threshold: 3, openMs: 5_000 });
    fail(breaker, 2);
    expect(breaker.state).toBe('closed');
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(transitions).toEqual(['closed->open']);

    const error = thrown(() => breaker.acquire());
    expect(error.code).toBe('E_CIRCUIT_OPEN');
    expect(error.details).toEqual({ capability: 'users.get', retryAfterMs: 5_000 });
    expect(error.retryable).toBe(true);

    await clock.advance(1_234);
    expect(thrown(() => breaker.acquire()).details.retryAfterMs).toBe(3_766);
  });

  it('a success resets the run of failures', () => {
    const { breaker } = setup({ threshold: 3 });
    fail(breaker, 2);
    succeed(breaker, 1);
    fail(breaker, 2);
    expect(breaker.state).toBe('closed');
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('ignored outcomes neither count as failures nor break the run', () => {
    const { breaker } = setup({ threshold: 2 });
    fail(breaker, 1);
    breaker.acquire();
    breaker.recordIgnored();
    expect(breaker.state).toBe('closed');
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('uses a threshold of 5 and 10 s open by default', async () => {
    const { breaker, clock } = setup();
    fail(breaker, 4);
    expect(breaker.state).toBe('closed');
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
    await clock.advance(9_999);
    expect(breaker.state).toBe('open');
    await clock.advance(1);
    expect(breaker.state).toBe('half-open');
  });
});

describe('CircuitBreaker, recovery', () => {
  it('goes open -> half-open lazily when state is read after openMs, without a timer', async () => {
    const { breaker, clock, transitions } = setup({ threshold: 1, openMs: 1_000 });
    fail(breaker, 1);
    expect(clock.pending).toBe(0);
    await clock.advance(1_000);
    expect(transitions).toEqual(['closed->open']);
    expect(breaker.state).toBe('half-open');
    expect(breaker.state).toBe('half-open');
    expect(transitions).toEqual(['closed->open', 'open->half-open']);
  });

  it('goes open -> half-open lazily on acquire and admits that call as a probe', async () => {
    const { breaker, clock, transitions } = setup({ threshold: 1, openMs: 1_000 });
    fail(breaker, 1);
    await clock.advance(1_000);
    breaker.acquire();
    expect(transitions).toEqual(['closed->open', 'open->half-open']);
    const error = thrown(() => breaker.acquire());
    expect(error.code).toBe('E_CIRCUIT_OPEN');
    expect(error.details.retryAfterMs).toBe(0);
  });

  it('closes after a successful probe: the full closed -> open -> half-open -> closed cycle', async () => {
    const { breaker, clock, transitions } = setup({ threshold: 2, openMs: 1_000 });
    fail(breaker, 2);
    await clock.advance(1_000);
    succeed(breaker, 1);
    expect(breaker.state).toBe('closed');
    expect(transitions).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
    // Closed again from a clean slate: one failure is not enough to reopen.
    fail(breaker, 1);
    expect(breaker.state).toBe('closed');
  });

  it('reopens on a failed probe and starts openMs again', async () => {
    const { breaker, clock, transitions } = setup({ threshold: 1, openMs: 1_000 });
    fail(breaker, 1);
    await clock.advance(1_500);
    breaker.acquire();
    await clock.advance(200);
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(transitions).toEqual(['closed->open', 'open->half-open', 'half-open->open']);
    expect(thrown(() => breaker.acquire()).details.retryAfterMs).toBe(1_000);
    await clock.advance(999);
    expect(breaker.state).toBe('open');
    await clock.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('needs successThreshold successful probes in a row to close', async () => {
    const { breaker, clock, transitions } = setup({ threshold: 1, openMs: 100, successThreshold: 3 });
    fail(breaker, 1);
    await clock.advance(100);
    succeed(breaker, 2);
    expect(breaker.state).toBe('half-open');
    succeed(breaker, 1);
    expect(breaker.state).toBe('closed');
    expect(transitions).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('a failed probe after some successes reopens, and the count of successes starts over', async () => {
    const { breaker, clock } = setup({ threshold: 1, openMs: 100, successThreshold: 2 });
    fail(breaker, 1);
    await clock.advance(100);
    succeed(breaker, 1);
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
    await clock.advance(100);
    succeed(breaker, 1);
    expect(breaker.state).toBe('half-open');
    succeed(breaker, 1);
    expect(breaker.state).toBe('closed');
  });

  it('admits at most halfOpenProbes probes at the same time', async () => {
    const { breaker, clock } = setup({ threshold: 1, openMs: 100, halfOpenProbes: 2, successThreshold: 3 });
    fail(breaker, 1);
    await clock.advance(100);
    breaker.acquire();
    breaker.acquire();
    expect(thrown(() => breaker.acquire()).details.retryAfterMs).toBe(0);
    breaker.recordSuccess();
    breaker.acquire();
    expect(thrown(() => breaker.acquire()).code).toBe('E_CIRCUIT_OPEN');
    breaker.recordSuccess();
    expect(breaker.state).toBe('half-open');
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
  });

  it('recordIgnored frees a probe slot and changes nothing else', async () => {
    const { breaker, clock, transitions } = setup({ threshold: 1, openMs: 100, successThreshold: 2 });
    fail(breaker, 1);
    await clock.advance(100);
    succeed(breaker, 1);
    breaker.acquire();
    expect(thrown(() => breaker.acquire()).code).toBe('E_CIRCUIT_OPEN');
    breaker.recordIgnored();
    expect(breaker.state).toBe('half-open');
    // The slot is free again, and the earlier success still counts towards successThreshold.
    breaker.acquire();
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    expect(transitions).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });
});

describe('CircuitBreaker, late outcomes', () => {
  it('a late success while open does not close it, and a late failure does not extend openMs', async () => {
    const { breaker, clock, transitions } = setup({ threshold: 2, openMs: 1_000 });
    breaker.acquire();
    breaker.acquire();
    fail(breaker, 2);
    expect(breaker.state).toBe('open');
    await clock.advance(600);
    breaker.recordSuccess();
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(thrown(() => breaker.acquire()).details.retryAfterMs).toBe(400);
    expect(transitions).toEqual(['closed->open']);
  });

  it('outcomes beyond the probes admitted while half-open are not counted', async () => {
    const { breaker, clock } = setup({ threshold: 1, openMs: 100, successThreshold: 2 });
    fail(breaker, 1);
    await clock.advance(100);
    expect(breaker.state).toBe('half-open');
    // No probe was admitted yet: these come from calls admitted before the circuit opened.
    breaker.recordSuccess();
    breaker.recordSuccess();
    breaker.recordFailure();
    expect(breaker.state).toBe('half-open');
    breaker.acquire();
    expect(thrown(() => breaker.acquire()).code).toBe('E_CIRCUIT_OPEN');
  });

  it('with tickets, an outcome from an earlier state is dropped even while probes are in flight', async () => {
    const { breaker, clock, transitions } = setup({ threshold: 1, openMs: 100 });
    const lateTicket = breaker.acquire();
    fail(breaker, 1);
    await clock.advance(100);
    const probeTicket = breaker.acquire();
    breaker.recordFailure(lateTicket);
    breaker.recordSuccess(lateTicket);
    expect(breaker.state).toBe('half-open');
    expect(thrown(() => breaker.acquire()).code).toBe('E_CIRCUIT_OPEN');
    breaker.recordSuccess(probeTicket);
    expect(breaker.state).toBe('closed');
    // Still stale after the breaker closed again.
    breaker.recordFailure(lateTicket);
    breaker.recordFailure(probeTicket);
    expect(breaker.state).toBe('closed');
    expect(transitions).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('tickets from the current state count normally', () => {
    const { breaker } = setup({ threshold: 2 });
    breaker.recordFailure(breaker.acquire());
    breaker.recordFailure(breaker.acquire());
    expect(breaker.state).toBe('open');
  });
});

describe('CircuitBreaker, sampling mode', () => {
  const sampling = { mode: 'sampling', failureRate: 0.5, windowMs: 10_000, minimumCalls: 4 } as const;

  it('opens when the failure rate reaches failureRate with at least minimumCalls in the window', () => {
    const { breaker, transitions } = setup(sampling);
    succeed(breaker, 2);
    fail(breaker, 1);
    expect(breaker.state).toBe('closed');
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(transitions).toEqual(['closed->open']);
  });

  it('stays closed below minimumCalls even when every call fails', () => {
    const { breaker } = setup(sampling);
    fail(breaker, 3);
    expect(breaker.state).toBe('closed');
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('stays closed while the failure rate is under failureRate', () => {
    const { breaker } = setup({ ...sampling, failureRate: 0.6 });
    succeed(breaker, 5);
    fail(breaker, 7);
    expect(breaker.state).toBe('closed');
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('a success that brings the window up to minimumCalls opens it when the rate is already high', () => {
    const { breaker } = setup(sampling);
    fail(breaker, 3);
    succeed(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('ignored outcomes are not counted in the window', () => {
    const { breaker } = setup(sampling);
    fail(breaker, 3);
    for (let call = 0; call < 5; call += 1) {
      breaker.acquire();
      breaker.recordIgnored();
    }
    expect(breaker.state).toBe('closed');
  });

  it('old failures fall out of the window as buckets rotate', async () => {
    const { breaker, clock } = setup(sampling);
    fail(breaker, 3);
    // Nine tenths of the window later, the failures are still in it.
    await clock.advance(9_000);
    fail(breaker, 1);
    expect(breaker.state).toBe('open');

    const second = setup(sampling);
    fail(second.breaker, 3);
    // A whole window later they are gone: three more failures are below minimumCalls again.
    await second.clock.advance(10_000);
    fail(second.breaker, 3);
    expect(second.breaker.state).toBe('closed');
    fail(second.breaker, 1);
    expect(second.breaker.state).toBe('open');
  });

  it('rotates bucket by bucket, dropping only the buckets that left the window', async () => {
    const { breaker, clock } = setup({ ...sampling, minimumCalls: 6 });
    fail(breaker, 2); // bucket 0
    await clock.advance(5_000);
    succeed(breaker, 3); // bucket 5
    await clock.advance(5_000);
    // Bucket 0 left the window: 3 successes + these 2 failures is 5 calls, below minimumCalls.
    fail(breaker, 2);
    expect(breaker.state).toBe('closed');
    // 6 calls, 3 failures: exactly the 0.5 rate.
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('closing clears the window', async () => {
    const { breaker, clock } = setup({ ...sampling, openMs: 100 });
    fail(breaker, 4);
    await clock.advance(100);
    succeed(breaker, 1);
    expect(breaker.state).toBe('closed');
    fail(breaker, 3);
    expect(breaker.state).toBe('closed');
  });

  it('uses a 0.5 rate, 10 calls and 10 s by default', async () => {
    const { breaker, clock } = setup({ mode: 'sampling' });
    succeed(breaker, 5);
    fail(breaker, 4);
    expect(breaker.state).toBe('closed');
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
    await clock.advance(10_000);
    expect(breaker.state).toBe('half-open');
  });
});

describe('CircuitBreaker, options', () => {
  const clock = new ManualClock();
  const invalid: Array<[string, CircuitBreakerOptions]> = [
    ['circuitBreaker.mode', { mode: 'rolling' as 'sampling' }],
    ['circuitBreaker.threshold', { threshold: 0 }],
    ['circuitBreaker.threshold', { threshold: 2.5 }],
    ['circuitBreaker.failureRate', { failureRate: 0 }],
    ['circuitBreaker.failureRate', { failureRate: 1.5 }],
    ['circuitBreaker.failureRate', { failureRate: Number.NaN }],
    ['circuitBreaker.windowMs', { windowMs: -1 }],
    ['circuitBreaker.windowMs', { windowMs: Number.POSITIVE_INFINITY }],
    ['circuitBreaker.minimumCalls', { minimumCalls: 0 }],
    ['circuitBreaker.openMs', { openMs: 0 }],
    ['circuitBreaker.halfOpenProbes', { halfOpenProbes: 1.5 }],
    ['circuitBreaker.successThreshold', { successThreshold: -2 }],
  ];

  for (const [argument, options] of invalid) {
    it(`rejects ${JSON.stringify(options)} naming ${argument}`, () => {
      const error = thrown(() => new CircuitBreaker('users.get', options, clock));
      expect(error.code).toBe('E_INVALID_ARGUMENT');
      expect(error.details.argument).toBe(argument);
    });
  }

  it('accepts a failure rate of exactly 1, which opens only when every call in the window failed', () => {
    const breaker = new CircuitBreaker(
      'users.get',
      { mode: 'sampling', failureRate: 1, minimumCalls: 2 },
      clock,
    );
    succeed(breaker, 1);
    fail(breaker, 5);
    expect(breaker.state).toBe('closed');
    const allFailing = new CircuitBreaker(
      'users.get',
      { mode: 'sampling', failureRate: 1, minimumCalls: 2 },
      clock,
    );
    fail(allFailing, 2);
    expect(allFailing.state).toBe('open');
  });
});
