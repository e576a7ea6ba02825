import type { Host } from '@trellis/core';
import type { HealthRegistry } from '../health/health-checks.js';
import { readiness } from '../health/readiness.js';
import { renderDocsPage } from '../openapi/docs-page.js';
import type { OpenApiDocument } from '../openapi/openapi-document.js';
import { patternRoute } from '../rest/rest-exposure.js';
import type { RouteDocs } from '../routes/compiled-route.js';
import type { RouteOptions } from '../routes/route-types.js';
import type { ResolvedHttpOptions } from './http-options.js';

/** A route the gateway serves itself, with how the OpenAPI document treats it. */
export interface GatewayRoute {
  readonly options: RouteOptions;
  readonly docs: Pick<RouteDocs, 'hidden'>;
}

/** What the gateway's own routes read. */
export interface GatewayRouteSources {
  readonly host: () => Host | undefined;
  readonly health: HealthRegistry;
  readonly openapi: () => OpenApiDocument;
}

const hidden = { hidden: true } as const;

/**
 * The routes the gateway serves itself: health (`live`, `ready`), Prometheus metrics, the OpenAPI document
 * and docs page, and REST exposure by `rest.expose` patterns, each unless turned off. They live in the same
 * route table as plugin routes, so a plugin claiming one of their paths is told who has it.
 */
export function gatewayRoutes(options: ResolvedHttpOptions, sources: GatewayRouteSources): GatewayRoute[] {
  const routes: GatewayRoute[] = [];
  const health = options.health;
  if (health !== false) {
    const ready: RouteOptions['handler'] = async (_request, reply) => {
      const host = sources.host();
      if (host === undefined)
        return reply.code(503).send({ status: 'not ready', host: 'idle', plugins: [], checks: [] });
      const report = await readiness(host, sources.health);
      return reply.code(report.status === 'ready' ? 200 : 503).send(report);
    };
    routes.push(
      {
        options: {
          method: 'GET',
          url: `${health.path}/live`,
          prefix: false,
          rateLimit: false,
          handler: () => ({ status: 'ok' }),
        },
        docs: hidden,
      },
      {
        options: {
          method: 'GET',
          url: `${health.path}/ready`,
          prefix: false,
          auth: health.auth,
          rateLimit: false,
          handler: ready,
        },
        docs: hidden,
      },
      {
        options: {
          method: 'GET',
          url: health.path,
          prefix: false,
          auth: health.auth,
          rateLimit: false,
          handler: ready,
        },
        docs: hidden,
      },
    );
  }
  const metrics = options.metrics;
  if (metrics !== false) {
    routes.push({
      options: {
        method: 'GET',
        url: metrics.path,
        prefix: false,
        auth: metrics.auth,
        rateLimit: false,
        handler: async (_request, reply) => {
          const registry = sources.host()?.metrics.registry;
          if (registry === undefined)
            return reply.code(503).type('text/plain').send('# the host has not started\n');
          return reply.type(registry.contentType).send(await registry.metrics());
        },
      },
      docs: hidden,
    });
  }
  const openapi = options.openapi;
  if (openapi !== false) {
    routes.push(
      {
        options: { method: 'GET', url: openapi.path, prefix: false, handler: () => sources.openapi() },
        docs: hidden,
      },
      {
        options: {
          method: 'GET',
          url: openapi.docsPath,
          prefix: false,
          handler: (_request, reply) =>
            reply.type('text/html; charset=utf-8').send(renderDocsPage(sources.openapi(), openapi.path)),
        },
        docs: hidden,
      },
    );
  }
  if (options.rest.patternSources.length > 0)
    // Documented per capability by the OpenAPI builder, not as one parametric operation.
    routes.push({ options: patternRoute(options.rest, sources.host), docs: hidden });
  return routes;
}
