import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { clientErrorHandler } from '../errors/fastify-errors.js';
import { httpErrors } from '../errors/http-errors.js';
import type { DeadlineQueue } from '../routes/deadline-queue.js';
import { HTTP_METHODS } from '../routes/route-types.js';
import type { ResolvedHttpOptions } from './http-options.js';
import { CATCH_ALL, type RequestReporting } from './request-reporting.js';

/** What the server hands requests to. */
export interface ServerParts {
  readonly reporting: RequestReporting;
  /** Requests whose body is being received (`requestTimeout`). */
  readonly receiving: DeadlineQueue<FastifyReply>;
  /** Requests being answered (`handlerTimeout`). */
  readonly answering: DeadlineQueue<FastifyReply>;
  /** The handler of the catch-all routes (the dispatcher of the dynamic route table). */
  readonly handle: (request: FastifyRequest, reply: FastifyReply) => void;
}

/** What a client-sent `x-request-id` may look like to be adopted (anything else gets a generated id). */
const REQUEST_ID = /^[\w.:-]{1,128}$/;
const requestIdPrefix = randomBytes(4).toString('hex');
let requestSequence = 0;

function requestId(request: IncomingMessage): string {
  const sent = request.headers['x-request-id'];
  if (typeof sent === 'string' && REQUEST_ID.test(sent)) return sent;
  requestSequence += 1;
  return `${requestIdPrefix}-${requestSequence.toString(36)}`;
}

/**
 * The gateway's Fastify instance: the limits, every error (Fastify's, Node's parser's, the routes') answered
 * with the one error body, the metrics and access log on every response, and the catch-all routes behind
 * which plugin routes live.
 */
export function createGatewayServer(options: ResolvedHttpOptions, parts: ServerParts): FastifyInstance {
  const { reporting, receiving, answering } = parts;
  const limits = {
    bodyLimit: options.bodyLimit,
    maxHeaderSize: options.maxHeaderSize,
    requestTimeout: options.requestTimeout,
  };
  const fastify = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit,
    requestTimeout: options.requestTimeout,
    // Node checks request timeouts every connectionsCheckingInterval (30 s by default), far too rarely for
    // a short requestTimeout to mean anything.
    http: {
      maxHeaderSize: options.maxHeaderSize,
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(options.requestTimeout / 4))),
    },
    trustProxy: trustProxyOption(options.trustProxy),
    genReqId: requestId,
    clientErrorHandler: clientErrorHandler(limits),
    frameworkErrors: (error, request, reply) => reporting.sendError(request, reply, error),
    routerOptions: { ignoreTrailingSlash: true },
  });
  fastify.decorateRequest('trellis', null);
  fastify.decorateRequest('trellisRoute', null);
  fastify.setErrorHandler((error, request, reply) => reporting.sendError(request, reply, error));
  fastify.setNotFoundHandler((request, reply) =>
    reporting.sendError(
      request,
      reply,
      httpErrors.routeNotFound(request.method, request.url.split('?', 1)[0] ?? '/'),
    ),
  );
  fastify.addHook('onResponse', (request, reply, done) => {
    receiving.settle(reply);
    answering.settle(reply);
    reporting.observe(request, reply);
    done();
  });
  fastify.route({
    method: [...HTTP_METHODS],
    url: CATCH_ALL,
    exposeHeadRoute: false,
    // Node's requestTimeout stops watching once the headers arrived; a body trickling in is watched here.
    onRequest: (request, reply, done) => {
      if (
        request.headers['content-length'] !== undefined ||
        request.headers['transfer-encoding'] !== undefined
      )
        receiving.track(reply);
      done();
    },
    handler: parts.handle,
  });
  return fastify;
}

/** Fastify's types leave out the hop count its proxy-addr accepts: a count trusts that many hops. */
function trustProxyOption(
  trustProxy: ResolvedHttpOptions['trustProxy'],
): boolean | string | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trustProxy === 'number') return (_address, hop) => hop < trustProxy;
  return typeof trustProxy === 'object' ? [...trustProxy] : trustProxy;
}
