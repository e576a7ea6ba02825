import type { PluginAuth } from './auth/auth-types.js';
import type { PluginGraphql } from './graphql/graphql-types.js';
import type { PluginHealth } from './health/health-checks.js';
import type { PluginHttp } from './routes/plugin-http.js';
import type { PluginWebSocket } from './websocket/websocket-types.js';

// The gateway adds these members to every plugin's context (see HttpGateway.attach); declaring them here
// types `ctx.http` and the others wherever `@trellis/http` is imported, the way Fastify types decorators.
declare module '@trellis/core' {
  interface PluginContext<Config = unknown> {
    /** Routes, HTTP middleware and REST exposure of capabilities (`@trellis/http`). */
    readonly http: PluginHttp;
    /** Auth providers the gateway authenticates requests with (`@trellis/http`). */
    readonly auth: PluginAuth;
    /** Custom checks of `/health/ready` (`@trellis/http`). */
    readonly health: PluginHealth;
    /** WebSocket endpoints, rooms and broadcasts (`@trellis/http`). */
    readonly ws: PluginWebSocket;
    /** Type definitions and resolvers merged into the GraphQL schema (`@trellis/http`). */
    readonly graphql: PluginGraphql;
  }
}
