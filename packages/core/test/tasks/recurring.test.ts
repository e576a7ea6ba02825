import { describe, expect, it } from 'vitest';
import type { MissedRunPolicy, PluginContext, TaskContext, TaskRecord } from '../../src/index.js';
import { deferred } from '../support/host-fixtures.js';
import { rejectionOf } from '../support/thrown.js';
import { type TaskWorld, taskWorld, workerPlugin } from './task-support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Starts a host whose `worker` plugin records when each run of `beat` was due, with `declare` in its setup. */
async function beatHost(
  world: TaskWorld,
  declare: (tasks: PluginContext['tasks']) => Promise<unknown>,
  handler?: (task: TaskContext) => unknown,
) {
  const runs: number[] = [];
  const host = await world.start([
    workerPlugin(async (ctx) => {
      ctx.tasks.define('beat', (_payload, task: TaskContext) => {
        runs.push(task.scheduledAt);
        return handler?.(task);
      });
      await declare(ctx.tasks);
    }),
  ]);
  return { host, runs };
}

describe('recurring tasks', () => {
  it('runs an `every` task on each interval, anchored where it was declared', async () => {
    const world = taskWorld();
    const start = world.clock.now();
    const { runs } = await beatHost(world, (tasks) => tasks.every(10 * MINUTE, 'beat'));
    await world.clock.advance(35 * MINUTE);
    expect(runs).toEqual([start + 10 * MINUTE, start + 20 * MINUTE, start + 30 * MINUTE]);
  });

  it('runs a cron task in its time zone', async () => {
    const world = taskWorld();
    // 2026-01-01 is winter: 09:00 in Paris is 08:00 UTC.
    const { runs } = await beatHost(world, (tasks) =>
      tasks.cron('0 9 * * *', 'beat', { timezone: 'Europe/Paris' }),
    );
    await world.clock.advance(48 * HOUR);
    expect(runs.map((time) => new Date(time).toISOString())).toEqual([
      '2026-01-01T08:00:00.000Z',
      '2026-01-02T08:00:00.000Z',
    ]);
  });

  it('runs a daily task at its wall-clock time', async () => {
    const world = taskWorld();
    const { runs } = await beatHost(world, (tasks) => tasks.daily('18:30', 'beat', { timezone: 'UTC' }));
    await world.clock.advance(24 * HOUR);
    expect(runs.map((time) => new Date(time).toISOString())).toEqual(['2026-01-01T18:30:00.000Z']);
  });

  it('does not start a run while the previous one is still going', async () => {
    const world = taskWorld();
    const gate = deferred<void>();
    const { runs } = await beatHost(
      world,
      (tasks) => tasks.every(MINUTE, 'beat'),
      () => gate.promise,
    );
    await world.clock.advance(3 * MINUTE + 1);
    expect(runs).toHaveLength(1);
    gate.resolve();
    await world.clock.advance(MINUTE);
    expect(runs).toHaveLength(2);
  });

  it('updates a schedule declared again with the same id instead of adding another', async () => {
    const world = taskWorld();
    let tasks!: PluginContext['tasks'];
    await beatHost(world, async (plugin) => {
      tasks = plugin;
      await plugin.every(MINUTE, 'beat');
    });
    await tasks.every(5 * MINUTE, 'beat');
    const schedules = await tasks.list({ kind: 'recurring' });
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.recurrence).toMatchObject({ every: 5 * MINUTE });
    await tasks.every(MINUTE, 'beat', { id: 'fast' });
    expect(await tasks.list({ kind: 'recurring' })).toHaveLength(2);
  });

  it('stops running once its schedule is cancelled', async () => {
    const world = taskWorld();
    let schedule!: TaskRecord | Readonly<TaskRecord>;
    let tasks!: PluginContext['tasks'];
    const { runs } = await beatHost(world, async (plugin) => {
      tasks = plugin;
      schedule = await plugin.every(MINUTE, 'beat');
    });
    await world.clock.advance(MINUTE);
    await tasks.cancel(schedule.id);
    await world.clock.advance(10 * MINUTE);
    expect(runs).toHaveLength(1);
    expect(await tasks.get(schedule.id)).toMatchObject({ status: 'cancelled' });
  });

  it('refuses invalid schedules with E_SCHEDULE_INVALID saying what is wrong', async () => {
    const world = taskWorld();
    let tasks!: PluginContext['tasks'];
    await beatHost(world, async (plugin) => {
      tasks = plugin;
    });
    const invalid = [
      tasks.cron('61 * * * *', 'beat'),
      tasks.cron('* * * * *', 'beat', { timezone: 'Mars/Olympus' }),
      tasks.daily('25:00', 'beat'),
      tasks.daily('9:30', 'beat'),
      tasks.every(0, 'beat'),
      tasks.every(Number.NaN, 'beat'),
    ];
    const errors = await Promise.all(invalid.map(rejectionOf));
    expect(errors.map((error) => error.code)).toEqual(Array(6).fill('E_SCHEDULE_INVALID'));
    expect(errors[0]?.message).toContain('61');
    expect(errors[1]?.message).toContain('Mars/Olympus');
    expect(
      (await rejectionOf(tasks.every(MINUTE, 'beat', { missed: 'sometimes' as MissedRunPolicy }))).code,
    ).toBe('E_INVALID_ARGUMENT');
    expect((await rejectionOf(tasks.every(MINUTE, 'undefined-task'))).code).toBe('E_TASK_UNKNOWN');
  });
});

