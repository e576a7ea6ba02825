/**
 * websocket: messages per second delivered by a broadcast to 100 WebSocket clients over loopback.
 *
 * The server broadcasts a small JSON message (`{ seq, text }`, 80 bytes) to every client in rounds of
 * 2 000 broadcasts, 50 per turn of the event loop so that the server honours backpressure as a real
 * one must (the trellis hub drops a client that falls more than 1 MiB behind, and a broadcast loop that
 * never yields would make every client look slow). The 100 clients run in a child process, so server
 * and clients do not share one core; a round ends when every client received every message, and the
 * last message each got is checked to be the round's last, so a contestant that loses messages fails
 * instead of looking fast. The figure is deliveries per second (broadcasts × clients), median of 5
 * rounds after one warm-up round.
 *
 * - `ws-raw`: a `ws` server sending the pre-encoded message to each client: the ceiling.
 * - `fastify-websocket`: a Fastify 5 route with `@fastify/websocket`, the same loop over its clients.
 * - `trellis`: a plugin endpoint of the HTTP surface; every client joins a room and the plugin calls
 *   `room.broadcast(message)` (encode once, backpressure check per client).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { comparison, figure, formatOps } from '../lib/format.mjs';
import { median } from '../lib/measure.mjs';
import { runIfMain } from '../lib/suite.mjs';

const CLIENTS = 100;
const BROADCASTS_PER_ROUND = 2_000;
const BROADCASTS_PER_TURN = 50;
const ROUNDS = 5;
const TEXT = 'x'.repeat(56);

/**
 * The client process: opens `CLIENTS` sockets to `url`, then for each `{ expect }` from the parent
 * counts messages until every socket received that many and reports whether each one's last message
 * was the round's last.
 */
async function runClients(url) {
  const { WebSocket } = await import('ws');
  const sockets = await Promise.all(
    Array.from(
      { length: CLIENTS },
      () =>
        new Promise((resolve, reject) => {
          const socket = new WebSocket(url);
          socket.once('open', () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
  let expected = 0;
  let finished = 0;
  const counts = new Array(CLIENTS).fill(0);
  const last = new Array(CLIENTS);
  sockets.forEach((socket, index) => {
    socket.on('message', (data) => {
      last[index] = data;
      if (++counts[index] === expected) {
        finished++;
        if (finished === CLIENTS) {
          const lastSeq = expected - 1;
          const ok = last.every((message) => JSON.parse(message.toString()).seq === lastSeq);
          process.send({ done: true, ok });
        }
      }
    });
    socket.on('close', (code) => process.send({ closed: code }));
  });
  process.on('message', (message) => {
    if (message.expect !== undefined) {
      expected = message.expect;
      finished = 0;
      counts.fill(0);
      process.send({ armed: true });
    } else if (message.exit) {
      for (const socket of sockets) socket.terminate();
      process.exit(0);
    }
  });
  process.send({ ready: true });
}

/** Waits for the first IPC message of the child for which `accept` is true; a closed client fails it. */
function nextMessage(child, accept) {
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message.closed !== undefined) {
        child.off('message', onMessage);
        reject(new Error(`a client was disconnected with code ${message.closed}`));
      } else if (accept(message)) {
        child.off('message', onMessage);
        resolve(message);
      }
    };
    child.on('message', onMessage);
  });
}

/** One round: arm the clients, broadcast, and time until every client has every message. */
async function round(child, broadcast) {
  child.send({ expect: BROADCASTS_PER_ROUND });
  await nextMessage(child, (message) => message.armed);
  const done = nextMessage(child, (message) => message.done);
  const startedAt = process.hrtime.bigint();
  for (let seq = 0; seq < BROADCASTS_PER_ROUND; ) {
    for (let batch = 0; batch < BROADCASTS_PER_TURN && seq < BROADCASTS_PER_ROUND; batch++, seq++) {
      broadcast(JSON.stringify({ seq, text: TEXT }));
    }
    await nextTurn();
  }
  const result = await done;
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  if (!result.ok) throw new Error('a client did not receive the messages in order');
  return (BROADCASTS_PER_ROUND * CLIENTS) / seconds;
}

/** Connects the client process to `url`, runs a warm-up and the measured rounds. */
async function measureBroadcast(url, broadcast, connected) {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, WS_BENCH_CLIENT_URL: url },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    await nextMessage(child, (message) => message.ready);
    await connected();
    await round(child, broadcast);
    const samples = [];
    for (let index = 0; index < ROUNDS; index++) samples.push(await round(child, broadcast));
    return { messagesPerSecond: median(samples) };
  } finally {
    child.send({ exit: true });
    await once(child, 'exit');
  }
}

