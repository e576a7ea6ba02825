import './context.js';

export type {
  Authenticator,
  AuthProviderOptions,
  AuthRequest,
  AuthRequirement,
  PluginAuth,
  VerifyFunction,
} from './auth/auth-types.js';
export { type AuthProviderDescription, GatewayAuthenticator } from './auth/gateway-authenticator.js';
export {
  type ErrorBody,
  errorBody,
  errorHeaders,
  publicError,
  STATUS_BY_CODE,
  statusForError,
} from './errors/error-status.js';
export { GATEWAY_OWNER, HTTP_ERROR_CODES, httpErrors } from './errors/http-errors.js';
export { REALTIME_ERROR_CODES, realtimeErrors } from './errors/realtime-errors.js';
export { type HttpContextMembers, HttpGateway, httpSurface } from './gateway/http-gateway.js';
export type {
  HealthOptions,
  HttpOptions,
  MetricsOptions,
  OpenApiOptions,
} from './gateway/http-options.js';
export {
  GRAPHQL_REQUEST_CODES,
  type GraphqlCallOptions,
  type GraphqlContext,
  type GraphqlContribution,
  type GraphqlEventFilter,
  type GraphqlFieldConfig,
  type GraphqlFieldResolver,
  type GraphqlOptions,
  type GraphqlResolvers,
  type GraphqlSchemaProblem,
  type GraphqlSubscribeFunction,
  type PluginGraphql,
} from './graphql/graphql-gateway.js';
export type {
  CheckReport,
  HealthCheck,
  HealthCheckOptions,
  HealthCheckResult,
  PluginHealth,
} from './health/health-checks.js';
export type { PluginReadiness, ReadinessReport } from './health/readiness.js';
export { HOOK_STAGES } from './middleware/hook-registry.js';
export { isSensitiveName, type LoggingOptions, redactUrl } from './middleware/request-logging.js';
export type { CacheDefaults } from './middleware/response-cache.js';
export type { OpenApiDocument, Operation } from './openapi/openapi-document.js';
export type { ExposeOptions, RestOptions } from './rest/rest-exposure.js';
export type { PluginHttp, RouteShorthand } from './routes/plugin-http.js';
export type { RouteListing } from './routes/route-table.js';
export {
  type BodyOf,
  type HookStage,
  HTTP_METHODS,
  type HttpHook,
  type HttpHookOptions,
  type HttpMethod,
  type HttpReply,
  type HttpRequest,
  type ParamsOf,
  type QueryOf,
  type RouteCacheOptions,
  type RouteHandler,
  type RouteInfo,
  type RouteOptions,
  type RouteRateLimitOptions,
  type RouteSchemas,
  type RouteSettings,
} from './routes/route-types.js';
export {
  type BroadcastOptions,
  type PluginWebSocket,
  type Room,
  type RoomListener,
  type WebSocketCloseEvent,
  type WebSocketCloseListener,
  type WebSocketConnection,
  type WebSocketEndpointOptions,
  type WebSocketHandler,
  type WebSocketMessageListener,
  type WebSocketOptions,
  WS_CLOSE_CODES,
} from './websocket/websocket-hub.js';