describe('missed runs after downtime', () => {
  async function downtime(policy: MissedRunPolicy) {
    const world = taskWorld();
    const start = world.clock.now();
    const first = await beatHost(world, (tasks) => tasks.every(HOUR, 'beat', { missed: policy }));
    await world.clock.advance(HOUR);
    expect(first.runs).toEqual([start + HOUR]);
    await first.host.stop();
    // Down from 01:00 to 05:30: the runs due at 02:00, 03:00, 04:00 and 05:00 were missed.
    await world.clock.advance(4 * HOUR + 30 * MINUTE);
    const second = await beatHost(world, (tasks) => tasks.every(HOUR, 'beat', { missed: policy }));
    const afterRestart = [...second.runs];
    await world.clock.advance(HOUR);
    return { start, afterRestart, runs: second.runs };
  }

  it('skip: runs nothing for the missed runs and goes on from the next one', async () => {
    const { start, afterRestart, runs } = await downtime('skip');
    expect(afterRestart).toEqual([]);
    expect(runs).toEqual([start + 6 * HOUR]);
  });

  it('once: runs one make-up run, then the next on time', async () => {
    const { start, afterRestart, runs } = await downtime('once');
    expect(afterRestart).toEqual([start + 2 * HOUR]);
    expect(runs).toEqual([start + 2 * HOUR, start + 6 * HOUR]);
  });

  it('catch-up: runs every missed run, then the next on time', async () => {
    const { start, afterRestart, runs } = await downtime('catch-up');
    expect(afterRestart).toEqual([start + 2 * HOUR, start + 3 * HOUR, start + 4 * HOUR, start + 5 * HOUR]);
    expect(runs.at(-1)).toBe(start + 6 * HOUR);
  });
});

