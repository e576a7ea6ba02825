import {
  type BootReport,
  type CallOptions,
  compileTopicPattern,
  type EventHandler,
  type Host,
  type Plugin,
  type Schema,
  type StopReport,
  type Store,
  type SubscribeOptions,
  type TaskEvent,
} from '@trellis/core';
import type { CapturedEvent, EventLog, EventPredicate } from '../capture/event-log.js';
import type { LogCapture } from '../capture/log-capture.js';
import type { FakeClock } from '../clock/fake-clock.js';
import { testingErrors } from '../errors/testing-errors.js';
import { type GatewayLike, type TestHttp, testHttp } from '../http/test-http.js';
import {
  connectWebSocket,
  type WebSocketClientOptions,
  type WebSocketTestClient,
  webSocketPath,
} from '../http/websocket-client.js';
import type { CallJournal, MockCall } from '../mocks/call-journal.js';
import type { CapabilityMock } from '../mocks/capability-mock.js';
import { PluginObserver } from '../observe/plugin-observer.js';
import { forgetLiveHost } from './live-hosts.js';
import type { TaskRunSummary, TestHostOptions, WaitForEventOptions } from './test-host-options.js';

/** The parts a {@link TestHost} is made of; assembled by `createTestHost`. */
export interface TestHostParts {
  readonly host: Host;
  readonly clock: FakeClock;
  readonly store: Store;
  readonly events: EventLog;
  readonly logs: LogCapture;
  readonly journal: CallJournal;
  readonly mocks: ReadonlyMap<string, CapabilityMock>;
  readonly observers: Map<string, PluginObserver>;
  readonly gateway: GatewayLike | undefined;
  readonly options: TestHostOptions;
}

/** Rounds of dispatch `runTasks` goes through before deciding the rest waits on the test. */
const MAX_TASK_ROUNDS = 100;
/**
 * How far the fake clock may move while the host starts, stops or changes a plugin: far beyond every
 * bounded wait of the kernel (10 s by default), short of running its hourly housekeeping forever.
 */
const LIFECYCLE_WITHIN = { within: 24 * 60 * 60 * 1000 };

/**
 * A real host on a fake clock, with everything a test looks at captured: events, logs, calls of mocked
 * capabilities. Made by `createTestHost`; stop it with {@link TestHost.stop} (or let
 * `@trellis/testing/vitest` stop it after each test).
 */
export class TestHost {
  /** The host itself. */
  readonly host: Host;
  /** The fake clock every timer of the host runs on. */
  readonly clock: FakeClock;
  /** Where plugin state and tasks persist (a `MemoryStore` unless one was given). */
  readonly store: Store;
  /** Every event emitted in the host. */
  readonly events: EventLog;
  /** Every log line the host wrote, parsed. */
  readonly logs: LogCapture;
  /** The options the test host was made with (to make a sibling with other config, say). */
  readonly options: TestHostOptions;
  /** What the last start reported, once started. */
  bootReport: BootReport | undefined;
  readonly #journal: CallJournal;
  readonly #mocks: ReadonlyMap<string, CapabilityMock>;
  readonly #observers: Map<string, PluginObserver>;
  readonly #gateway: GatewayLike | undefined;
  readonly #sockets = new Set<WebSocketTestClient>();
  #stopping: Promise<StopReport> | undefined;
  /** Where the previous `runTasks` stopped reading the events. */
  #tasksReported = 0;

  /** @internal Use `createTestHost`. */
  constructor(parts: TestHostParts) {
    this.host = parts.host;
    this.clock = parts.clock;
    this.store = parts.store;
    this.events = parts.events;
    this.logs = parts.logs;
    this.options = parts.options;
    this.#journal = parts.journal;
    this.#mocks = parts.mocks;
    this.#observers = parts.observers;
    this.#gateway = parts.gateway;
  }

  /**
   * Starts the host, moving the fake clock while it waits (a setup waiting on the host's clock, or one
   * that never resolves and meets its setup timeout). Throws `E_TEST_HOST_BOOT` when plugins failed,
   * unless the options allow it.
   */
  async start(): Promise<BootReport> {
    const report = await this.clock.runUntilSettled(this.host.start(), LIFECYCLE_WITHIN);
    this.bootReport = report;
    await this.clock.settle();
    if (report.failed.length > 0 && this.options.allowBootFailures !== true) {
      await this.stop();
      throw testingErrors.bootFailed(report.failed);
    }
    return report;
  }

