/**
 * `npm run bench`: runs every suite's contestants, each in its own node process, and writes
 * `bench/RESULTS.md`. Contestants run in several interleaved passes (every contestant of every suite,
 * then again), so a burst of load on a shared machine hits one pass of everyone rather than all runs of
 * one contestant; the figure kept is the median across passes.
 *
 * `node bench/run.mjs calls emit` runs only the named suites and prints the report instead of writing it.
 * `BENCH_PASSES=1` makes a quick run.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { formatMet } from './lib/format.mjs';
import { median } from './lib/measure.mjs';
import { runNode } from './lib/node-process.mjs';

const SUITES = ['calls', 'boot', 'emit', 'memory', 'policies', 'tasks', 'http', 'websocket'];
/** Suites kept outside `suites/`, by name; every other suite is `suites/<name>.mjs`. */
const PASSES = Number(process.env.BENCH_PASSES ?? 5);
const CONTESTANT_TIMEOUT_MS = 120_000;
const RESULTS_FILE = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

/** Runs one contestant in a fresh process and resolves with its JSON line (or an `error`). */
async function runContestant(suiteFile, contestant) {
  const { code, signal, stdout, stderr } = await runNode(['--expose-gc', suiteFile, contestant], {
    timeoutMs: CONTESTANT_TIMEOUT_MS,
  });
  const line = stdout
    .trim()
    .split('\n')
    .findLast((candidate) => candidate.startsWith('{'));
  if (line !== undefined) {
    try {
      return JSON.parse(line);
    } catch {
      // Reported below with the rest of the output.
    }
  }
  // Node exits with 13 when the event loop empties under a pending top-level await: a promise the
  // contestant awaited (a start, a call) never settled.
  const reason =
    signal !== null
      ? `killed by ${signal} after ${CONTESTANT_TIMEOUT_MS / 1000} s`
      : code === 13
        ? 'never finished: a promise it awaited never settled (exit code 13)'
        : `exited with code ${code}`;
  const output = (stderr || stdout).trim().split('\n').slice(-3).join(' ');
  return { error: output === '' ? reason : `${reason}: ${output}` };
}

/** One result per contestant: the median of each metric across passes, or the first error. */
function combinePasses(metrics, passes) {
  const failed = passes.find((pass) => pass.error !== undefined);
  if (failed !== undefined) return failed;
  const combined = { ...passes.at(-1), passes: {} };
  for (const metric of metrics) {
    const values = passes.map((pass) => pass[metric]);
    // Contestants of one suite may measure different things (throughput here, lateness there).
    if (values.every((value) => value === undefined)) continue;
    combined[metric] = median(values);
    combined.passes[metric] = values;
  }
  return combined;
}

function describeFigures(metrics, result) {
  if (result.error !== undefined) return `FAILED ${result.error}`;
  return metrics
    .filter((metric) => result[metric] !== undefined)
    .map((metric) => `${metric}=${Math.round(result[metric] * 100) / 100}`)
    .join(' ');
}

function machineLine() {
  const cpus = os.cpus();
  const memoryGb = (os.totalmem() / 1024 ** 3).toFixed(1);
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${memoryGb} GB RAM, Node ${process.version}, ${os.type()} ${os.release()} ${os.arch()}`;
}

function renderSuite(suite, results) {
  const { rows, figures } = suite.summarize(results);
  const lines = [`## ${suite.title}`, '', suite.description, ''];
  lines.push(
    '| benchmark | trellis | peer | ratio | budget | met |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const row of rows) {
    lines.push(
      `| ${row.benchmark} | ${row.trellis} | ${row.peer} | ${row.ratio} | ${row.budget} | ${formatMet(row.met)} |`,
    );
  }
  lines.push('');
  const missed = rows.filter((row) => row.met === false);
  for (const row of missed) {
    const measured =
      row.trellis === 'failed'
        ? 'not measured, the trellis contestant failed (see below)'
        : `measured ${row.trellis} vs ${row.peer} (${row.ratio})`;
    lines.push(`**Budget missed:** ${row.benchmark}: budget ${row.budget}, ${measured}.`, '');
  }
  lines.push('Absolute figures:', '');
  for (const [label, value] of figures) lines.push(`- ${label}: ${value}`);
  const failures = Object.entries(results).filter(([, result]) => result.error !== undefined);
  if (failures.length > 0) {
    lines.push('', 'Failed contestants:', '');
    for (const [contestant, result] of failures) lines.push(`- \`${contestant}\`: ${result.error}`);
  }
  lines.push('');
  return { text: lines.join('\n'), missed: missed.map((row) => ({ suite: suite.title, ...row })) };
}

