import { describe, expect, it } from 'vitest';
import { backoffDelay, isTransientError, parseRetryAfter } from '../../src/exotel/retry.js';
import { ExotelError } from '../../src/exotel/errors.js';
import type { ExotelErrorCode } from '../../src/exotel/errors.js';

describe('parseRetryAfter', () => {
  const now = Date.UTC(2025, 0, 15, 10, 0, 0);
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('30', undefined, now)).toBe(30_000);
    expect(parseRetryAfter(' 0 ', undefined, now)).toBe(0);
    expect(parseRetryAfter(['5', '9'], undefined, now)).toBe(5_000);
  });
  it('reads an HTTP date against the server clock when known', () => {
    const at = new Date(now + 20_000).toUTCString();
    expect(parseRetryAfter(at, undefined, now)).toBe(20_000);
    // The server says it is 5 s later than we think: the wait is measured on its clock.
    expect(parseRetryAfter(at, now + 5_000, now)).toBe(15_000);
    expect(parseRetryAfter(new Date(now - 60_000).toUTCString(), undefined, now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', undefined, now)).toBeUndefined();
    expect(parseRetryAfter('-5', undefined, now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('doubles from the minimum, with jitter in [1, 2), capped', () => {
    expect(backoffDelay(0, 1000, 30_000, 0)).toBe(1000);
    expect(backoffDelay(0, 1000, 30_000, 0.999)).toBe(1999);
    expect(backoffDelay(3, 1000, 30_000, 0)).toBe(8000);
    expect(backoffDelay(10, 1000, 30_000, 0.5)).toBe(30_000);
    expect(backoffDelay(1000, 1000, 30_000, 0.5)).toBe(30_000);
  });
});

describe('isTransientError', () => {
  const error = (code: ExotelErrorCode, status?: number) => new ExotelError(code, 'x', status === undefined ? {} : { status });
  it('retries what heals, not what does not', () => {
    for (const code of ['ERR_EXOTEL_RATE_LIMITED', 'ERR_EXOTEL_SERVER', 'ERR_EXOTEL_NETWORK', 'ERR_EXOTEL_TIMEOUT', 'ERR_EXOTEL_MALFORMED_RESPONSE'] as const) {
      expect(isTransientError(error(code))).toBe(true);
    }
    for (const code of ['ERR_EXOTEL_BAD_REQUEST', 'ERR_EXOTEL_UNAUTHORIZED', 'ERR_EXOTEL_PAYMENT_REQUIRED', 'ERR_EXOTEL_FORBIDDEN', 'ERR_EXOTEL_NOT_FOUND', 'ERR_EXOTEL_CONFLICT', 'ERR_ABORTED', 'ERR_INVALID_OPTION'] as const) {
      expect(isTransientError(error(code))).toBe(false);
    }
    expect(isTransientError(error('ERR_EXOTEL_HTTP', 408))).toBe(true);
    expect(isTransientError(error('ERR_EXOTEL_HTTP', 418))).toBe(false);
  });
});
