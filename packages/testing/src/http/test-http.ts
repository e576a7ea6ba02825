import type { Clock, Surface } from '@trellis/core';
import { testingErrors } from '../errors/testing-errors.js';

/**
 * Options of the HTTP gateway (`HttpOptions` of `@trellis/http`), applied over the test defaults: listen on
 * 127.0.0.1, a free port, and the test host's fake clock for caching, rate limits and handler timeouts.
 */
export interface TestHttpOptions {
  readonly host?: string;
  readonly port?: number;
  readonly [option: string]: unknown;
}

/** A request sent through the gateway without a socket (Fastify's `inject`). */
export interface InjectRequest {
  readonly method?: string;
  /** The path, with its query string. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The body: an object is sent as JSON. */
  readonly payload?: unknown;
  readonly query?: Readonly<Record<string, string>>;
}

/** What `inject` answers (light-my-request's response). */
export interface InjectResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[] | number | undefined>>;
  /** The body as text. */
  readonly body: string;
  /** The body parsed as JSON. */
  json<Body = unknown>(): Body;
}

/** The gateway of `@trellis/http` as the kit uses it. */
export interface GatewayLike extends Surface {
  /** `http://127.0.0.1:<port>` once the host started. */
  readonly url: string | undefined;
  inject(request: InjectRequest | string): Promise<InjectResponse>;
}

/** HTTP access to a test host's gateway. */
export interface TestHttp {
  /** The gateway (an `HttpGateway` of `@trellis/http`). */
  readonly gateway: GatewayLike;
  /** Where it listens: `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Sends a request in process, without a socket. */
  inject(request: InjectRequest | string): Promise<InjectResponse>;
  /** Sends a real request over the loopback interface; `path` is resolved against {@link TestHttp.url}. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

interface HttpModule {
  httpSurface(options: Record<string, unknown>): GatewayLike;
}

// A variable, so that type-checking and bundlers do not require the optional package.
const HTTP_PACKAGE = '@trellis/http';

/** Loads `@trellis/http` and makes its gateway with the test defaults. */
export async function createTestGateway(options: true | TestHttpOptions, clock: Clock): Promise<GatewayLike> {
  let module: HttpModule;
  try {
    module = (await import(HTTP_PACKAGE)) as HttpModule;
  } catch (cause) {
    throw testingErrors.httpUnavailable(
      `${HTTP_PACKAGE} could not be loaded (${cause instanceof Error ? cause.message : String(cause)}); install it next to @trellis/testing`,
    );
  }
  return module.httpSurface({ host: '127.0.0.1', port: 0, clock, ...(options === true ? {} : options) });
}

/** HTTP helpers over a started gateway. */
export function testHttp(gateway: GatewayLike): TestHttp {
  return {
    gateway,
    get url() {
      const url = gateway.url;
      if (url === undefined)
        throw testingErrors.httpUnavailable(
          'the gateway does not listen (the host is not started, or listen is false)',
        );
      return url;
    },
    inject: (request) => gateway.inject(request),
    fetch(path, init) {
      return fetch(new URL(path, this.url), init);
    },
  };
}
