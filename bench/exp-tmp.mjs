import { PARAMS, trellisEchoHost } from './lib/echo.mjs';
import { measureThroughput } from './lib/measure.mjs';

const host = await trellisEchoHost(undefined);
const shared = new AbortController();
for (const [name, fn] of [
  ['plain', () => host.call('bench.echo', PARAMS)],
  ['shared signal', () => host.call('bench.echo', PARAMS, { signal: shared.signal })],
  ['timeout', () => host.call('bench.echo', PARAMS, { timeout: 30000 })],
  ['both', () => host.call('bench.echo', PARAMS, { timeout: 30000, signal: shared.signal })],
  [
    'controller only',
    () => {
      const c = new AbortController();
      c.signal;
      return host.call('bench.echo', PARAMS);
    },
  ],
]) {
  const r = await measureThroughput(fn, { warmup: 50_000, rounds: 3, roundMs: 200 });
  console.log(name, Math.round(r.opsPerSecond));
}
process.exit(0);
