/**
 * tasks: the embedded job queue against BullMQ, and how punctually recurring tasks start.
 *
 * Throughput: JOBS jobs are enqueued one after the other (each enqueue awaited, so each is persisted
 * before the next) into a queue whose worker runs 8 at a time and does no work; the figure is jobs
 * per second from the first enqueue to the last completion. Trellis persists every change of every
 * job to a SQLite file in WAL mode (the `@trellis/store-sqlite` default); BullMQ keeps its jobs in
 * Redis (127.0.0.1:6379, or a `redis-server` this suite starts on a free port when none answers there).
 * A run fails unless every job completed exactly once.
 *
 * Precision: a task recurring every 50 ms runs RUNS times; lateness is when the handler started minus
 * when the run was due. BullMQ's job scheduler (its repeatable jobs) on the same interval is measured the same way.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { comparison, figure, formatMs, formatOps } from '../lib/format.mjs';
import { runIfMain } from '../lib/suite.mjs';

const JOBS = 5_000;
const CONCURRENCY = 8;
const INTERVAL_MS = 50;
const RUNS = 60;

/** `5.2k jobs/s`. */
function formatJobs(value) {
  return formatOps(value).replace('ops/s', 'jobs/s');
}

function percentile(values, fraction) {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

function lateness(samples) {
  return { latenessP50Ms: percentile(samples, 0.5), latenessP99Ms: percentile(samples, 0.99) };
}

/** A host whose `bench` plugin defines task `job`; `onRun` sees each run's task context. */
async function trellisHost(onRun) {
  const { createHost, definePlugin } = await import('../../packages/core/dist/index.js');
  const { SqliteStore } = await import('../../packages/store-sqlite/dist/index.js');
  const directory = await mkdtemp(join(tmpdir(), 'trellis-bench-'));
  let tasks;
  const plugin = definePlugin({
    name: 'bench',
    version: '1.0.0',
    setup(ctx) {
      tasks = ctx.tasks;
      ctx.tasks.define('job', (_payload, task) => onRun(task), { concurrency: CONCURRENCY });
    },
  });
  const host = createHost({
    plugins: [plugin],
    store: new SqliteStore({ path: join(directory, 'state.db') }),
    logger: { level: 'silent' },
  });
  await host.start();
  return {
    host,
    tasks,
    async close() {
      await host.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * Enqueues JOBS jobs one after the other and resolves with jobs per second once every one completed.
 * `world.onCompleted(listener)` must call `listener(jobId)` on each completion; a job completed twice or
 * not at all fails the run.
 */
async function measureQueue(world, enqueue) {
  const runs = new Map();
  let finish;
  const finished = new Promise((resolve) => {
    finish = resolve;
  });
  world.onCompleted((id) => {
    runs.set(id, (runs.get(id) ?? 0) + 1);
    if (runs.size === JOBS) finish();
  });
  const start = process.hrtime.bigint();
  for (let index = 0; index < JOBS; index++) await enqueue(index);
  await finished;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await world.close();
  if ([...runs.values()].some((count) => count !== 1)) throw new Error('a job completed more than once');
  return { jobsPerSecond: JOBS / seconds };
}

/** Resolves with the lateness percentiles once `world`'s recurring task recorded RUNS samples. */
async function measureRecurring(start) {
  const samples = [];
  let done;
  const finished = new Promise((resolve) => {
    done = resolve;
  });
  const record = (latenessMs) => {
    samples.push(latenessMs);
    if (samples.length === RUNS) done();
  };
  // The host's timers never hold a process open on their own (a service's server or CLI does that).
  const keepAlive = setInterval(() => undefined, 1_000);
  const stop = await start(record);
  await finished;
  clearInterval(keepAlive);
  await stop();
  return lateness(samples);
}

async function trellisThroughput() {
  const world = await trellisHost(() => undefined);
  return measureQueue(
    {
      onCompleted: (listener) => world.host.on('task.completed', (payload) => listener(payload.id)),
      close: world.close,
    },
    (index) => world.tasks.enqueue('job', { index }),
  );
}

function trellisPrecision() {
  return measureRecurring(async (record) => {
    const world = await trellisHost((task) => record(Date.now() - task.scheduledAt));
    await world.tasks.every(INTERVAL_MS, 'job');
    return world.close;
  });
}

/** A reachable Redis: the local one, or a fresh `redis-server` on a free port. */
async function redis() {
  const answers = await new Promise((resolve) => {
    const socket = net.connect(6379, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
  if (answers) return { connection: { host: '127.0.0.1', port: 6379 }, stop: async () => undefined };
  const port = await new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address();
      server.close(() => resolve(free));
    });
  });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
    stdio: 'ignore',
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  return {
    connection: { host: '127.0.0.1', port },
    stop: async () => {
      child.kill('SIGTERM');
    },
  };
}

async function bullmqWorld(processor) {
  const { Queue, Worker } = await import('bullmq');
  const server = await redis();
  const connection = { ...server.connection, maxRetriesPerRequest: null };
  const name = `trellis-bench-${process.pid}-${Date.now()}`;
  const queue = new Queue(name, { connection });
  const worker = new Worker(name, processor, { connection, concurrency: CONCURRENCY });
  await worker.waitUntilReady();
  return {
    queue,
    worker,
    async close() {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      await server.stop();
    },
  };
}

async function bullmqThroughput() {
  const world = await bullmqWorld(async () => undefined);
  return measureQueue(
    {
      onCompleted: (listener) => world.worker.on('completed', (job) => listener(job.id)),
      close: world.close,
    },
    (index) => world.queue.add('job', { index }),
  );
}

function bullmqPrecision() {
  return measureRecurring(async (record) => {
    // A scheduler's job is created `delay` ms ahead of the time it is due.
    const world = await bullmqWorld(async (job) =>
      record(Date.now() - (job.timestamp + (job.opts.delay ?? 0))),
    );
    await world.queue.upsertJobScheduler('beat', { every: INTERVAL_MS }, { name: 'job', data: {} });
    return async () => {
      await world.queue.removeJobScheduler('beat');
      await world.close();
    };
  });
}

export const suite = {
  name: 'tasks',
  title: 'Tasks',
  description: `${JOBS} jobs enqueued one by one (each awaited) and run ${CONCURRENCY} at a time, persisted (trellis: SQLite WAL file; BullMQ: Redis); then ${RUNS} runs of a task recurring every ${INTERVAL_MS} ms, lateness = handler start − due time.`,
  metrics: ['jobsPerSecond', 'latenessP50Ms', 'latenessP99Ms'],
  contestants: {
    'trellis-queue': trellisThroughput,
    'bullmq-queue': bullmqThroughput,
    'trellis-recurring': trellisPrecision,
    'bullmq-recurring': bullmqPrecision,
  },
  summarize(results) {
    const value = (contestant, key) => figure(results, contestant, key);
    const rows = [
      comparison({
        benchmark: 'jobs/s, enqueue → complete, persisted: trellis (SQLite) vs BullMQ (Redis)',
        trellis: value('trellis-queue', 'jobsPerSecond'),
        peer: value('bullmq-queue', 'jobsPerSecond'),
        format: formatJobs,
      }),
      comparison({
        benchmark: `recurring every ${INTERVAL_MS} ms, lateness p50: trellis vs BullMQ job scheduler`,
        trellis: value('trellis-recurring', 'latenessP50Ms'),
        peer: value('bullmq-recurring', 'latenessP50Ms'),
        format: formatMs,
      }),
      comparison({
        benchmark: `recurring every ${INTERVAL_MS} ms, lateness p99: trellis vs BullMQ job scheduler`,
        trellis: value('trellis-recurring', 'latenessP99Ms'),
        peer: value('bullmq-recurring', 'latenessP99Ms'),
        format: formatMs,
      }),
    ];
    const figures = [
      ['trellis queue', formatJobs(value('trellis-queue', 'jobsPerSecond'))],
      ['BullMQ queue', formatJobs(value('bullmq-queue', 'jobsPerSecond'))],
      [
        'trellis recurring lateness p50 / p99',
        `${formatMs(value('trellis-recurring', 'latenessP50Ms'))} / ${formatMs(value('trellis-recurring', 'latenessP99Ms'))}`,
      ],
      [
        'BullMQ recurring lateness p50 / p99',
        `${formatMs(value('bullmq-recurring', 'latenessP50Ms'))} / ${formatMs(value('bullmq-recurring', 'latenessP99Ms'))}`,
      ],
    ];
    return { rows, figures };
  },
};

await runIfMain(import.meta.url, suite);
