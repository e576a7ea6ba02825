import {
  createHost,
  definePlugin,
  type Host,
  type HostOptions,
  type TaskEvent,
  TrellisError,
} from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { createTestHost, FakeClock, mock, type TestHost } from '../../src/vitest/index.js';
import { type User, users } from '../support/plugins.js';

const HOUR = 60 * 60 * 1000;
const ada: User = { id: 1, name: 'Ada' };

function usersHost(store: (params: { key: string }) => User | null | Promise<User | null> = () => ada) {
  return createTestHost({
    plugins: [users],
    mocks: { 'store.get': mock(store) },
    config: { users: { greeting: 'Hi' } },
  });
}

async function rejection(promise: Promise<unknown>): Promise<TrellisError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(TrellisError);
  return error as TrellisError;
}

describe('createTestHost', () => {
  it('runs the plugins against stand-ins of their mocked dependencies and records each call', async () => {
    const testHost = await usersHost();
    expect(await testHost.call('users.get', { id: 1 })).toEqual({ id: 1, name: 'Ada', greeting: 'Hi, Ada' });
    const storeGet = testHost.mock('store.get');
    expect(storeGet).toHaveBeenCalledWith({ key: 'user:1' });
    expect(storeGet.callers()).toEqual(['users']);
    expect(storeGet.contexts[0]?.capability).toBe('store.get');
    // The stand-in's version is the lowest that satisfies what the plugin asks for (^2.1.0).
    expect(testHost.host.plugins().find((plugin) => plugin.name === 'store')).toMatchObject({
      version: '2.1.0',
      state: 'running',
      capabilities: ['store.get'],
    });
  });

  it('answers mocked capabilities with a static value, a handler, or a recorder set to fail', async () => {
    const failing = mock<{ key: string }, User>().mockRejected('E_STORE_DOWN', 'store is down', {
      retryAfterMs: 5,
    });
    const testHost = await createTestHost({
      mocks: {
        'config.get': { theme: 'dark' },
        'math.double': (params: { n: number }) => params.n * 2,
        'store.get': failing,
      },
    });
    expect(await testHost.call('config.get')).toEqual({ theme: 'dark' });
    expect(await testHost.call('math.double', { n: 21 })).toBe(42);
    const error = await rejection(testHost.call('store.get', { key: 'k' }));
    expect(error).toMatchObject({
      code: 'E_STORE_DOWN',
      message: 'store is down',
      details: { retryAfterMs: 5 },
    });
    expect(testHost.mock('math.double')).toHaveBeenCalledWith({ n: 21 });
    expect(testHost.mockCalls.map((call) => [call.capability, call.caller])).toEqual([
      ['config.get', 'host'],
      ['math.double', 'host'],
      ['store.get', 'host'],
    ]);
  });

  it('checks the calls of mocked capabilities in order, with a diff of what came instead', async () => {
    const testHost = await usersHost();
    await testHost.call('users.get', { id: 1 });
    await testHost.call('users.get', { id: 2 });
    expect(testHost.expectCall('store.get', { key: 'user:1' })).toMatchObject({ caller: 'users' });
    expect(() => testHost.expectCall('store.get', { key: 'user:3' })).toThrow(
      /call #2 of the mocked capabilities/,
    );
    testHost.expectCall('store.get', { key: 'user:2' });
    testHost.expectNoMoreCalls();
    expect(() => testHost.expectCall('store.get')).toThrow(/no further call was made/);
    await testHost.call('users.get', { id: 1 });
    expect(() => testHost.expectNoMoreCalls()).toThrow(/store\.get\(\{"key":"user:1"\}\) from users/);
  });

  it('captures every event with its source, and every log line parsed', async () => {
    const testHost = await usersHost();
    await testHost.call('users.get', { id: 1 });
    expect(testHost.events.matching('user.*')).toEqual([
      { topic: 'user.seen', source: 'users', payload: { id: 1 }, time: testHost.clock.now() },
    ]);
    expect(testHost.events.topics('trellis.plugin.state')).not.toHaveLength(0);
    expect(testHost.events.last('user.**')?.payload).toEqual({ id: 1 });
    expect(testHost.logs.find('info', 'host started')).toMatchObject({ level: 30, running: 2, failed: 0 });
    expect(testHost.logs.find('info', /^host start/)).toBeDefined();
    expect(testHost.logs.find('error')).toBeUndefined();
    expect(testHost.logs.filter(undefined, 'plugin state').length).toBeGreaterThan(0);
    expect(() => testHost.logs.find('loud' as 'info')).toThrow(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
    const mark = testHost.events.mark;
    testHost.events.clear();
    testHost.logs.clear();
    expect([...testHost.events]).toEqual([]);
    expect(testHost.logs.all).toEqual([]);
    await testHost.call('users.get', { id: 2 });
    expect(testHost.events.since(mark).map((event) => event.topic)).toEqual(['user.seen']);
    expect(testHost.events.mark).toBe(mark + 1);
  });

  it('runs every timeout and task of the host on the fake clock', async () => {
    const testHost = await usersHost(() => new Promise<never>(() => undefined));
    const started = testHost.clock.now();
    const call = testHost.call('users.get', { id: 1 });
    const outcome = call.then(
      () => 'resolved',
      (error: TrellisError) => error.code,
    );
    await testHost.clock.advance(499);
    expect(await Promise.race([outcome, 'pending'])).toBe('pending');
    await testHost.clock.advance(1);
    expect(await outcome).toBe('E_TIMEOUT');
    const prune = await testHost.waitForEvent<TaskEvent>(
      'task.completed',
      (event) => event.payload.name === 'prune',
      {
        timeout: 2 * HOUR,
      },
    );
    expect(prune.time - started).toBe(HOUR);
  });

  it('waits for events already captured, or moves the clock until one arrives, or times out on fake time', async () => {
    const testHost = await usersHost();
    await testHost.call('users.get', { id: 1 });
    expect((await testHost.waitForEvent('user.seen')).payload).toEqual({ id: 1 });
    const fresh = testHost.waitForEvent('user.seen', undefined, { past: false });
    await testHost.call('users.get', { id: 1 });
    await expect(fresh).resolves.toMatchObject({ payload: { id: 1 } });

    const before = testHost.clock.now();
    const error = await rejection(testHost.waitForEvent('order.placed', undefined, { timeout: 5_000 }));
    expect(error.code).toBe('E_WAIT_TIMEOUT');
    expect(error.message).toContain("an event matching 'order.placed'");
    expect(testHost.clock.now() - before).toBe(5_000);

    const standing = testHost.waitForEvent('order.placed', undefined, { advance: false, timeout: 1_000 });
    const standingOutcome = standing.then(
      () => 'arrived',
      (reason: TrellisError) => reason.code,
    );
    await testHost.clock.settle();
    expect(testHost.clock.now() - before).toBe(5_000);
    await testHost.clock.advance(1_000);
    expect(await standingOutcome).toBe('E_WAIT_TIMEOUT');
  });

  it('runs the tasks due now and reports what completed, failed and still runs', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const jobs = definePlugin({
      name: 'jobs',
      version: '1.0.0',
      setup(ctx) {
        ctx.tasks.define('double', (n: number) => n * 2, { concurrency: 5 });
        ctx.tasks.define(
          'flaky',
          () => {
            throw new TrellisError('E_FLAKY', 'flaky', { retryable: true });
          },
          { retries: 1 },
        );
        ctx.tasks.define('gated', () => gate);
        ctx.provide('jobs.enqueue', ({ name, payload }: { name: string; payload?: unknown }) =>
          ctx.tasks.enqueue(name, payload),
        );
      },
    });
    const testHost = await createTestHost({ plugins: [jobs] });
    for (const n of [1, 2]) await testHost.call('jobs.enqueue', { name: 'double', payload: n });
    await testHost.call('jobs.enqueue', { name: 'flaky' });
    await testHost.call('jobs.enqueue', { name: 'gated' });
    const summary = await testHost.runTasks();
    expect(summary.completed.map((event) => event.result).sort()).toEqual([2, 4]);
    expect(summary.retrying.map((event) => event.name)).toEqual(['flaky']);
    expect(summary.failed).toEqual([]);
    expect(summary.running.map((task) => task.name)).toEqual(['gated']);
    release();
    await testHost.clock.advance(1_000);
    const later = await testHost.runTasks();
    expect(testHost.events.matching('task.failed').map((event) => (event.payload as TaskEvent).name)).toEqual(
      ['flaky'],
    );
    expect(later.running).toEqual([]);
  });

  it('refuses to hand back a host whose plugins failed, unless told to', async () => {
    const broken = definePlugin({
      name: 'broken',
      version: '1.0.0',
      setup() {
        throw new Error('no database');
      },
    });
    const error = await rejection(createTestHost({ plugins: [broken, users], mocks: { 'store.get': null } }));
    expect(error.code).toBe('E_TEST_HOST_BOOT');
    expect(error.message).toContain('- broken: E_SETUP_FAILED');
    expect(error.message).toContain('allowBootFailures');
    const testHost = await createTestHost({ plugins: [broken], allowBootFailures: true });
    expect(testHost.bootReport?.failed.map((failure) => failure.name)).toEqual(['broken']);
    expect(testHost.logs.find('error', 'plugin failed to start')).toMatchObject({ plugin: 'broken' });
  });

  it('moves the clock through the bounded waits of a start and a stop, so hung plugins cannot hang a test', async () => {
    const hung = definePlugin({
      name: 'hung',
      version: '1.0.0',
      setupTimeout: 3_000,
      teardownTimeout: 2_000,
      setup: () => new Promise(() => undefined),
    });
    const stuck = definePlugin({
      name: 'stuck',
      version: '1.0.0',
      setup() {},
      teardown: () => new Promise(() => undefined),
    });
    const testHost = await createTestHost({ plugins: [hung, stuck], allowBootFailures: true });
    expect(testHost.bootReport?.failed[0]?.error.code).toBe('E_SETUP_TIMEOUT');
    const report = await testHost.stop();
    expect(report.errors.map((error) => error.code)).toEqual(['E_TEARDOWN_TIMEOUT']);
    expect(await testHost.stop()).toBe(report);
    expect(testHost.host.state).toBe('stopped');
  });

  it('shares a clock and a store between hosts, as restarts of one process', async () => {
    const clock = new FakeClock();
    const first = await createTestHost({ plugins: [users], mocks: { 'store.get': ada }, clock });
    await first.call('users.get', { id: 1 });
    await first.stop();
    await clock.advance(HOUR);
    const second = await createTestHost({
      plugins: [users],
      mocks: { 'store.get': ada },
      clock,
      store: first.store,
    });
    expect(await second.call('users.visits', { id: 1 })).toBe(1);
    expect(second.clock).toBe(clock);
  });

  it('disables, enables and reloads plugins with the new version observed too', async () => {
    const testHost = await usersHost();
    await testHost.disable('users');
    expect((await rejection(testHost.call('users.get', { id: 1 }))).code).toBe('E_PLUGIN_DISABLED');
    // Not registered while disabled: the schema comes from what the kit saw the plugin provide.
    expect(testHost.paramsSchemaOf('users.get')).toBeDefined();
    expect(testHost.paramsSchemaOf('users.nothing')).toBeUndefined();
    await testHost.enable('users');
    expect(await testHost.call('users.get', { id: 1 })).toMatchObject({ name: 'Ada' });
    const next = definePlugin({
      name: 'users',
      version: '1.1.0',
      dependencies: ['store'],
      setup(ctx) {
        ctx.provide('users.get', (params: unknown) => ({ params }), { params: users.definition.config! });
      },
    });
    await testHost.reload('users', next);
    expect(testHost.host.plugins().find((plugin) => plugin.name === 'users')?.version).toBe('1.1.0');
    expect(testHost.paramsSchemaOf('users.get')).toBe(users.definition.config);
  });

  it('builds the host with the factory it is given', async () => {
    const seen: HostOptions[] = [];
    const factory = (options: HostOptions): Host => {
      seen.push(options);
      return createHost(options);
    };
    const testHost = await createTestHost({ createHost: factory, mocks: { 'a.b': 1 }, start: false });
    expect(seen[0]?.clock).toBe(testHost.clock);
    expect(seen[0]?.plugins?.map((plugin) => plugin.manifest.name)).toEqual(['a']);
    expect(testHost.host.state).toBe('idle');
    await testHost.start();
    expect(await testHost.call('a.b')).toBe(1);
  });

  it('refuses bad options and unknown mocks with clear errors', async () => {
    expect((await rejection(createTestHost({ plugins: [{}] as never }))).code).toBe('E_INVALID_ARGUMENT');
    expect((await rejection(createTestHost(null as never))).code).toBe('E_INVALID_ARGUMENT');
    const conflict = await rejection(createTestHost({ plugins: [users], mocks: { 'users.get': {} } }));
    expect(conflict.code).toBe('E_MOCK_CONFLICT');
    expect(conflict.message).toContain("plugin: 'users-mock'");
    const versions = await rejection(
      createTestHost({
        mocks: { 'store.get': mock(1, { version: '1.0.0' }), 'store.put': mock(1, { version: '2.0.0' }) },
      }),
    );
    expect(versions.code).toBe('E_MOCK_CONFLICT');
    const testHost: TestHost = await usersHost();
    expect(() => testHost.mock('store.put')).toThrow(expect.objectContaining({ code: 'E_MOCK_UNKNOWN' }));
    expect(() => testHost.http).toThrow(expect.objectContaining({ code: 'E_HTTP_UNAVAILABLE' }));
  });

  it('lets a mock take the stand-in plugin and version it is told', async () => {
    const testHost = await createTestHost({
      mocks: { 'users.get': mock(ada, { plugin: 'directory', version: '3.0.0' }) },
    });
    expect(testHost.host.plugins().map((plugin) => [plugin.name, plugin.version])).toEqual([
      ['directory', '3.0.0'],
    ]);
    expect(await testHost.call('users.get')).toEqual(ada);
  });
});
