import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { TRELLIS_BIN } from './workspace.js';

/** What a finished `trellis` run printed, and its exit code. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** How to run `trellis`. */
export interface RunOptions {
  readonly cwd: string;
  /** Variables added to a clean environment (no colours forced, no TRELLIS_* inherited). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Longest wait for expected output before failing with what was printed (a hang guard, not a timing check). */
const OUTPUT_WAIT_MS = 15_000;

function cleanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      key.startsWith('TRELLIS_') ||
      key === 'FORCE_COLOR' ||
      key.startsWith('VITEST') ||
      key === 'NODE_OPTIONS'
    )
      continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

function assertBuilt(): void {
  if (!existsSync(TRELLIS_BIN))
    throw new Error(`${TRELLIS_BIN} does not exist: build the CLI first (npx tsc -b packages/cli).`);
}

/** A `trellis` process running in the background (start, dev), with its output captured. */
export class TrellisProcess {
  stdout = '';
  stderr = '';
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;

  constructor(args: readonly string[], options: RunOptions) {
    assertBuilt();
    this.#child = spawn(process.execPath, [TRELLIS_BIN, ...args], {
      cwd: options.cwd,
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
    });
    this.#child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.#exited = new Promise((resolve) => this.#child.once('close', (code) => resolve(code)));
  }

  /** Resolves with the exit code once the process has exited. */
  get exited(): Promise<number | null> {
    return this.#exited;
  }

  /** Resolves with the first match of `pattern` in stdout (or stderr); rejects if the process exits first. */
  waitFor(pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpMatchArray> {
    return this.#poll(pattern, stream, () => this[stream].match(pattern) ?? undefined);
  }

  async #poll<T>(what: RegExp | string, stream: 'stdout' | 'stderr', found: () => T | undefined): Promise<T> {
    const startedAt = Date.now();
    for (;;) {
      const match = found();
      if (match !== undefined) return match;
      const exited = this.#child.exitCode !== null || this.#child.signalCode !== null;
      if (exited || Date.now() - startedAt > OUTPUT_WAIT_MS)
        throw new Error(
          `${exited ? `trellis exited (${this.#child.exitCode})` : 'gave up waiting'} before printing ${String(what)} on ${stream}\n--- stdout\n${this.stdout}\n--- stderr\n${this.stderr}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Sends `signal` and resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
    return this.#exited;
  }
}

const running = new Set<TrellisProcess>();

/** Starts `trellis <args>` in the background; {@link stopAll} ends it. */
export function spawnTrellis(args: readonly string[], options: RunOptions): TrellisProcess {
  const child = new TrellisProcess(args, options);
  running.add(child);
  return child;
}

/** Kills every process started by {@link spawnTrellis} and waits for them to exit: call it in afterEach. */
export async function stopAll(): Promise<void> {
  const children = [...running];
  running.clear();
  await Promise.all(children.map((child) => child.stop('SIGKILL')));
}

/** Runs `trellis <args>` to completion. */
export async function runTrellis(args: readonly string[], options: RunOptions): Promise<RunResult> {
  const child = spawnTrellis(args, options);
  const code = await child.exited;
  running.delete(child);
  return { code, stdout: child.stdout, stderr: child.stderr };
}
