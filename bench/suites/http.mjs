/**
 * http: requests per second of an HTTP endpoint answering `{ id, ok }` to a JSON body `{ id }`, the
 * capability's handler being the shared `echo`. Each contestant starts its server in its own process and
 * autocannon loads it from another process on the same machine (100 connections, 1 s warm-up, 5 s
 * measured), over loopback; a run with any failed or non-2xx response fails the contestant.
 *
 * - `fastify-raw`: a plain Fastify 5 route calling `echo` (logging off): the ceiling.
 * - `trellis-rest`: `POST /api/bench.echo`, a capability exposed by the gateway's `rest.expose`, called
 *   through the host's default pipeline with the request's principal and id.
 * - `trellis-route`: a plugin route (`ctx.http.post('/echo')`) whose handler calls the capability with
 *   `ctx.call`.
 * - `moleculer-web`: moleculer-web 0.11 aliasing `POST /api/bench/echo` to a moleculer action.
 */
import { echo, PARAMS } from '../lib/echo.mjs';
import { comparison, figure, formatMs, formatOps } from '../lib/format.mjs';
import { measureHttp } from '../lib/http-load.mjs';
import { runIfMain } from '../lib/suite.mjs';

const LOAD = { method: 'POST', body: PARAMS, connections: 100, durationSeconds: 5, warmupSeconds: 1 };

/** Loads `url`, then checks the endpoint still answers correctly. */
async function measureEndpoint(url) {
  const result = await measureHttp({ ...LOAD, url });
  const response = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(PARAMS),
    headers: { 'content-type': 'application/json' },
  });
  const answer = await response.json();
  if (answer?.id !== PARAMS.id || answer.ok !== true)
    throw new Error(`unexpected answer ${JSON.stringify(answer)}`);
  return result;
}

async function trellisGateway(setup, options) {
  const { createHost, definePlugin } = await import('../../packages/core/dist/index.js');
  const { httpSurface } = await import('../../packages/http/dist/index.js');
  const gateway = httpSurface({ port: 0, logging: false, ...options });
  const plugin = definePlugin({
    name: 'bench',
    version: '1.0.0',
    setup(ctx) {
      ctx.provide('bench.echo', echo);
      setup?.(ctx);
    },
  });
  const host = createHost({ plugins: [plugin], surfaces: [gateway], logger: { level: 'silent' } });
  const report = await host.start();
  if (report.failed.length > 0) throw report.failed[0].error;
  return gateway.url;
}

export const suite = {
  name: 'http',
  title: 'HTTP route → capability → JSON',
  description:
    'Requests per second of `POST` with a JSON body `{ id }` answered with `{ id, ok }` (autocannon in another process, 100 connections, 5 s after a 1 s warm-up, loopback).',
  metrics: ['requestsPerSecond', 'latencyP99Ms'],
  contestants: {
    'fastify-raw': async () => {
      const { default: Fastify } = await import('fastify');
      const app = Fastify({ logger: false });
      app.post('/echo', (request) => echo(request.body));
      await app.listen({ host: '127.0.0.1', port: 0 });
      return measureEndpoint(`http://127.0.0.1:${app.server.address().port}/echo`);
    },
    'trellis-rest': async () => {
      const url = await trellisGateway(undefined, { rest: { expose: ['bench.*'] } });
      return measureEndpoint(`${url}/api/bench.echo`);
    },
    'trellis-route': async () => {
      const url = await trellisGateway((ctx) =>
        ctx.http.post('/echo', (request) => ctx.call('bench.echo', request.body)),
      );
      return measureEndpoint(`${url}/bench/echo`);
    },
    'moleculer-web': async () => {
      const { default: moleculer } = await import('moleculer');
      const { default: ApiGateway } = await import('moleculer-web');
      const broker = new moleculer.ServiceBroker({ logger: false });
      broker.createService({ name: 'bench', actions: { echo: (ctx) => echo(ctx.params) } });
      const api = broker.createService({
        name: 'api',
        mixins: [ApiGateway],
        settings: {
          ip: '127.0.0.1',
          port: 0,
          logRequest: null,
          logResponse: null,
          routes: [
            { path: '/api', aliases: { 'POST bench/echo': 'bench.echo' }, bodyParsers: { json: true } },
          ],
        },
      });
      await broker.start();
      return measureEndpoint(`http://127.0.0.1:${api.server.address().port}/api/bench/echo`);
    },
  },
  summarize(results) {
    const rps = (contestant) => figure(results, contestant, 'requestsPerSecond');
    const p99 = (contestant) => figure(results, contestant, 'latencyP99Ms');
    return {
      rows: [
        comparison({
          benchmark: 'REST-exposed capability vs raw Fastify route',
          trellis: rps('trellis-rest'),
          peer: rps('fastify-raw'),
          format: formatRequests,
          budget: '≥ 0.9x',
          check: ({ ratio }) => ratio >= 0.9,
        }),
        comparison({
          benchmark: 'REST-exposed capability vs moleculer-web',
          trellis: rps('trellis-rest'),
          peer: rps('moleculer-web'),
          format: formatRequests,
          budget: '≥ 2x',
          check: ({ ratio }) => ratio >= 2,
        }),
        comparison({
          benchmark: 'plugin route calling the capability vs raw Fastify route',
          trellis: rps('trellis-route'),
          peer: rps('fastify-raw'),
          format: formatRequests,
          budget: '≥ 0.9x',
          check: ({ ratio }) => ratio >= 0.9,
        }),
        comparison({
          benchmark: 'p99 latency, REST-exposed capability vs raw Fastify (lower is better), informative',
          trellis: p99('trellis-rest'),
          peer: p99('fastify-raw'),
          format: formatMs,
        }),
      ],
      figures: [
        ['raw Fastify route', `${formatRequests(rps('fastify-raw'))}, p99 ${formatMs(p99('fastify-raw'))}`],
        [
          'trellis REST exposure',
          `${formatRequests(rps('trellis-rest'))}, p99 ${formatMs(p99('trellis-rest'))}`,
        ],
        [
          'trellis plugin route',
          `${formatRequests(rps('trellis-route'))}, p99 ${formatMs(p99('trellis-route'))}`,
        ],
        ['moleculer-web', `${formatRequests(rps('moleculer-web'))}, p99 ${formatMs(p99('moleculer-web'))}`],
      ],
    };
  },
};

/** `48.2k req/s`. */
function formatRequests(value) {
  return formatOps(value).replace('ops/s', 'req/s');
}

await runIfMain(import.meta.url, suite);
