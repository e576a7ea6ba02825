import type { Logger } from '@trellis/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, errorHeaders, statusForError } from '../errors/error-status.js';
import { fromFastifyError, type GatewayLimits } from '../errors/fastify-errors.js';
import { type LoggingOptions, logRequest } from '../middleware/request-logging.js';
import type { HttpMetrics } from './http-metrics.js';

/** The path of Fastify's catch-all routes, behind which the dynamic route table lives. */
export const CATCH_ALL = '/*';

/** What {@link RequestReporting} needs. */
export interface ReportingParts {
  readonly limits: GatewayLimits;
  readonly logging: Required<LoggingOptions> | false;
  readonly metrics: HttpMetrics;
  /** The gateway's logger (the host's once it started). */
  readonly logger: () => Logger;
}

/**
 * How the gateway answers failures and accounts for every response: one error body and status mapping
 * for all errors (Fastify's own included), the request counters and the access log.
 */
export class RequestReporting {
  readonly #parts: ReportingParts;

  constructor(parts: ReportingParts) {
    this.#parts = parts;
  }

  /**
   * Answers `thrown` with its status, headers and error body. Unexpected errors (500) are logged with
   * their stack under the request id the client sees; what the client gets never includes them.
   */
  readonly sendError = (request: FastifyRequest, reply: FastifyReply, thrown: unknown): void => {
    const error = fromFastifyError(thrown, this.#parts.limits, request.headers['content-type']);
    const status = statusForError(error);
    if (status === 500)
      this.#parts.logger().error({ err: thrown, requestId: request.id, url: request.url }, 'request failed');
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    reply
      .code(status)
      .headers(errorHeaders(error))
      .header('x-request-id', request.id)
      .send(errorBody(error, request.id));
  };

  /** Counts an answered request by route pattern and status, and writes its access-log line. */
  observe(request: FastifyRequest, reply: FastifyReply): void {
    const pattern = request.trellis?.route.path ?? request.trellisRoute;
    const fastifyRoute = request.routeOptions.url;
    const route =
      pattern ?? (fastifyRoute === undefined || fastifyRoute === CATCH_ALL ? 'unmatched' : fastifyRoute);
    this.#parts.metrics.record(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    const logging = this.#parts.logging;
    const logger = this.#parts.logger();
    if (logging === false || !logger.isLevelEnabled(logging.level)) return;
    const gatewayRequest = request.trellis;
    logRequest(logger, logging.level, {
      requestId: request.id,
      method: request.method,
      url: request.url,
      route,
      plugin: gatewayRequest?.route.plugin,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      principal: gatewayRequest?.principal?.id,
      ip: request.ip,
      ...(logging.bodies ? { requestBody: request.body, responseBody: gatewayRequest?.result } : {}),
    });
  }
}
