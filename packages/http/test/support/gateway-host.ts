import { createHost, type Host, type HostOptions, type Plugin } from '@trellis/core';
import { type HttpGateway, type HttpOptions, httpSurface } from '../../src/index.js';

/** A started host with an HTTP gateway on a free port of 127.0.0.1. */
export interface GatewayHost {
  readonly host: Host;
  readonly gateway: HttpGateway;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** fetch() against the gateway: `request('/users/1')`. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** The JSON body of a response. */
  json<Body = unknown>(
    path: string,
    init?: RequestInit,
  ): Promise<{ readonly status: number; readonly body: Body; readonly headers: Headers }>;
}

const running: Host[] = [];

/** Starts a host with `plugins` behind a gateway listening on 127.0.0.1, port 0; stopped by {@link stopAll}. */
export async function startGatewayHost(
  plugins: readonly Plugin[],
  options: HttpOptions = {},
  hostOptions: Omit<HostOptions, 'plugins' | 'surfaces'> = {},
): Promise<GatewayHost> {
  const gateway = httpSurface({ port: 0, ...options });
  const host = createHost({ logger: { level: 'silent' }, ...hostOptions, plugins, surfaces: [gateway] });
  running.push(host);
  // Deterministic clash reports on the GraphQL path: its route is registered before any plugin's setup.
  await gateway.ready();
  await host.start();
  const url = gateway.url;
  if (url === undefined) throw new Error('the gateway did not start listening');
  const request = (path: string, init?: RequestInit) => fetch(`${url}${path}`, init);
  return {
    host,
    gateway,
    url,
    request,
    async json<Body>(path: string, init?: RequestInit) {
      const response = await request(path, init);
      return { status: response.status, body: (await response.json()) as Body, headers: response.headers };
    },
  };
}

/** Stops every host started by {@link startGatewayHost}; call it in `afterEach`. */
export async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((host) => host.stop()));
}

/** JSON request options: `post({ id: 1 })`. */
export function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  };
}
