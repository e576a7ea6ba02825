import { describe, expect, it } from 'vitest';
import { type PluginContext, type TaskContext, TrellisError } from '../../src/index.js';
import { deferred } from '../support/host-fixtures.js';
import { rejectionOf } from '../support/thrown.js';
import { taskWorld, workerPlugin } from './task-support.js';

describe('jobs', () => {
  it('runs an enqueued job, keeps its result and timings, and emits started then completed', async () => {
    const world = taskWorld();
    let tasks!: PluginContext['tasks'];
    await world.start([
      workerPlugin((ctx) => {
        tasks = ctx.tasks;
        ctx.tasks.define('greet', (payload: { name: string }) => ({ greeting: `hello ${payload.name}` }));
      }),
    ]);
    const job = await tasks.enqueue('greet', { name: 'ada' });
    expect(job.status).toBe('scheduled');
    const finished = await tasks.wait(job.id);
    expect(finished).toMatchObject({
      status: 'completed',
      attempts: 1,
      result: { greeting: 'hello ada' },
      payload: { name: 'ada' },
    });
    expect(finished.startedAt).toBeTypeOf('number');
    expect(finished.finishedAt).toBeGreaterThanOrEqual(finished.startedAt ?? Number.NaN);
    expect(world.events.map((event) => event.topic)).toEqual(['task.started', 'task.completed']);
    expect(world.events[1]?.payload).toMatchObject({ id: job.id, plugin: 'worker', name: 'greet' });
    expect(await tasks.get(job.id)).toMatchObject({ status: 'completed' });
  });

  it('runs `after` jobs only once their delay has passed, and `at` jobs at their time', async () => {
    const world = taskWorld();
    const ran: number[] = [];
    let tasks!: PluginContext['tasks'];
    await world.start([
      workerPlugin((ctx) => {
        tasks = ctx.tasks;
        ctx.tasks.define('tick', () => {
          ran.push(world.clock.now());
        });
      }),
    ]);
    const start = world.clock.now();
    await tasks.after(5_000, 'tick');
    await tasks.at(new Date(start + 60_000), 'tick');
    await world.clock.advance(4_999);
    expect(ran).toEqual([]);
    await world.clock.advance(1);
    expect(ran).toEqual([start + 5_000]);
    await world.clock.advance(60_000);
    expect(ran).toEqual([start + 5_000, start + 60_000]);
  });

  it('retries a failing job with exponential backoff, then completes it', async () => {
    const world = taskWorld();
    const attempts: Array<{ attempt: number; at: number }> = [];
    let tasks!: PluginContext['tasks'];
    await world.start([
      workerPlugin((ctx) => {
        tasks = ctx.tasks;
        ctx.tasks.define(
          'flaky',
          (_payload, task: TaskContext) => {
            attempts.push({ attempt: task.attempt, at: world.clock.now() });
            if (task.attempt < 3)
              throw new TrellisError('E_UPSTREAM_DOWN', 'upstream down', { retryable: true });
            return 'ok';
          },
          { retries: 3, backoff: { initial: 1_000, factor: 2 } },
        );
      }),
    ]);
    const job = await tasks.enqueue('flaky');
    await world.clock.advance(10_000);
    const finished = await tasks.get(job.id);
    expect(finished).toMatchObject({ status: 'completed', attempts: 3, result: 'ok' });
    expect(finished?.error).toBeUndefined();
    const start = attempts[0]?.at ?? Number.NaN;
    // random() is 0 in these hosts, so the waits are exactly the backoff: 1 s, then 2 s.
    expect(attempts.map((entry) => entry.at - start)).toEqual([0, 1_000, 3_000]);
    expect(world.events.filter((event) => event.topic === 'task.retrying')).toHaveLength(2);
  });

  it('marks a job failed once its retries are spent, wrapping a thrown non-error in E_TASK_FAILED', async () => {
    const world = taskWorld();
    let tasks!: PluginContext['tasks'];
    await world.start([
      workerPlugin((ctx) => {
        tasks = ctx.tasks;
        ctx.tasks.define(
          'broken',
          () => {
            throw 'a plain string';
          },
          { retries: 1, backoff: { initial: 10 } },
        );
      }),
    ]);
    const job = await tasks.enqueue('broken');
    await world.clock.advance(1_000);
    const finished = await tasks.get(job.id);
    expect(finished).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'E_TASK_FAILED' } });
    expect(world.events.at(-1)).toMatchObject({ topic: 'task.failed', payload: { id: job.id } });
  });

  it('abandons an attempt past its timeout with E_TIMEOUT and aborts its signal', async () => {
    const world = taskWorld();
    let tasks!: PluginContext['tasks'];
    let signal: AbortSignal | undefined;
    await world.start([
      workerPlugin((ctx) => {
        tasks = ctx.tasks;
        ctx.tasks.define(
          'slow',
          (_payload, task: TaskContext) => {
            signal = task.signal;
            return new Promise(() => undefined);
          },
          { timeout: 500 },
        );
      }),
    ]);
    const job = await tasks.enqueue('slow');
    await world.clock.advance(500);
    expect(await tasks.get(job.id)).toMatchObject({ status: 'failed', error: { code: 'E_TIMEOUT' } });
    expect(signal?.aborted).toBe(true);
  });

  it('runs at most `concurrency` jobs of a name at once, higher priority first', async () => {
    const world = taskWorld();
    let tasks!: PluginContext['tasks'];
    const gates = new Map<string, ReturnType<typeof deferred<void>>>();
    const started: string[] = [];
    await world.start([
      workerPlugin((ctx) => {
        tasks = ctx.tasks;
        ctx.tasks.define(
          'work',
          async (payload: { label: string }) => {
            started.push(payload.label);
            const gate = deferred<void>();
            gates.set(payload.label, gate);
            await gate.promise;
          },
          { concurrency: 2 },
        );
      }),
    ]);
    await tasks.enqueue('work', { label: 'a' });
    await tasks.enqueue('work', { label: 'b' });
    await tasks.enqueue('work', { label: 'low' }, { priority: 1 });
    await tasks.enqueue('work', { label: 'high' }, { priority: 9 });
    await world.clock.advance(0);
    expect(started).toEqual(['a', 'b']);
    gates.get('a')?.resolve();
    await world.clock.advance(0);
    expect(started).toEqual(['a', 'b', 'high']);
    gates.get('b')?.resolve();
    await world.clock.advance(0);
    expect(started).toEqual(['a', 'b', 'high', 'low']);
    for (const gate of gates.values()) gate.resolve();
  });

  it('returns the existing task for a repeated idempotency key instead of adding one', async () => {
    const world = taskWorld();
    let tasks!: PluginContext['tasks'];
    const keys: Array<string | undefined> = [];
    await world.start([
      workerPlugin((ctx) => {
        tasks = ctx.tasks;
        ctx.tasks.define('charge', (_payload, task: TaskContext) => {
          keys.push(task.idempotencyKey);
        });
      }),
    ]);
    const [first, concurrent] = await Promise.all([
      tasks.enqueue('charge', { cents: 100 }, { idempotencyKey: 'order-7' }),
      tasks.enqueue('charge', { cents: 100 }, { idempotencyKey: 'order-7' }),
    ]);
    expect(concurrent?.id).toBe(first?.id);
    await world.clock.advance(0);
    const later = await tasks.enqueue('charge', { cents: 100 }, { idempotencyKey: 'order-7' });
    expect(later.id).toBe(first?.id);
    expect(later.status).toBe('completed');
    expect(keys).toEqual(['order-7']);
  });

  it('persists progress and emits task.progress', async () => {
    const world = taskWorld();
    let tasks!: PluginContext['tasks'];
    await world.start([
      workerPlugin((ctx) => {
        tasks = ctx.tasks;
        ctx.tasks.define('import', async (_payload, task: TaskContext) => {
          await task.progress({ done: 1, total: 2 });
          await task.progress({ done: 2, total: 2 });
        });
      }),
    ]);
    const job = await tasks.enqueue('import');
    const finished = await tasks.wait(job.id);
    expect(finished.progress).toEqual({ done: 2, total: 2 });
    expect(
      world.events.filter((event) => event.topic === 'task.progress').map((event) => event.payload.progress),
    ).toEqual([
      { done: 1, total: 2 },
      { done: 2, total: 2 },
    ]);
  });

  it('cancels a waiting job, and a running one by aborting its signal', async () => {
    const world = taskWorld();
    let tasks!: PluginContext['tasks'];
    let runningSignal: AbortSignal | undefined;
    await world.start([
      workerPlugin((ctx) => {
        tasks = ctx.tasks;
        ctx.tasks.define('long', (_payload, task: TaskContext) => {
          runningSignal = task.signal;
          return new Promise((_resolve, reject) =>
            task.signal.addEventListener('abort', () => reject(task.signal.reason)),
          );
        });
      }),
    ]);
    const later = await tasks.after(60_000, 'long');
    expect(await tasks.cancel(later.id)).toMatchObject({ status: 'cancelled' });
    const running = await tasks.enqueue('long');
    await world.clock.advance(0);
    expect(runningSignal?.aborted).toBe(false);
    const cancelled = await tasks.cancel(running.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', error: { code: 'E_TASK_CANCELLED' } });
    expect(runningSignal?.aborted).toBe(true);
    await world.clock.advance(120_000);
    expect(await tasks.get(later.id)).toMatchObject({ status: 'cancelled' });
    expect(await tasks.get(running.id)).toMatchObject({ status: 'cancelled' });
  });

  it('lists tasks newest first with filters, and only the plugin’s own', async () => {
    const world = taskWorld();
    let mine!: PluginContext['tasks'];
    let theirs!: PluginContext['tasks'];
    await world.start([
      workerPlugin((ctx) => {
        mine = ctx.tasks;
        ctx.tasks.define('a', () => undefined);
        ctx.tasks.define('b', () => undefined);
      }),
      workerPlugin((ctx) => {
        theirs = ctx.tasks;
        ctx.tasks.define('a', () => undefined);
      }, 'other'),
    ]);
    const first = await mine.enqueue('a');
    await world.clock.advance(10);
    const second = await mine.after(1_000, 'b');
    const foreign = await theirs.enqueue('a');
    await world.clock.advance(0);
    expect((await mine.list()).map((task) => task.id)).toEqual([second.id, first.id]);
    expect((await mine.list({ status: 'scheduled' })).map((task) => task.id)).toEqual([second.id]);
    expect((await mine.list({ name: 'a' })).map((task) => task.id)).toEqual([first.id]);
    expect(await mine.get(foreign.id)).toBeUndefined();
    expect((await rejectionOf(mine.cancel(foreign.id))).code).toBe('E_TASK_NOT_FOUND');
  });

  it('refuses bad input with clear errors and stores nothing', async () => {
    const world = taskWorld();
    let tasks!: PluginContext['tasks'];
    await world.start([
      workerPlugin((ctx) => {
        tasks = ctx.tasks;
        ctx.tasks.define('known', () => undefined);
      }),
    ]);
    expect((await rejectionOf(tasks.enqueue('unknown'))).code).toBe('E_TASK_UNKNOWN');
    expect((await rejectionOf(tasks.enqueue('known', { when: new Date() }))).code).toBe('E_VALUE_NOT_JSON');
    expect((await rejectionOf(tasks.enqueue('known', { run: () => 1 }))).message).toContain("at 'run'");
    expect((await rejectionOf(tasks.enqueue('known', 'x'.repeat(300_000)))).code).toBe('E_VALUE_TOO_LARGE');
    expect((await rejectionOf(tasks.at(world.clock.now() - 1, 'known'))).code).toBe('E_SCHEDULE_INVALID');
    expect((await rejectionOf(tasks.after(-5, 'known'))).code).toBe('E_SCHEDULE_INVALID');
    expect((await rejectionOf(tasks.enqueue('known', null, { retries: -1 }))).code).toBe(
      'E_INVALID_ARGUMENT',
    );
    expect((await rejectionOf(tasks.enqueue('known', null, { idempotencyKey: '' }))).code).toBe(
      'E_INVALID_ARGUMENT',
    );
    expect((await rejectionOf(tasks.wait('no-such-id'))).code).toBe('E_TASK_NOT_FOUND');
    expect(() => tasks.define('known', () => undefined)).toThrow(
      expect.objectContaining({ code: 'E_TASK_DUPLICATE' }),
    );
    expect(() => tasks.define('', () => undefined)).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
    expect(() => tasks.define('x', () => undefined, { concurrency: 0 })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
    expect(await world.store.queryTasks({})).toEqual([]);
  });

  it('rejects a result that is not JSON as a failure of the run', async () => {
    const world = taskWorld();
    let tasks!: PluginContext['tasks'];
    await world.start([
      workerPlugin((ctx) => {
        tasks = ctx.tasks;
        ctx.tasks.define('leaky', () => new Map([[1, 2]]));
      }),
    ]);
    const job = await tasks.enqueue('leaky');
    expect(await tasks.wait(job.id)).toMatchObject({ status: 'failed', error: { code: 'E_VALUE_NOT_JSON' } });
  });

  it('validates payloads against the definition’s schema when they are enqueued', async () => {
    const { z } = await import('zod');
    const world = taskWorld();
    let tasks!: PluginContext['tasks'];
    await world.start([
      workerPlugin((ctx) => {
        tasks = ctx.tasks;
        ctx.tasks.define('mail', (payload: { to: string }) => payload.to, {
          payload: z.object({ to: z.string().email() }),
        });
      }),
    ]);
    expect((await rejectionOf(tasks.enqueue('mail', { to: 'nope' }))).code).toBe('E_VALIDATION');
    const job = await tasks.enqueue('mail', { to: 'ada@example.com' });
    expect((await tasks.wait(job.id)).result).toBe('ada@example.com');
  });
});

describe('task budgets', () => {
  it('reports a plugin whose task ran longer than its task budget', async () => {
    const world = taskWorld();
    let tasks!: PluginContext['tasks'];
    const host = await world.start([
      workerPlugin((ctx) => {
        tasks = ctx.tasks;
        ctx.tasks.define(
          'slow',
          () =>
            new Promise((resolve) => {
              const started = world.clock.now();
              world.clock.setTimeout(() => resolve(world.clock.now() - started), 2_500);
            }),
        );
      }),
    ]);
    expect(host.report().plugins[0]?.longestTaskMs).toBeUndefined();
    const job = await tasks.enqueue('slow');
    await world.clock.advance(2_500);
    expect(await tasks.get(job.id)).toMatchObject({ status: 'completed', result: 2_500 });
    const report = host.report().plugins[0];
    expect(report?.longestTaskMs).toBe(2_500);
    expect(report?.exceeded).toEqual(['tasks']);
  });
});
