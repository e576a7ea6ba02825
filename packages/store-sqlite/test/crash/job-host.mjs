/**
 * A host process for the crash-recovery tests, on the built packages as a user would run them:
 *
 *   node job-host.mjs <db> <log> enqueue <count>   enqueues `count` jobs, then keeps running them
 *   node job-host.mjs <db> <log> resume            runs what the database holds; once nothing is left to
 *                                                 run, prints every task as one JSON line and exits
 *
 * Every run of a job appends `start <key> <attempt> <id>` before its work, and `done <id>` once the host
 * emitted `task.completed` (which it does after persisting the completion), with synchronous writes, so
 * the log tells exactly which runs a SIGKILL interrupted before their completion was stored.
 */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHost, definePlugin } from '@trellis/core';
import { SqliteStore } from '@trellis/store-sqlite';

const [database, log, mode, count] = process.argv.slice(2);
let tasks;

const jobs = definePlugin({
  name: 'jobs',
  version: '1.0.0',
  setup(ctx) {
    tasks = ctx.tasks;
    ctx.tasks.define(
      'work',
      async (payload, task) => {
        appendFileSync(log, `start ${task.idempotencyKey} ${task.attempt} ${task.id}\n`);
        await sleep(20 + (payload.n % 4) * 10);
        return { n: payload.n };
      },
      { concurrency: 4 },
    );
  },
});

const host = createHost({
  plugins: [jobs],
  store: new SqliteStore({ path: database }),
  logger: { level: 'silent' },
});
host.on('task.completed', (event) => appendFileSync(log, `done ${event.id}\n`));
await host.start();

if (mode === 'enqueue') {
  for (let n = 0; n < Number(count); n++) await tasks.enqueue('work', { n }, { idempotencyKey: `job-${n}` });
  process.stdout.write('enqueued\n');
  // Keeps running jobs until the test kills the process.
  setInterval(() => undefined, 1_000);
} else {
  for (;;) {
    const unfinished = await host.tasks.list({ status: ['scheduled', 'running'] });
    if (unfinished.length === 0) break;
    await sleep(20);
  }
  const all = await host.tasks.list({ limit: 10_000 });
  await host.stop();
  process.stdout.write(`${JSON.stringify(all)}\n`);
}
