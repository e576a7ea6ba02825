import { connect } from 'node:net';

/** Sends `chunks` over a plain socket to `url`'s host and port, and resolves with all the server wrote back. */
export function rawExchange(url: string, chunks: readonly string[]): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      for (const chunk of chunks) socket.write(chunk);
    });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => {
      received += data;
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may reset the connection right after answering; what it wrote still counts.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return;
      reject(error);
    });
    socket.on('close', () => resolve(received));
  });
}

/** The status code and JSON body of a raw HTTP/1.1 response. */
export function parseRawResponse(text: string): { status: number; body: unknown } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return { status, body: body === '' ? undefined : JSON.parse(body) };
}
