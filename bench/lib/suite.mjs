/**
 * The contract between `run.mjs` and a suite file. A suite exports `{ name, title, contestants,
 * summarize }`; run as `node suites/<suite>.mjs <contestant>`, it runs that one contestant and prints
 * one JSON line, so every contestant gets a fresh process (its own JIT state and heap). Run without an
 * argument, it runs all of its contestants in one process, which is only meant for debugging.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A one-line description of anything thrown, keeping a TrellisError's code. */
export function describeError(error) {
  if (error instanceof Error) return `${error.code ?? error.name}: ${error.message}`;
  return String(error);
}

/** Runs the suite when `moduleUrl` is the process's entry point; does nothing when the suite is imported. */
export async function runIfMain(moduleUrl, suite) {
  const entry = process.argv[1];
  if (entry === undefined || pathToFileURL(resolve(entry)).href !== moduleUrl) return;
  const requested = process.argv[2];
  const names = requested === undefined ? Object.keys(suite.contestants) : [requested];
  let failed = false;
  for (const contestant of names) {
    const measure = suite.contestants[contestant];
    let line;
    try {
      if (measure === undefined) throw new Error(`no contestant '${contestant}' in suite '${suite.name}'`);
      line = { suite: suite.name, contestant, ...(await measure()) };
    } catch (error) {
      failed = true;
      line = { suite: suite.name, contestant, error: describeError(error) };
    }
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  // Brokers and hosts may leave timers behind; the measurement is done, so the process ends here.
  process.exit(failed ? 1 : 0);
}