function renderRaw(suites, resultsBySuite) {
  const lines = [
    '## Per-pass figures',
    '',
    "Each contestant's figure in every pass, to judge the noise.",
    '',
  ];
  for (const suite of suites) {
    for (const [contestant, result] of Object.entries(resultsBySuite.get(suite.name))) {
      if (result.error !== undefined) continue;
      const values = suite.metrics
        .filter((metric) => metric in result.passes)
        .map((metric) => {
          const rounded = result.passes[metric].map((value) =>
            value >= 1000 ? Math.round(value) : Math.round(value * 10) / 10,
          );
          return `${metric} ${rounded.join(', ')}`;
        });
      lines.push(`- ${suite.name}/${contestant}: ${values.join('; ')}`);
    }
  }
  lines.push('');
  return lines.join('\n');
}

async function main() {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((name) => !SUITES.includes(name));
  if (unknown.length > 0)
    throw new Error(`unknown suite(s) ${unknown.join(', ')}; known: ${SUITES.join(', ')}`);
  const names = requested.length > 0 ? requested : SUITES;
  const suites = [];
  for (const name of names) {
    const file = fileURLToPath(new URL(`./suites/${name}.mjs`, import.meta.url));
    suites.push({ file, ...(await import(file)).suite });
  }

  const startedAt = new Date();
  const passResults = new Map(suites.map((suite) => [suite.name, {}]));
  for (let pass = 1; pass <= PASSES; pass++) {
    for (const suite of suites) {
      for (const contestant of Object.keys(suite.contestants)) {
        const result = await runContestant(suite.file, contestant);
        const perContestant = passResults.get(suite.name);
        perContestant[contestant] ??= [];
        perContestant[contestant].push(result);
        process.stderr.write(
          `[pass ${pass}/${PASSES}] ${suite.name}/${contestant}: ${describeFigures(suite.metrics, result)}\n`,
        );
      }
    }
  }

  const resultsBySuite = new Map();
  for (const suite of suites) {
    const combined = {};
    for (const [contestant, passes] of Object.entries(passResults.get(suite.name))) {
      combined[contestant] = combinePasses(suite.metrics, passes);
    }
    resultsBySuite.set(suite.name, combined);
  }

  const sections = suites.map((suite) => renderSuite(suite, resultsBySuite.get(suite.name)));
  const missed = sections.flatMap((section) => section.missed);
  const minutes = ((Date.now() - startedAt.getTime()) / 60_000).toFixed(1);
  const header = [
    '# Trellis benchmark results',
    '',
    `Date: ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC (${minutes} min).`,
    '',
    `Machine: ${machineLine()}.`,
    '',
    `> These numbers come from one run of \`npm run bench\` on a shared, noisy machine: absolute figures move`,
    '> a lot from run to run and machine to machine; only the ratios are meant to be read. Each contestant ran',
    `> in its own node process, ${PASSES === 1 ? 'once' : `${PASSES} times`}, interleaved with all the others; the figure shown is the`,
    '> median of those runs. Ratio is trellis ÷ peer: for throughput higher is better, for time and memory lower',
    '> is better. Generated by `bench/run.mjs`; do not edit by hand.',
    '',
  ];
  if (missed.length === 0) {
    header.push('**Every budget checked here is met.**', '');
  } else {
    header.push('**Budgets missed:**', '');
    for (const row of missed) {
      const measured =
        row.trellis === 'failed'
          ? 'trellis failed'
          : `measured ${row.ratio === '—' ? row.trellis : row.ratio}`;
      header.push(`- ${row.suite}: ${row.benchmark} (budget ${row.budget}, ${measured})`);
    }
    header.push('');
  }
  const report = [
    ...header,
    ...sections.map((section) => section.text),
    renderRaw(suites, resultsBySuite),
  ].join('\n');
  if (requested.length > 0) {
    process.stdout.write(report);
  } else {
    await writeFile(RESULTS_FILE, report);
    process.stderr.write(`wrote ${RESULTS_FILE} (${minutes} min)\n`);
  }
}

await main();
