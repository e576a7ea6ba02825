import { WebSocket } from 'ws';

/**
 * Closes every socket with `code` and resolves once they all closed. A peer that does not answer the
 * closing handshake within `graceMs` is terminated, so shutting down never waits on a dead client.
 */
export async function closeSockets(
  sockets: Iterable<WebSocket>,
  code: number,
  reason: string,
  graceMs: number,
): Promise<void> {
  const pending: WebSocket[] = [];
  for (const socket of sockets) {
    if (socket.readyState === WebSocket.CLOSED) continue;
    pending.push(socket);
    socket.close(code, reason);
  }
  if (pending.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const closed = Promise.all(
    pending.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) resolve();
          else socket.once('close', () => resolve());
        }),
    ),
  );
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([closed, expired]);
  clearTimeout(timer);
  for (const socket of pending) if (socket.readyState !== WebSocket.CLOSED) socket.terminate();
  await closed;
}