/** Resolves once `count()` reaches the number of clients (their handshakes completed server-side). */
async function allConnected(count) {
  while (count() < CLIENTS) await nextTurn();
}

async function wsRaw() {
  const { createServer } = await import('node:http');
  const { WebSocketServer } = await import('ws');
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `ws://127.0.0.1:${server.address().port}/`;
  return measureBroadcast(
    url,
    (text) => {
      const data = Buffer.from(text);
      for (const client of wss.clients) client.send(data, { binary: false });
    },
    () => allConnected(() => wss.clients.size),
  );
}

async function fastifyWebsocket() {
  const { default: Fastify } = await import('fastify');
  const { default: websocket } = await import('@fastify/websocket');
  const app = Fastify({ logger: false });
  await app.register(websocket);
  const clients = new Set();
  app.get('/bench', { websocket: true }, (socket) => {
    clients.add(socket);
    socket.on('close', () => clients.delete(socket));
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return measureBroadcast(
    `ws://127.0.0.1:${app.server.address().port}/bench`,
    (text) => {
      const data = Buffer.from(text);
      for (const client of clients) client.send(data, { binary: false });
    },
    () => allConnected(() => clients.size),
  );
}

async function trellis() {
  const { createHost, definePlugin } = await import('../../packages/core/dist/index.js');
  const { httpSurface } = await import('../../packages/http/dist/index.js');
  let room;
  const plugin = definePlugin({
    name: 'bench',
    version: '1.0.0',
    setup(ctx) {
      room = ctx.ws.room('everyone');
      ctx.ws('/', (connection) => connection.join('everyone'));
    },
  });
  const gateway = httpSurface({ host: '127.0.0.1', port: 0, logging: false });
  const host = createHost({ plugins: [plugin], surfaces: [gateway], logger: { level: 'silent' } });
  const report = await host.start();
  if (report.failed.length > 0) throw report.failed[0].error;
  return measureBroadcast(
    `${gateway.url.replace('http', 'ws')}/bench`,
    (text) => {
      if (room.broadcast(text) !== CLIENTS) throw new Error('a member was dropped from the room');
    },
    () => allConnected(() => room.size),
  );
}

export const suite = {
  name: 'websocket',
  title: 'WebSocket broadcast',
  description: `Messages delivered per second by broadcasting an 80-byte JSON message to ${CLIENTS} clients (in another process, loopback), ${BROADCASTS_PER_TURN} broadcasts per event-loop turn; median of ${ROUNDS} rounds of ${BROADCASTS_PER_ROUND} broadcasts after a warm-up round.`,
  metrics: ['messagesPerSecond'],
  contestants: {
    'ws-raw': wsRaw,
    'fastify-websocket': fastifyWebsocket,
    trellis,
  },
  summarize(results) {
    const rate = (contestant) => figure(results, contestant, 'messagesPerSecond');
    const rows = [
      comparison({
        benchmark: `room broadcast to ${CLIENTS} clients vs raw \`ws\`; informative`,
        trellis: rate('trellis'),
        peer: rate('ws-raw'),
        format: formatMessages,
      }),
      comparison({
        benchmark: `room broadcast to ${CLIENTS} clients vs Fastify + \`@fastify/websocket\`; informative`,
        trellis: rate('trellis'),
        peer: rate('fastify-websocket'),
        format: formatMessages,
      }),
    ];
    const figures = [
      ['trellis `room.broadcast`', formatMessages(rate('trellis'))],
      ['raw `ws` loop', formatMessages(rate('ws-raw'))],
      ['`@fastify/websocket` loop', formatMessages(rate('fastify-websocket'))],
    ];
    return { rows, figures };
  },
};

/** `1.52M msg/s`. */
function formatMessages(value) {
  return formatOps(value).replace('ops/s', 'msg/s');
}

if (process.env.WS_BENCH_CLIENT_URL !== undefined) await runClients(process.env.WS_BENCH_CLIENT_URL);
else await runIfMain(import.meta.url, suite);
