import { errors, type TrellisError } from '@trellis/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { httpErrors } from '../errors/http-errors.js';
import type { DeadlineQueue } from './deadline-queue.js';
import { GatewayRequest } from './gateway-request.js';
import type { RouteMatch, RouteSlot, RouteTable } from './route-table.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The gateway's view of a request to a plugin route (null for other requests). @internal */
    trellis: GatewayRequest | null;
    /** The pattern of the plugin route a request matched (null for other requests). @internal */
    trellisRoute: string | null;
  }
}

/** What the dispatcher needs from the gateway. */
export interface DispatcherParts {
  readonly table: RouteTable;
  /** Requests whose body is being received (`requestTimeout`). */
  readonly receiving: DeadlineQueue<FastifyReply>;
  /** Requests being answered (`handlerTimeout`). */
  readonly answering: DeadlineQueue<FastifyReply>;
  readonly handlerTimeout: number;
  /**
   * Why a slot whose owner is not serving cannot answer (its plugin is disabled or failed), or
   * `undefined` when the owner is on its way back (starting, reloading) and the request should wait.
   */
  readonly unavailable: (slot: RouteSlot) => TrellisError | undefined;
  readonly closing: () => boolean;
  readonly sendError: (request: FastifyRequest, reply: FastifyReply, error: unknown) => void;
  /** Keep each handler's result on the request (for body logging). */
  readonly keepResults: boolean;
}

/** How many times a waiting request looks at its route again; each look follows a real change. */
const MAX_WAITS = 16;

/**
 * Answers every request Fastify's catch-all routes receive: finds the route in the dynamic table, waits
 * while its plugin is starting or reloading, runs its compiled chain, and sends the result (a returned
 * value as JSON, `undefined` as 204) or the error. The handler timeout runs from the moment the request
 * was received until it is answered, waiting included.
 */
export class Dispatcher {
  readonly #parts: DispatcherParts;

  constructor(parts: DispatcherParts) {
    this.#parts = parts;
  }

  /** The Fastify handler of the catch-all routes. */
  readonly handle = (request: FastifyRequest, reply: FastifyReply): void => {
    const parts = this.#parts;
    parts.receiving.settle(reply);
    // Answered while its body was still arriving (408): nothing left to do.
    if (reply.sent) return;
    reply.header('x-request-id', request.id);
    const match = parts.table.match(request.method, request.url);
    if (match === undefined) {
      parts.sendError(request, reply, this.#notFound(request));
      return;
    }
    parts.answering.track(reply);
    const slot = match.slot;
    request.trellisRoute = slot.path;
    const route = slot.owner.phase === 'serving' ? slot.current : undefined;
    if (route !== undefined) {
      this.#run(new GatewayRequest(request, reply, match.params, route));
      return;
    }
    this.#whenAvailable(request, reply, match).then(
      (available) => {
        if (available !== undefined && !reply.sent)
          this.#run(new GatewayRequest(request, reply, available.params, available.slot.current!));
      },
      (error: unknown) => {
        if (!reply.sent) parts.sendError(request, reply, error);
      },
    );
  };

  /** Answers a request whose handler timeout expired with 504, and aborts its signal. */
  readonly expire = (reply: FastifyReply): void => {
    const request = reply.request;
    const route = request.trellis?.route;
    const label =
      route === undefined
        ? `${request.method} ${request.trellisRoute ?? request.url}`
        : `${route.method} ${route.path}`;
    const error = httpErrors.handlerTimeout(label, this.#parts.handlerTimeout);
    request.trellis?.abort(error);
    if (!reply.sent) this.#parts.sendError(request, reply, error);
  };

  #run(request: GatewayRequest): void {
    request.fastifyRequest.trellis = request;
    let result: unknown;
    try {
      result = request.compiled.run(request);
    } catch (error) {
      this.#fail(request, error);
      return;
    }
    if (result instanceof Promise)
      result.then(
        (value) => this.#finish(request, value),
        (error: unknown) => this.#fail(request, error),
      );
    else this.#finish(request, result);
  }

  #finish(request: GatewayRequest, value: unknown): void {
    const reply = request.reply;
    if (reply.sent || value === reply) return;
    if (this.#parts.keepResults) request.result = value;
    if (value === undefined) reply.code(204).send();
    else reply.send(value);
  }

  #fail(request: GatewayRequest, error: unknown): void {
    const reply = request.reply as unknown as FastifyReply;
    if (reply.sent) {
      // Answered already (the timeout, or the handler itself): the late failure only matters to the log.
      request.log.warn({ err: error }, 'the handler failed after the response was sent');
      return;
    }
    this.#parts.sendError(request.fastifyRequest, reply, error);
  }

  /**
   * Waits until the route's owner serves (or says why it will not), following the route as it changes.
   * Resolves `undefined` when the request was answered meanwhile (its timeout expired).
   */
  async #whenAvailable(
    request: FastifyRequest,
    reply: FastifyReply,
    first: RouteMatch,
  ): Promise<RouteMatch | undefined> {
    let match: RouteMatch | undefined = first;
    for (let wait = 0; wait < MAX_WAITS; wait += 1) {
      if (reply.sent) return undefined;
      if (this.#parts.closing()) throw httpErrors.gatewayClosing();
      const slot: RouteSlot = match.slot;
      if (slot.owner.phase === 'serving' && slot.current !== undefined) return match;
      const reason = this.#parts.unavailable(slot);
      if (reason !== undefined) throw reason;
      await slot.owner.changed();
      match = this.#parts.table.match(request.method, request.url);
      if (match === undefined) throw this.#notFound(request);
    }
    throw this.#parts.unavailable(match.slot) ?? errors.pluginDisabled(match.slot.owner.name);
  }

  #notFound(request: FastifyRequest): TrellisError {
    const path = request.url.split('?', 1)[0] ?? request.url;
    const allowed = this.#parts.table.allowedMethods(request.url);
    return allowed.length === 0
      ? httpErrors.routeNotFound(request.method, path)
      : httpErrors.methodNotAllowed(request.method, path, allowed);
  }
}
