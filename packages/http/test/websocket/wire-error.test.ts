import { TrellisError } from '@trellis/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { limitCloseReason, toWireError } from '../../src/realtime/wire-error.js';

describe('limitCloseReason', () => {
  it('fits any reason in the 123 bytes a close frame allows, keeping what fits', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (reason) => {
        const limited = limitCloseReason(reason);
        expect(Buffer.byteLength(limited)).toBeLessThanOrEqual(123);
        if (Buffer.byteLength(reason) <= 123) expect(limited).toBe(reason);
        else {
          expect(limited.endsWith('…')).toBe(true);
          expect(reason.startsWith(limited.slice(0, -1))).toBe(true);
        }
      }),
    );
  });
});

describe('toWireError', () => {
  it('keeps what a TrellisError says and masks anything else', () => {
    const error = new TrellisError('E_ROOM_FULL', 'The room is full.', {
      details: { limit: 3 },
      retryable: true,
    });
    expect(toWireError(error)).toEqual({
      code: 'E_ROOM_FULL',
      message: 'The room is full.',
      details: { limit: 3 },
      retryable: true,
    });
    for (const thrown of [new Error('db password'), 'a string', undefined, { code: 'E_FAKE' }]) {
      const wire = toWireError(thrown);
      expect(wire.code).toBe('E_INTERNAL');
      expect(JSON.stringify(wire)).not.toContain('password');
    }
  });
});
