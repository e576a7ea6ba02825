export { type CapturedEvent, EventLog, type EventPredicate } from './capture/event-log.js';
export {
  type CapturedLog,
  LogCapture,
  type LogLevelName,
  type MessageMatcher,
} from './capture/log-capture.js';
export { type CaseReport, type CaseResult, percentile } from './cases/case-report.js';
export { type DescribeCasesOptions, describeCases } from './cases/describe-cases.js';
export {
  type CapabilityCase,
  type CaseTarget,
  type DeepPartial,
  type ExpectedError,
  runCase,
  runCases,
} from './cases/run-cases.js';
export {
  DEFAULT_START_TIME,
  FakeClock,
  type FakeClockOptions,
  type RunUntilOptions,
} from './clock/fake-clock.js';
export { checkPluginConformance } from './conformance/check-conformance.js';
export {
  CHECK_TITLES,
  CONFORMANCE_CHECKS,
  type ConformanceCheck,
  type ConformanceFinding,
  type ConformanceOptions,
  type ConformanceReport,
} from './conformance/conformance-types.js';
export {
  type DescribeConformanceOptions,
  describePluginConformance,
} from './conformance/describe-conformance.js';
export {
  type MarkdownExampleOptions,
  markdownCodeBlocks,
  runMarkdownExample,
} from './docs/markdown-example.js';
export { isTrellisErrorLike, type TrellisErrorLike } from './errors/error-shape.js';
export { TESTING_ERROR_CODES, type TestingErrorCode, testingErrors } from './errors/testing-errors.js';
export { createTestHost } from './host/create-test-host.js';
export { stopAllTestHosts } from './host/live-hosts.js';
export { TestHost } from './host/test-host.js';
export type {
  HostFactory,
  TaskRunSummary,
  TestHostOptions,
  WaitForEventOptions,
} from './host/test-host-options.js';
export type {
  GatewayLike,
  InjectRequest,
  InjectResponse,
  TestHttp,
  TestHttpOptions,
} from './http/test-http.js';
export type {
  CloseInfo,
  MessageMatcher as WebSocketMessageMatcher,
  WaitOptions,
  WebSocketClientOptions,
  WebSocketTestClient,
} from './http/websocket-client.js';
export { matchesPartial } from './matching/partial-match.js';
export { CallJournal, type MockCall } from './mocks/call-journal.js';
export {
  type CapabilityMock,
  type CapabilityMockLike,
  isCapabilityMock,
  type MockHandler,
  type MockOptions,
  type MockSpec,
  type Mocks,
  type MockValue,
  mock,
} from './mocks/capability-mock.js';
export type { DeniedAction, ObservedPool, PluginObserver, SetupRecord } from './observe/plugin-observer.js';
export {
  type ArbitraryFromSchemaOptions,
  arbitraryFromSchema,
  jsonSchemaOf,
} from './property/arbitrary-from-schema.js';
export {
  arbitraryFromJsonSchema,
  type JsonSchema,
  type JsonSchemaArbitraryOptions,
} from './property/json-schema-arbitrary.js';
export { assertOnlyTrellisErrors, type OnlyTrellisErrorsOptions } from './property/only-trellis-errors.js';
