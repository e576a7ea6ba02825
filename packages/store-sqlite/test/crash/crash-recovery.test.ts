import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskInfo } from '@trellis/core';
import { afterEach, describe, expect, it } from 'vitest';

const HOST_SCRIPT = fileURLToPath(new URL('./job-host.mjs', import.meta.url));
const JOBS = 40;
const children = new Set<ChildProcess>();
const directories: string[] = [];

afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  await Promise.all(
    directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })),
  );
});

function startHost(args: string[]): { child: ChildProcess; output: Promise<string> } {
  const child = spawn(process.execPath, [HOST_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const output = new Promise<string>((resolve, reject) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (code === 0 || signal === 'SIGKILL') resolve(stdout);
      else reject(new Error(`host exited with ${code ?? signal}: ${stderr}`));
    });
  });
  return { child, output };
}

function logLines(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [];
}

/** Resolves once `condition` holds for the log, polling the file the child writes synchronously. */
async function waitForLog(log: string, condition: (lines: string[]) => boolean): Promise<string[]> {
  for (;;) {
    const lines = logLines(log);
    if (condition(lines)) return lines;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('tasks survive a crash of the host process', () => {
  it('after SIGKILL mid-run, a restart completes every job: each exactly once, or retried if it was interrupted', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'trellis-crash-'));
    directories.push(directory);
    const database = join(directory, 'state.db');
    const firstLog = join(directory, 'first.log');
    const secondLog = join(directory, 'second.log');

    const first = startHost([database, firstLog, 'enqueue', String(JOBS)]);
    // Kill once some jobs completed and others are mid-run: their `start` has no `done` yet.
    const beforeKill = await waitForLog(
      firstLog,
      (lines) =>
        lines.filter((line) => line.startsWith('done')).length >= 6 &&
        lines.filter((line) => line.startsWith('start')).length >
          lines.filter((line) => line.startsWith('done')).length,
    );
    first.child.kill('SIGKILL');
    await first.output;
    const firstRun = logLines(firstLog);
    expect(firstRun.length).toBeGreaterThanOrEqual(beforeKill.length);

    const second = startHost([database, secondLog, 'resume']);
    const tasks = JSON.parse((await second.output).trim().split('\n').at(-1) ?? '[]') as TaskInfo[];

    const idsToKeys = new Map(
      firstRun
        .filter((line) => line.startsWith('start'))
        .map((line) => [line.split(' ')[3], line.split(' ')[1]]),
    );
    const startedFirst = new Set(idsToKeys.values());
    const doneFirst = new Set(
      firstRun.filter((line) => line.startsWith('done')).map((line) => idsToKeys.get(line.split(' ')[1])),
    );
    const interrupted = [...startedFirst].filter((key) => !doneFirst.has(key));
    expect(interrupted.length).toBeGreaterThan(0);

    // None lost, none stuck: every job is there, completed.
    expect(tasks).toHaveLength(JOBS);
    expect(tasks.every((task) => task.status === 'completed')).toBe(true);
    const byKey = new Map(tasks.map((task) => [task.idempotencyKey, task]));
    const secondRun = logLines(secondLog);
    const startedSecond = secondRun
      .filter((line) => line.startsWith('start'))
      .map((line) => line.split(' ')[1]);
    for (let n = 0; n < JOBS; n++) {
      const key = `job-${n}`;
      const task = byKey.get(key);
      expect(task?.result).toEqual({ n });
      const runsAfterRestart = startedSecond.filter((started) => started === key).length;
      if (doneFirst.has(key)) {
        // Its completion was stored before the crash: never run again.
        expect(runsAfterRestart, key).toBe(0);
        expect(task?.attempts, key).toBe(1);
      } else if (startedFirst.has(key)) {
        // Interrupted mid-run: run again once, as a second attempt with the same idempotency key.
        expect(runsAfterRestart, key).toBe(1);
        expect(task?.attempts, key).toBe(2);
        expect(
          secondRun.filter((line) => line.startsWith(`start ${key} 2 `)),
          key,
        ).toHaveLength(1);
      } else {
        expect(runsAfterRestart, key).toBe(1);
        expect(task?.attempts, key).toBe(1);
      }
    }
  });
});
