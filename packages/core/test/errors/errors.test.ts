import { describe, expect, it } from 'vitest';
import { ERROR_CODES, errors, TrellisError } from '../../src/index.js';

type Factories = typeof errors;

const issues = [
  { path: 'permissions.calls[1]', message: 'expected a pattern' },
  { path: '', message: 'expected an object' },
];
const trellisCause = new TrellisError('E_SETUP_TIMEOUT', 'Slow.', {
  details: { plugin: 'db', timeoutMs: 5 },
});

/** Arguments for every factory; typed so that a factory added to `errors` must be added here too. */
const SAMPLE_ARGUMENTS: { readonly [Name in keyof Factories]: Parameters<Factories[Name]> } = {
  invalidArgument: ['The timeout', 'a positive number', -1],
  manifestInvalid: ["plugin 'users'", issues],
  pluginDuplicate: ['users'],
  pluginNotFound: ['users', ['store', 'auth']],
  pluginState: ['users', 'stopped', 'call a capability', ['starting', 'running']],
  pluginStopped: ['users'],
  pluginDisabled: ['users', 'users.get', 'store'],
  pluginFailed: ['users', 'users.get', trellisCause],
  hostApiIncompatible: ['users', '^2.0.0', '1.0.0'],
  hostState: ['idle', 'disable a plugin', 'call host.start() first'],
  dependencyCycle: [['a', 'b', 'a']],
  dependencyMissing: ['users', 'store', '^1.0.0'],
  dependencyVersion: ['users', 'store', '^2.0.0', '1.4.0'],
  dependencyFailed: ['users', 'store', trellisCause],
  dependencyUndeclared: ['users', 'store'],
  configInvalid: ['users', issues],
  setupFailed: ['users', new Error('connection refused')],
  setupTimeout: ['users', 5_000],
  teardownFailed: ['users', 'a string'],
  teardownTimeout: ['users', 5_000],
  reloadFailed: ['users', trellisCause, true],
  capabilityNotFound: ['users.get'],
  capabilityDuplicate: ['users.get', 'users', 'accounts'],
  capabilityFailed: ['users.get', 'users', { odd: 'object' }],
  callDepth: ['users.get', 64],
  permissionDenied: ['users', 'call', 'billing.charge'],
  validation: ['users.get', 'params', issues],
  timeout: ['users.get', 200],
  circuitOpen: ['users.get', 5_000],
  bulkheadFull: ['users.get', 10, 100],
  rateLimited: ['users.get', 'billing', 250],
  poolTimeout: ['db', 'users', 2_000, 10, new Error('connection refused')],
  batchMismatch: ['users.load', 3, [1, 2]],
  aborted: ['users.get', new Error('client went away')],
  subscriberFailed: ['audit', 'orders.created', undefined],
  topicInvalid: ['orders..created', 'it has an empty segment'],
  valueNotJson: ['The value of state key k', 'items[2]', 'a function'],
  valueTooLarge: ['The payload of task mail.send', 2_000_000, 1_048_576],
  storeFailed: ['write a state key', new Error('SQLITE_FULL')],
  taskUnknown: ['mail', 'send', ['digest']],
  taskDuplicate: ['mail', 'send'],
  taskNotFound: ['0190a3b2'],
  scheduleInvalid: ['digest.daily', "'61 * * * *' is not a cron expression"],
  taskCancelled: ['0190a3b2'],
  taskFailed: ['0190a3b2', 'mail.send', 'a plain string'],
  taskTimeout: ['0190a3b2', 'mail.send', 30_000],
  surfaceStopFailed: ['http', new Error('server already closed')],
  surfaceStartFailed: ['http', new Error('listen EADDRINUSE 127.0.0.1:3000')],
};

const factoryNames = Object.keys(SAMPLE_ARGUMENTS) as Array<keyof Factories>;

/** Calls one factory with its sample arguments. */
function build(name: keyof Factories): TrellisError {
  const factory = errors[name] as (...parameters: unknown[]) => TrellisError;
  return factory(...(SAMPLE_ARGUMENTS[name] as unknown[]));
}

describe('the errors factories', () => {
  it('are all covered by this test', () => {
    expect(Object.keys(errors).sort()).toEqual([...factoryNames].sort());
  });

  it.each(factoryNames)(
    '%s builds a TrellisError with a known code, a message and JSON-safe details',
    (name) => {
      const error = build(name);
      expect(error).toBeInstanceOf(TrellisError);
      expect(ERROR_CODES).toContain(error.code);
      expect(error.message.length).toBeGreaterThan(20);
      expect(JSON.parse(JSON.stringify(error.details))).toEqual(error.details);
      const wire = JSON.parse(JSON.stringify(error));
      expect(wire).not.toHaveProperty('stack');
      expect(TrellisError.fromJSON(wire).toJSON()).toEqual(error.toJSON());
    },
  );

  it('name the things involved in their messages', () => {
    expect(errors.dependencyCycle(['a', 'b', 'a']).message).toContain('a -> b -> a');
    expect(errors.permissionDenied('users', 'emit', 'orders.created').message).toContain('permissions.emits');
    expect(errors.capabilityDuplicate('users.get', 'users', 'accounts').message).toMatch(
      /users\.get.*users.*accounts/s,
    );
    expect(errors.validation('users.get', 'params', issues).message).toContain(
      'permissions.calls[1]: expected a pattern',
    );
    expect(errors.pluginNotFound('x', []).message).toContain('(none)');
  });

  it('keep the cause they are given', () => {
    const cause = new Error('root');
    expect(errors.setupFailed('p', cause).cause).toBe(cause);
    expect(errors.capabilityFailed('c', 'p', cause).cause).toBe(cause);
    expect(errors.reloadFailed('p', trellisCause, false).toJSON().cause?.code).toBe('E_SETUP_TIMEOUT');
  });
});
