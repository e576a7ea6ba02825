import { describe, expect, it } from 'vitest';
import { ERROR_CODES, TrellisError } from '../../src/index.js';

describe('TrellisError', () => {
  it('keeps code, message and details, and is an Error named TrellisError', () => {
    const error = new TrellisError('E_TIMEOUT', 'Too slow.', { details: { capability: 'x' } });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TrellisError');
    expect(error.code).toBe('E_TIMEOUT');
    expect(error.message).toBe('Too slow.');
    expect(error.details).toEqual({ capability: 'x' });
    expect(new TrellisError('E_TIMEOUT', 'no details').details).toEqual({});
  });

  it.each(['bad', 'e_lower', 'E_', 'TIMEOUT', 'E_with space', ''])(
    'refuses the code %j with a TypeError',
    (code) => {
      expect(() => new TrellisError(code, 'message')).toThrow(TypeError);
    },
  );

  it('accepts a plugin-defined E_ code', () => {
    expect(new TrellisError('E_OUT_OF_STOCK_2', 'x').code).toBe('E_OUT_OF_STOCK_2');
  });

  it('serialises code, message and details without a stack', () => {
    const error = new TrellisError('E_TIMEOUT', 'Too slow.', { details: { capability: 'x', timeoutMs: 20 } });
    const json = error.toJSON();
    expect(json).toEqual({
      name: 'TrellisError',
      code: 'E_TIMEOUT',
      message: 'Too slow.',
      details: { capability: 'x', timeoutMs: 20 },
    });
    expect(json).not.toHaveProperty('stack');
    expect(JSON.parse(JSON.stringify(error))).toEqual(json);
  });

  it('serialises a TrellisError cause recursively and leaves out any other cause', () => {
    const root = new TrellisError('E_CAPABILITY_DUPLICATE', 'Taken.', { details: { capability: 'a.b' } });
    const wrapped = new TrellisError('E_SETUP_FAILED', 'Setup failed.', {
      details: { plugin: 'p' },
      cause: root,
    });
    expect(wrapped.toJSON()).toEqual({
      name: 'TrellisError',
      code: 'E_SETUP_FAILED',
      message: 'Setup failed.',
      details: { plugin: 'p' },
      cause: {
        name: 'TrellisError',
        code: 'E_CAPABILITY_DUPLICATE',
        message: 'Taken.',
        details: { capability: 'a.b' },
      },
    });
    const plain = new TrellisError('E_SETUP_FAILED', 'Setup failed.', {
      cause: new Error('secret internals'),
    });
    expect(plain.toJSON()).not.toHaveProperty('cause');
    expect(JSON.stringify(plain)).not.toContain('secret internals');
  });

  it('round-trips through JSON with fromJSON, causes included', () => {
    const original = new TrellisError('E_RELOAD_FAILED', 'Reload failed.', {
      details: { plugin: 'p', rolledBack: true, nested: { list: [1, 'two'] } },
      cause: new TrellisError('E_SETUP_TIMEOUT', 'Slow.', { details: { plugin: 'p', timeoutMs: 5 } }),
    });
    const rebuilt = TrellisError.fromJSON(JSON.parse(JSON.stringify(original)));
    expect(rebuilt).toBeInstanceOf(TrellisError);
    expect(rebuilt.code).toBe('E_RELOAD_FAILED');
    expect(rebuilt.message).toBe('Reload failed.');
    expect(rebuilt.details).toEqual(original.details);
    expect(rebuilt.cause).toBeInstanceOf(TrellisError);
    expect((rebuilt.cause as TrellisError).code).toBe('E_SETUP_TIMEOUT');
    expect(rebuilt.toJSON()).toEqual(original.toJSON());
  });

  it.each([
    ['null', null],
    ['a string', 'E_TIMEOUT'],
    ['a number', 42],
    ['an array', []],
    ['an object without code', { message: 'x', details: {} }],
    ['an invalid code', { code: 'timeout', message: 'x', details: {} }],
    ['a non-string message', { code: 'E_TIMEOUT', message: 5, details: {} }],
    ['missing details', { code: 'E_TIMEOUT', message: 'x' }],
    ['null details', { code: 'E_TIMEOUT', message: 'x', details: null }],
    ['a malformed cause', { code: 'E_TIMEOUT', message: 'x', details: {}, cause: { code: 'nope' } }],
  ])('turns %s into E_INVALID_ARGUMENT instead of trusting it', (_label, value) => {
    const error = TrellisError.fromJSON(value);
    expect(error).toBeInstanceOf(TrellisError);
    expect(error.code).toBe('E_INVALID_ARGUMENT');
  });

  it('tells TrellisErrors apart by code with TrellisError.is', () => {
    const error = new TrellisError('E_TIMEOUT', 'x');
    expect(TrellisError.is(error)).toBe(true);
    expect(TrellisError.is(error, 'E_TIMEOUT')).toBe(true);
    expect(TrellisError.is(error, 'E_ABORTED')).toBe(false);
    expect(TrellisError.is(new Error('x'))).toBe(false);
    expect(TrellisError.is({ code: 'E_TIMEOUT' })).toBe(false);
  });
});

describe('ERROR_CODES', () => {
  it('lists unique, well-formed codes, the ones named in the design among them', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) expect(code).toMatch(/^E_[A-Z0-9_]+$/);
    for (const code of [
      'E_MANIFEST_INVALID',
      'E_DEPENDENCY_CYCLE',
      'E_DEPENDENCY_MISSING',
      'E_DEPENDENCY_VERSION',
      'E_SETUP_FAILED',
      'E_CAPABILITY_NOT_FOUND',
      'E_PERMISSION_DENIED',
      'E_VALIDATION',
      'E_TIMEOUT',
      'E_CIRCUIT_OPEN',
      'E_BULKHEAD_FULL',
      'E_RATE_LIMITED',
      'E_PLUGIN_DISABLED',
      'E_SIGNATURE_INVALID',
    ]) {
      expect(ERROR_CODES).toContain(code);
    }
  });
});