  /**
   * Stops the host (once; later calls get the same report): WebSocket clients are cut, then the host
   * stops with the fake clock moving through the bounded waits of stopping (task stop timeout, drain and
   * teardown limits), so a stuck plugin cannot hang the test.
   */
  stop(): Promise<StopReport> {
    this.#stopping ??= this.#stopNow();
    return this.#stopping;
  }

  async #stopNow(): Promise<StopReport> {
    forgetLiveHost(this);
    for (const socket of this.#sockets) socket.terminate();
    this.#sockets.clear();
    return this.clock.runUntilSettled(this.host.stop(), LIFECYCLE_WITHIN);
  }

  /** Calls a capability as the host (no permissions apply). The fake clock does not move. */
  call<Result = unknown>(capability: string, params?: unknown, options?: CallOptions): Promise<Result> {
    return this.host.call<Result>(capability, params, options);
  }

  /** Emits an event from the host. */
  emit(topic: string, payload?: unknown): Promise<void> {
    return this.host.emit(topic, payload);
  }

  /** Subscribes the test to events; returns the unsubscribe function. */
  on<Payload = unknown>(
    pattern: string,
    handler: EventHandler<Payload>,
    options?: Omit<SubscribeOptions<Payload>, 'owner'>,
  ): () => void {
    return this.host.on(pattern, handler, options);
  }

  /** Disables a plugin, moving the fake clock through the drain and teardown waits. */
  disable(name: string): Promise<void> {
    return this.clock.runUntilSettled(this.host.disable(name), LIFECYCLE_WITHIN);
  }

  /** Enables a plugin again, moving the fake clock while it starts. */
  enable(name: string): Promise<void> {
    return this.clock.runUntilSettled(this.host.enable(name), LIFECYCLE_WITHIN);
  }

  /** Reloads a plugin (with `next`, or the same definition), observed like the plugins given at creation. */
  reload(name: string, next?: Plugin): Promise<void> {
    let observed = next;
    if (next !== undefined) {
      let observer = this.#observers.get(name);
      if (observer === undefined) {
        observer = new PluginObserver(name, this.clock);
        this.#observers.set(name, observer);
      }
      observed = observer.wrap(next);
    }
    return this.clock.runUntilSettled(this.host.reload(name, observed), LIFECYCLE_WITHIN);
  }

