/**
 * HTTP load for the `http` suite: autocannon against a server, run in a child process so
 * that the load generator does not share the server's event loop (on a 2-core machine they would otherwise
 * take turns on one core). Run as `node http-load.mjs '<json options>'`, it loads the server and prints one
 * JSON line; `measureHttp()` does that and resolves with the parsed line.
 */
import { fileURLToPath } from 'node:url';
import { runNode } from './node-process.mjs';

const SELF = fileURLToPath(import.meta.url);

/**
 * Loads `url` with `connections` concurrent connections for `durationSeconds` (after `warmupSeconds` of
 * unmeasured load) and resolves with `{ requestsPerSecond, latencyP99Ms, requests, errors, non2xx }`.
 * Rejects when any request failed or answered something other than 2xx: a contestant answering errors
 * quickly must fail, not look fast.
 */
export async function measureHttp(options) {
  const { code, stdout, stderr } = await runNode([SELF, JSON.stringify(options)]);
  const line = stdout.trim().split('\n').at(-1);
  if (code !== 0 || line === undefined || line === '')
    throw new Error(
      `the load generator exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`,
    );
  const result = JSON.parse(line);
  if (result.errors > 0 || result.non2xx > 0)
    throw new Error(`${result.errors} failed and ${result.non2xx} non-2xx responses of ${result.requests}`);
  return result;
}

async function load({
  url,
  method = 'GET',
  body,
  headers = {},
  connections = 100,
  durationSeconds = 5,
  warmupSeconds = 1,
}) {
  const { default: autocannon } = await import('autocannon');
  const request = {
    url,
    method,
    connections,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
  await autocannon({ ...request, duration: warmupSeconds });
  const result = await autocannon({ ...request, duration: durationSeconds });
  return {
    requestsPerSecond: result.requests.average,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

if (process.argv[1] === SELF) {
  process.stdout.write(`${JSON.stringify(await load(JSON.parse(process.argv[2])))}\n`);
}
