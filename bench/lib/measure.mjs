/**
 * Measurement primitives shared by every suite, so that all contestants of a comparison go through the
 * exact same loop. tinybench is not used for per-call throughput: at millions of operations per second its
 * per-iteration bookkeeping costs as much as the operation being measured.
 */

/** The middle value of `values` (the mean of the two middle ones for an even count). */
export function median(values) {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs a full collection when the process was started with `--expose-gc`, so rounds start from a clean heap. */
export function collectGarbage() {
  globalThis.gc?.();
}

/**
 * Measures how many sequential awaited operations per second `operation` sustains. After `warmup`
 * iterations (which also let the optimizing compiler settle), the round size is calibrated so that a
 * round lasts about `roundMs`, then `rounds` rounds are timed with `process.hrtime.bigint()` and the
 * median is reported. Each iteration awaits the previous one: this is the latency-bound throughput a
 * caller doing `await x()` in a loop sees, not a pipelined figure.
 */
export async function measureThroughput(operation, { warmup = 200_000, rounds = 7, roundMs = 300 } = {}) {
  for (let index = 0; index < warmup; index++) await operation();
  // Calibrated on the warm tail of the warm-up, since its start runs unoptimized code.
  const calibration = Math.max(1, warmup >> 3);
  const calibrationStart = process.hrtime.bigint();
  for (let index = 0; index < calibration; index++) await operation();
  const nsPerOperation = Number(process.hrtime.bigint() - calibrationStart) / calibration;
  const iterations = Math.max(20_000, Math.round((roundMs * 1e6) / nsPerOperation / 10_000) * 10_000);
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    collectGarbage();
    const start = process.hrtime.bigint();
    for (let index = 0; index < iterations; index++) await operation();
    const elapsedNs = Number(process.hrtime.bigint() - start);
    samples.push((iterations * 1e9) / elapsedNs);
  }
  return { opsPerSecond: median(samples), iterations, samples: samples.map(Math.round) };
}

/**
 * Times `run` (which resolves once what it measures is done) `repetitions` times after `warmup`
 * discarded runs and reports the median in ms. `prepare` (untimed) makes each run's fresh input, which
 * `run` receives; `cleanup` (untimed) receives what `run` resolved with, to stop hosts between repetitions.
 */
export async function measureDuration(run, { warmup = 1, repetitions = 7, cleanup, prepare } = {}) {
  const samples = [];
  let first;
  for (let index = 0; index < warmup + repetitions; index++) {
    const input = await prepare?.();
    collectGarbage();
    const start = performance.now();
    const outcome = await run(input);
    const elapsedMs = performance.now() - start;
    await cleanup?.(outcome);
    if (index === 0) first = elapsedMs;
    if (index >= warmup) samples.push(elapsedMs);
  }
  return {
    ms: median(samples),
    firstMs: first,
    samples: samples.map((sample) => Math.round(sample * 100) / 100),
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resident set size and heap in use, in MB, after two full collections separated by a settle period so
 * that start-up garbage and lazily freed pages are gone. Needs `--expose-gc` to be meaningful.
 */
export async function settledMemory(settleMs = 500) {
  collectGarbage();
  await sleep(settleMs);
  collectGarbage();
  await sleep(50);
  const usage = process.memoryUsage();
  const megabyte = 1024 * 1024;
  return {
    rssMb: usage.rss / megabyte,
    heapUsedMb: usage.heapUsed / megabyte,
    gcExposed: typeof globalThis.gc === 'function',
  };
}

/**
 * A small deterministic PRNG (mulberry32): the same seed gives the same dependency graph on every run, so
 * boots are comparable between runs and machines.
 */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}