  /** The recorder of a mocked capability; throws `E_MOCK_UNKNOWN` for one that is not mocked. */
  mock<Params = unknown, Result = unknown>(capability: string): CapabilityMock<Params, Result> {
    const recorder = this.#mocks.get(capability);
    if (recorder === undefined) throw testingErrors.mockUnknown(capability, [...this.#mocks.keys()]);
    return recorder as unknown as CapabilityMock<Params, Result>;
  }

  /** Every call of the mocked capabilities, in order. */
  get mockCalls(): readonly MockCall[] {
    return this.#journal.calls;
  }

  /**
   * Asserts that the next call of the mocked capabilities (after those already expected) is of
   * `capability`, with params matching `params` like `toMatchObject`; returns it.
   */
  expectCall(capability: string, params?: unknown): MockCall {
    return this.#journal.expectCall(capability, params);
  }

  /** Asserts that every call of the mocked capabilities was expected by {@link TestHost.expectCall}. */
  expectNoMoreCalls(): void {
    this.#journal.expectNoMoreCalls();
  }

  /**
   * Resolves with the first event whose topic matches `pattern` (and `predicate`), moving the fake clock
   * through its timers until it arrives; rejects with `E_WAIT_TIMEOUT` after `timeout` fake ms.
   */
  async waitForEvent<Payload = unknown>(
    pattern: string,
    predicate?: EventPredicate<Payload>,
    options: WaitForEventOptions = {},
  ): Promise<CapturedEvent<Payload>> {
    const compiled = compileTopicPattern(pattern);
    const accepts = (event: CapturedEvent): event is CapturedEvent<Payload> =>
      compiled.matches(event.topic) &&
      (predicate === undefined || predicate(event as CapturedEvent<Payload>));
    if (options.past !== false) {
      const earlier = this.events.all.find(accepts);
      if (earlier !== undefined) return earlier;
    }
    const timeout = options.timeout ?? 10_000;
    const mark = this.events.mark;
    let found: CapturedEvent<Payload> | undefined;
    const what = `an event matching '${pattern}'${predicate === undefined ? '' : ' and the predicate'}`;
    const timedOut = () =>
      testingErrors.waitTimeout(
        what,
        timeout,
        'fake',
        this.events.since(mark).map((event) => event.topic),
      );
    let stopListening = () => {};
    const arrived = new Promise<void>((resolve) => {
      stopListening = this.events.listen((event) => {
        if (found !== undefined || !accepts(event)) return;
        found = event;
        resolve();
      });
    });
    try {
      if (options.advance === false) {
        let timer: unknown;
        const expired = new Promise<never>((_resolve, reject) => {
          timer = this.clock.setTimeout(() => reject(timedOut()), timeout);
        });
        await Promise.race([arrived, expired]).finally(() => this.clock.clearTimeout(timer));
      } else if (!(await this.clock.runUntil(() => found !== undefined, { within: timeout }))) {
        throw timedOut();
      }
    } finally {
      stopListening();
    }
    return found as CapturedEvent<Payload>;
  }

  /**
   * Runs every task due now: timers due at the current fake time fire, due jobs start, and the call
   * waits for them to settle (retries are scheduled later, so they are reported, not run). Reports what
   * tasks did since the previous `runTasks` (or the start), and which still run: those wait for something
   * the test controls.
   */
  async runTasks(): Promise<TaskRunSummary> {
    for (let round = 0; round < MAX_TASK_ROUNDS; round += 1) {
      await this.clock.advance(0);
      const running = await this.host.tasks.list({ status: 'running', limit: Number.MAX_SAFE_INTEGER });
      if (running.length === 0) break;
      const before = this.events.mark;
      await Promise.race([
        Promise.all(running.map((task) => this.host.tasks.wait(task.id))),
        this.clock.settle(),
      ]);
      if (this.events.mark === before) break;
    }
    const reported = this.events.since(this.#tasksReported);
    this.#tasksReported = this.events.mark;
    const taskEvents = (topic: string) =>
      reported.filter((event) => event.topic === topic).map((event) => event.payload as TaskEvent);
    return {
      completed: taskEvents('task.completed'),
      failed: taskEvents('task.failed'),
      retrying: taskEvents('task.retrying'),
      running: await this.host.tasks.list({ status: 'running', limit: Number.MAX_SAFE_INTEGER }),
    };
  }

  /**
   * The params schema `capability` was provided with, when it has one: as the host describes it, else as
   * last seen provided by a plugin under test or a mock (for a capability not registered now).
   */
  paramsSchemaOf(capability: string): Schema | undefined {
    const described = this.host.capabilities().find((entry) => entry.name === capability)?.params;
    if (described !== undefined) return described;
    for (const observer of this.#observers.values()) {
      const options = observer.capabilities.get(capability);
      if (options?.params !== undefined) return options.params as Schema;
    }
    return this.#mocks.get(capability)?.options.params as Schema | undefined;
  }

  /** What the kit observed of a plugin under test (its capabilities, refusals, setups). */
  observerOf(plugin: string): PluginObserver | undefined {
    return this.#observers.get(plugin);
  }

  /** HTTP access to the gateway; throws `E_HTTP_UNAVAILABLE` unless created with `http`. */
  get http(): TestHttp {
    if (this.#gateway === undefined)
      throw testingErrors.httpUnavailable(
        'this test host has no gateway; create it with createTestHost({ http: true })',
      );
    return testHttp(this.#gateway);
  }

  /** Opens a WebSocket to `path` on the gateway; it is cut when the test host stops. */
  async ws(path: string, options?: WebSocketClientOptions): Promise<WebSocketTestClient> {
    const url = `${this.http.url.replace(/^http/, 'ws')}${webSocketPath(path)}`;
    const client = await connectWebSocket(url, options);
    this.#sockets.add(client);
    return client;
  }
}
