import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/exotel/errors.js';
import { createCallStream } from '../../src/stream/createCallStream.js';
import { resolveStreamOptions } from '../../src/stream/resolveStreamOptions.js';
import type { CallStreamOptions } from '../../src/stream/types.js';

const base = { accountSid: 'acme1', apiKey: 'key', apiToken: 'tok', baseUrl: 'http://127.0.0.1:9' } as const;

function rejection(options: unknown): InvalidOptionError {
  try {
    createCallStream(options as CallStreamOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error('createCallStream accepted the options');
}

describe('createCallStream options', () => {
  it.each([
    [{ pageSize: 250 }, 'pageSize', 'Expected `pageSize` to be an integer from 1 to 100, got `250` (number)'],
    [{ pollIntervalMs: -5 }, 'pollIntervalMs', '`-5` (number)'],
    [{ pollIntervalMs: '15s' }, 'pollIntervalMs', '`"15s"` (string)'],
    [{ lookbackMs: 5_000, pollIntervalMs: 10_000 }, 'lookbackMs', '`5000` (number)'],
    [{ settleMs: Number.NaN }, 'settleMs', '`NaN` (number)'],
    [{ timeZone: 'Mars/Olympus' }, 'timeZone', '`"Mars/Olympus"` (string)'],
    [{ maxRequestsPerMinute: 0 }, 'maxRequestsPerMinute', '`0` (number)'],
    [{ details: 'yes' }, 'details', '`"yes"` (string)'],
    [{ store: {} }, 'store', 'a Store'],
    [{ isSettled: true }, 'isSettled', '`true` (boolean)'],
    [{ limiter: 5 }, 'limiter', '`5` (number)'],
    [{ filters: { direction: 'sideways' } }, 'filters.direction', '`"sideways"` (string)'],
    [{ filters: { status: ['completed', 'ringing'] } }, 'filters.status[1]', '`"ringing"` (string)'],
    [{ filters: { phoneNumber: ['+911', '+912', '+913', '+914', '+915', '+916'].map((n) => `${n}0000000`) } }, 'filters.phoneNumber', 'an array of 6'],
    [{ filters: { to: '080-1234' } }, 'filters.to', '`"080-1234"` (string)'],
    [{ filters: { region: 'south' } }, 'filters.region', '`"south"` (string)'],
    [{ pollInterval: 1000 }, 'pollInterval', '`1000` (number)'],
    [{ readConcurrency: 0 }, 'readConcurrency', '`0` (number)'],
    [{ sliceLagsMs: [600_000, -1] }, 'sliceLagsMs[1]', '`-1` (number)'],
    [{ scheduler: {} }, 'scheduler', 'an RxJS scheduler'],
    [{ accountSid: '' }, 'accountSid', '`""` (string)'],
    [{ accountSid: 'ac/../x' }, 'accountSid', '`"ac/../x"` (string)'],
    [{ subdomain: 'api.exotel.com' }, 'subdomain', 'absent when `baseUrl` is given'],
  ])('rejects %j naming `%s`', (override, option, shown) => {
    const error = rejection({ ...base, ...override });
    expect(error.option).toBe(option);
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.message).toContain(`\`${option}\``);
    expect(error.message).toContain(shown);
  });

  it('rejects a missing options object', () => {
    expect(rejection(undefined).option).toBe('options');
  });

  it('never shows a token, whatever its type', () => {
    const error = rejection({ ...base, apiToken: 123456789 });
    expect(error.option).toBe('apiToken');
    expect(error.message).not.toContain('123456789');
  });

  it('reads credentials and the subdomain from the environment by default', () => {
    const env = { EXOTEL_API_KEY: 'env-key', EXOTEL_API_TOKEN: 'env-token', EXOTEL_SUBDOMAIN: 'api.in.exotel.com' };
    const resolved = resolveStreamOptions({ accountSid: 'acme1' }, env);
    expect(resolved).toMatchObject({ apiKey: 'env-key', apiToken: 'env-token', subdomain: 'api.in.exotel.com', baseUrl: undefined });
    expect(() => resolveStreamOptions({ accountSid: 'acme1' }, {})).toThrow(/`apiKey`.*EXOTEL_API_KEY/);
    expect(resolveStreamOptions({ accountSid: 'acme1', apiKey: 'k', apiToken: 't' }, {}).subdomain).toBe('api.exotel.com');
  });

  it('fills in the documented defaults', () => {
    const r = resolveStreamOptions({ ...base });
    expect(r).toMatchObject({
      pollIntervalMs: 15_000,
      lookbackMs: 7_200_000,
      settleMs: 300_000,
      timeZone: 'Asia/Kolkata',
      pageSize: 100,
      maxRequestsPerMinute: 200,
      details: false,
      skewMarginMs: 60_000,
      readConcurrency: 4,
    });
    expect(typeof r.store.load).toBe('function');
  });

  it('rejects what the client rejects, synchronously too (plain http to a remote host)', () => {
    expect(() => createCallStream({ ...base, baseUrl: 'http://api.exotel.com' })).toThrow(InvalidOptionError);
  });
});