describe('tasks and the plugin lifecycle', () => {
  it('pauses a disabled plugin’s schedules and applies the missed-run policy when it is enabled', async () => {
    const world = taskWorld();
    const start = world.clock.now();
    const { host, runs } = await beatHost(world, (tasks) => tasks.every(HOUR, 'beat', { missed: 'once' }));
    await host.disable('worker');
    await world.clock.advance(3 * HOUR);
    expect(runs).toEqual([]);
    await host.enable('worker');
    await world.clock.advance(0);
    expect(runs).toEqual([start + HOUR]);
    await world.clock.advance(HOUR);
    expect(runs).toEqual([start + HOUR, start + 4 * HOUR]);
  });

  it('keeps jobs of a disabled plugin waiting, and runs them with the handler of a reloaded version', async () => {
    const world = taskWorld();
    const seen: string[] = [];
    let tasks!: PluginContext['tasks'];
    const version = (label: string) =>
      workerPlugin((ctx) => {
        tasks = ctx.tasks;
        ctx.tasks.define('job', (payload: string) => {
          seen.push(`${label}:${payload}`);
        });
      });
    const host = await world.start([version('v1')]);
    await host.disable('worker');
    await host.enable('worker');
    const job = await tasks.after(MINUTE, 'job', 'queued-before-reload');
    await host.reload('worker', version('v2'));
    await world.clock.advance(MINUTE);
    expect(seen).toEqual(['v2:queued-before-reload']);
    expect(await tasks.get(job.id)).toMatchObject({ status: 'completed' });
  });

  it('lets a running task finish within the stop timeout when its plugin is disabled', async () => {
    const world = taskWorld();
    let tasks!: PluginContext['tasks'];
    const gate = deferred<void>();
    const host = await world.start([
      workerPlugin((ctx) => {
        tasks = ctx.tasks;
        ctx.tasks.define('work', () => gate.promise.then(() => 'done'));
      }),
    ]);
    const job = await tasks.enqueue('work');
    await world.clock.advance(0);
    const disabling = host.disable('worker');
    await world.clock.advance(1_000);
    gate.resolve();
    await disabling;
    expect(await host.tasks.get(job.id)).toMatchObject({ status: 'completed', result: 'done' });
  });

  it('on stop, aborts tasks still running after the stop timeout and leaves them scheduled', async () => {
    const world = taskWorld();
    let tasks!: PluginContext['tasks'];
    let signal: AbortSignal | undefined;
    const host = await world.start([
      workerPlugin((ctx) => {
        tasks = ctx.tasks;
        ctx.tasks.define('stuck', (_payload, task: TaskContext) => {
          signal = task.signal;
          return new Promise(() => undefined);
        });
      }),
    ]);
    const job = await tasks.enqueue('stuck');
    await world.clock.advance(0);
    const stopping = host.stop();
    await world.clock.advance(10_000);
    await stopping;
    expect(signal?.aborted).toBe(true);
    const [stored] = await world.store.queryTasks({ id: job.id });
    expect(stored).toMatchObject({ status: 'scheduled', attempts: 0 });
  });

  it('runs again a job that was running when the process died, with its idempotency key', async () => {
    const world = taskWorld();
    const now = world.clock.now();
    const interrupted: TaskRecord = {
      id: 'crashed-job',
      kind: 'job',
      plugin: 'worker',
      name: 'charge',
      status: 'running',
      payload: { cents: 100 },
      priority: 0,
      idempotencyKey: 'order-9',
      attempts: 1,
      maxAttempts: 1,
      runAt: now - 1_000,
      createdAt: now - 1_000,
      startedAt: now - 900,
    };
    await world.store.saveTask(interrupted);
    const runs: Array<{ key: string | undefined; attempt: number }> = [];
    const host = await world.start([
      workerPlugin((ctx) => {
        ctx.tasks.define('charge', (_payload, task: TaskContext) => {
          runs.push({ key: task.idempotencyKey, attempt: task.attempt });
        });
      }),
    ]);
    await world.clock.advance(0);
    expect(runs).toEqual([{ key: 'order-9', attempt: 2 }]);
    expect(await host.tasks.get('crashed-job')).toMatchObject({ status: 'completed' });
  });

  it('reports tasks whose plugin is gone or never defines them as orphans', async () => {
    const world = taskWorld();
    const now = world.clock.now();
    const base = {
      kind: 'job',
      status: 'scheduled',
      payload: null,
      priority: 0,
      attempts: 0,
      maxAttempts: 1,
      runAt: now,
      createdAt: now,
    } as const;
    await world.store.saveTask({ ...base, id: 'of-removed-plugin', plugin: 'removed', name: 'x' });
    await world.store.saveTask({ ...base, id: 'of-renamed-task', plugin: 'worker', name: 'old-name' });
    const host = await world.start([workerPlugin((ctx) => ctx.tasks.define('new-name', () => undefined))]);
    const orphans = host.tasks.orphans().map(({ task, reason }) => [task.id, reason]);
    expect(orphans.sort()).toEqual([
      ['of-removed-plugin', 'plugin-missing'],
      ['of-renamed-task', 'task-undefined'],
    ]);
    await host.tasks.cancel('of-removed-plugin');
    expect(host.tasks.orphans()).toHaveLength(1);
  });

  it('prunes finished tasks older than the history retention', async () => {
    const world = taskWorld();
    let tasks!: PluginContext['tasks'];
    await world.start(
      [
        workerPlugin((ctx) => {
          tasks = ctx.tasks;
          ctx.tasks.define('quick', () => undefined);
        }),
      ],
      { tasks: { history: 2 * HOUR } },
    );
    const old = await tasks.enqueue('quick');
    await world.clock.advance(HOUR);
    const recent = await tasks.enqueue('quick');
    // The history is pruned hourly: at 03:00 the first job (finished at 00:00) is over two hours old.
    await world.clock.advance(2 * HOUR);
    expect(await tasks.get(old.id)).toBeUndefined();
    expect(await tasks.get(recent.id)).toMatchObject({ status: 'completed' });
  });
});
