/**
 * The error classes: each code belongs to one class and the class fixes it; `InvalidOptionError` is
 * a `TypeError` and an `ExotelError` at once.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  ExotelError,
  ExotelHttpError,
  ExotelNetworkError,
  ExotelResponseError,
  InvalidOptionError,
  MalformedRecordError,
  httpErrorCode,
  isExotelError,
  isExotelHttpError,
} from '../../src/exotel/errors.js';
import type { ExotelErrorCode } from '../../src/exotel/errors.js';
import { ExotelClient } from '../../src/exotel/ExotelClient.js';
import { createCallStream } from '../../src/stream/createCallStream.js';

describe('InvalidOptionError', () => {
  const error = new InvalidOptionError('pageSize', 'an integer from 1 to 100', 250);

  it('is a TypeError, as the option errors of p-retry and p-queue are', () => {
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toBeInstanceOf(Error);
    expect(Object.prototype.toString.call(error)).toBe('[object Error]');
  });

  it('is an ExotelError all the same: instanceof, the type guard, and every field of one', () => {
    expect(error).toBeInstanceOf(ExotelError);
    expect(error instanceof ExotelError).toBe(true);
    expect(isExotelError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'InvalidOptionError', code: 'ERR_INVALID_OPTION', fatal: true, status: undefined, method: undefined, url: undefined });
    expect(error.message).toBe('Expected `pageSize` to be an integer from 1 to 100, got `250` (number)');
    expectTypeOf(error).toExtend<ExotelError>();
  });

  it('is no other class of error, and other TypeErrors are no ExotelError', () => {
    expect(error instanceof ExotelHttpError).toBe(false);
    expect(error instanceof MalformedRecordError).toBe(false);
    expect(isExotelHttpError(error)).toBe(false);
    expect(new TypeError('x') instanceof ExotelError).toBe(false);
    expect(new TypeError('x') instanceof InvalidOptionError).toBe(false);
    expect(new ExotelHttpError('no', { status: 401 }) instanceof InvalidOptionError).toBe(false);
    expect(new ExotelHttpError('no', { status: 401 }) instanceof ExotelError).toBe(true);
    expect(new ExotelError('ERR_STORE', 'x') instanceof ExotelHttpError).toBe(false);
    expect((null as unknown) instanceof ExotelError).toBe(false);
  });

  it('is what the public constructors throw, both instanceofs true', () => {
    const thrown: unknown[] = [];
    for (const make of [
      () => createCallStream({ accountSid: 'acme1', apiKey: 'k', apiToken: 't', pageSize: 250 }),
      () => new ExotelClient({ accountSid: 'acme1', apiKey: 'k', apiToken: 't', retries: -1 }),
    ]) {
      try {
        make();
      } catch (e) {
        thrown.push(e);
      }
    }
    expect(thrown).toHaveLength(2);
    for (const e of thrown) {
      expect(e).toBeInstanceOf(TypeError);
      expect(e).toBeInstanceOf(ExotelError);
      expect(e).toBeInstanceOf(InvalidOptionError);
    }
  });
});

describe('a code fixed by its class', () => {
  // One constructor per code, and this record must name every code (it does not compile otherwise).
  const owners: Record<ExotelErrorCode, () => ExotelError> = {
    ERR_EXOTEL_BAD_REQUEST: () => new ExotelHttpError('x', { status: 400 }),
    ERR_EXOTEL_UNAUTHORIZED: () => new ExotelHttpError('x', { status: 401 }),
    ERR_EXOTEL_PAYMENT_REQUIRED: () => new ExotelHttpError('x', { status: 402 }),
    ERR_EXOTEL_FORBIDDEN: () => new ExotelHttpError('x', { status: 403 }),
    ERR_EXOTEL_NOT_FOUND: () => new ExotelHttpError('x', { status: 404 }),
    ERR_EXOTEL_CONFLICT: () => new ExotelHttpError('x', { status: 409 }),
    ERR_EXOTEL_RATE_LIMITED: () => new ExotelHttpError('x', { status: 429 }),
    ERR_EXOTEL_SERVER: () => new ExotelHttpError('x', { status: 503 }),
    ERR_EXOTEL_HTTP: () => new ExotelHttpError('x', { status: 418 }),
    ERR_EXOTEL_NETWORK: () => new ExotelNetworkError('ERR_EXOTEL_NETWORK', 'x'),
    ERR_EXOTEL_TIMEOUT: () => new ExotelNetworkError('ERR_EXOTEL_TIMEOUT', 'x'),
    ERR_ABORTED: () => new ExotelNetworkError('ERR_ABORTED', 'x'),
    ERR_EXOTEL_MALFORMED_RESPONSE: () => new ExotelResponseError('x'),
    ERR_EXOTEL_MALFORMED_RECORD: () => new MalformedRecordError('x', { field: 'Duration', value: 'NaN' }),
    ERR_INVALID_OPTION: () => new InvalidOptionError('x', 'y', 1) as unknown as ExotelError,
    ERR_QUOTA_PLAN: () => new ExotelError('ERR_QUOTA_PLAN', 'x'),
    ERR_COVERAGE_GAP: () => new ExotelError('ERR_COVERAGE_GAP', 'x'),
    ERR_STORE: () => new ExotelError('ERR_STORE', 'x'),
    ERR_REDIS: () => new ExotelError('ERR_REDIS', 'x'),
    ERR_LEASE_LOST: () => new ExotelError('ERR_LEASE_LOST', 'x'),
  };

  it('each class gives the code it owns', () => {
    for (const [code, make] of Object.entries(owners)) expect(make().code, code).toBe(code);
  });

  it('an HTTP error takes its code from its status', () => {
    expect(httpErrorCode(502)).toBe('ERR_EXOTEL_SERVER');
    expect(httpErrorCode(599)).toBe('ERR_EXOTEL_SERVER');
    expect(httpErrorCode(408)).toBe('ERR_EXOTEL_HTTP');
    expect(httpErrorCode(undefined)).toBe('ERR_EXOTEL_HTTP');
    const error = new ExotelHttpError('Exotel API answered 401', { status: 401, fatal: true, apiMessage: 'Authentication failed' });
    expect(error).toMatchObject({ name: 'ExotelHttpError', code: 'ERR_EXOTEL_UNAUTHORIZED', status: 401, fatal: true, apiMessage: 'Authentication failed' });
    expect(error.message).toBe('Exotel API answered 401');
  });

  it('the older (code, message, options) form still works when the code is the class’s, and throws when it is not', () => {
    expect(new ExotelHttpError('ERR_EXOTEL_SERVER', 'HTTP 503', { status: 503 })).toMatchObject({ code: 'ERR_EXOTEL_SERVER', message: 'HTTP 503', status: 503 });
    expect(() => new ExotelHttpError('ERR_EXOTEL_UNAUTHORIZED', 'HTTP 503', { status: 503 })).toThrow(TypeError);
    expect(() => new ExotelHttpError('ERR_EXOTEL_UNAUTHORIZED', 'HTTP 503', { status: 503 })).toThrow(/`ERR_EXOTEL_SERVER` \(the code of status 503\)/);
    expect(new ExotelResponseError('ERR_EXOTEL_MALFORMED_RESPONSE', 'cut', { status: 200 })).toMatchObject({ code: 'ERR_EXOTEL_MALFORMED_RESPONSE', message: 'cut', status: 200 });
    expect(() => new ExotelResponseError('ERR_EXOTEL_SERVER' as never, 'cut')).toThrow(/ExotelResponseError/);
    expect(() => new ExotelNetworkError('ERR_EXOTEL_SERVER' as never, 'x')).toThrow(/ExotelNetworkError/);
  });

  it('a message that looks like a code is a message in the new form', () => {
    expect(new ExotelResponseError('ERR_SOMETHING').message).toBe('ERR_SOMETHING');
  });
});
