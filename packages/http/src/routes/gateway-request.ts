import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Logger, Principal, TrellisError } from '@trellis/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { httpErrors } from '../errors/http-errors.js';
import type { CompiledRoute } from './compiled-route.js';
import type { HttpMethod, HttpReply, HttpRequest, RouteInfo } from './route-types.js';

/**
 * One request to a plugin route, as handlers and HTTP middleware see it. Values that cost something to
 * make (the bound logger, the AbortSignal and its listener) are made on first use: most handlers never
 * read them, and the route path has a budget of a few microseconds.
 */
export class GatewayRequest implements HttpRequest<unknown, unknown, unknown> {
  readonly id: string;
  readonly method: HttpMethod;
  readonly url: string;
  params: unknown;
  query: unknown;
  body: unknown;
  principal: Principal | undefined = undefined;
  readonly route: RouteInfo;
  readonly reply: HttpReply;
  readonly fastifyRequest: FastifyRequest;
  readonly compiled: CompiledRoute;
  /** What the handler returned (kept only when body logging is on). */
  result: unknown;
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #log: Logger | undefined;

  constructor(request: FastifyRequest, reply: FastifyReply, params: unknown, compiled: CompiledRoute) {
    this.fastifyRequest = request;
    this.reply = reply as unknown as HttpReply;
    this.id = request.id;
    this.method = request.method as HttpMethod;
    this.url = request.url;
    this.params = params;
    this.query = request.query;
    this.body = request.body;
    this.compiled = compiled;
    this.route = compiled.info;
  }

  get headers(): IncomingHttpHeaders {
    return this.fastifyRequest.headers;
  }

  get ip(): string {
    return this.fastifyRequest.ip;
  }

  get raw(): IncomingMessage {
    return this.fastifyRequest.raw;
  }

  get log(): Logger {
    this.#log ??= this.compiled.definition.logger().child({ requestId: this.id });
    return this.#log;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      if (this.#abortReason !== undefined) controller.abort(this.#abortReason);
      else {
        // The response's 'close' is the reliable sign of a client that went away: the request's own
        // 'close' also fires as soon as a body was read completely.
        const response = this.reply.raw;
        response.once('close', () => {
          if (!response.writableFinished) controller.abort(httpErrors.clientGone());
        });
      }
    }
    return this.#controller.signal;
  }

  /** Aborts the request's signal (now, or when it is first read); used when the handler timeout expires. */
  abort(reason: TrellisError): void {
    if (this.#abortReason !== undefined) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }
}
