import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/exotel/errors.js';
import {
  parseCommandArgs,
  parseDurationMs,
  parseEnumList,
  parseInstantMs,
  parseIntegerOption,
  parsePhoneList,
  splitList,
} from '../../src/cli/parse.js';
import { UsageError } from '../../src/cli/UsageError.js';
import { ExitCode, exitCodeFor } from '../../src/cli/exitCodes.js';
import { ExotelHttpError, ExotelNetworkError } from '../../src/exotel/errors.js';

describe('parseDurationMs', () => {
  it.each([
    ['15s', 15_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['2d', 172_800_000],
    ['1.5s', 1500],
  ])('reads %s', (text, ms) => {
    expect(parseDurationMs(text, '--poll-interval')).toBe(ms);
  });

  it.each(['15', '', 'abc', '5 minutes', '-5s', '0s'])('refuses %j naming the flag and the value', (text) => {
    expect(() => parseDurationMs(text, '--poll-interval')).toThrow(InvalidOptionError);
    expect(() => parseDurationMs(text, '--poll-interval')).toThrow(/`--poll-interval`.*got `".*"` \(string\)/);
  });

  it('accepts zero only when asked', () => {
    expect(parseDurationMs('0s', '--since', { allowZero: true })).toBe(0);
  });
});

describe('parseInstantMs', () => {
  const now = Date.UTC(2026, 4, 10, 12, 0, 0);
  const tz = 'Asia/Kolkata';
  it('reads dates and naive date-times in the zone', () => {
    expect(parseInstantMs('2026-05-01', '--from', tz, now)).toBe(Date.UTC(2026, 3, 30, 18, 30, 0));
    expect(parseInstantMs('2026-05-01 10:00', '--from', tz, now)).toBe(Date.UTC(2026, 4, 1, 4, 30, 0));
    expect(parseInstantMs('2026-05-01T10:00:05', '--from', tz, now)).toBe(Date.UTC(2026, 4, 1, 4, 30, 5));
  });
  it('reads ISO timestamps with a zone as they are', () => {
    expect(parseInstantMs('2026-05-01T10:00:00Z', '--from', tz, now)).toBe(Date.UTC(2026, 4, 1, 10));
    expect(parseInstantMs('2026-05-01T10:00:00+05:30', '--from', tz, now)).toBe(Date.UTC(2026, 4, 1, 4, 30));
  });
  it('reads now and durations ago', () => {
    expect(parseInstantMs('now', '--to', tz, now)).toBe(now);
    expect(parseInstantMs('7d', '--from', tz, now)).toBe(now - 7 * 86_400_000);
  });
  it('refuses other text, naming the flag', () => {
    expect(() => parseInstantMs('yesterday', '--from', tz, now)).toThrow(/`--from`.*"yesterday"/);
    expect(() => parseInstantMs('2026-02-30', '--from', tz, now)).toThrow(InvalidOptionError);
  });
});

describe('lists', () => {
  it('flattens repeated flags and comma lists', () => {
    expect(splitList(['a,b', ' c ', ''])).toEqual(['a', 'b', 'c']);
    expect(splitList(undefined)).toEqual([]);
  });
  it('checks enums', () => {
    expect(parseEnumList(['inbound,outbound-api'], '--direction', ['inbound', 'outbound-api', 'outbound-dial'])).toEqual(['inbound', 'outbound-api']);
    expect(() => parseEnumList(['sideways'], '--direction', ['inbound'])).toThrow(/`--direction`.*"sideways"/);
  });
  it('checks phone numbers and the limit of 5', () => {
    expect(parsePhoneList(['+918047000001'], '--to')).toEqual(['+918047000001']);
    expect(() => parsePhoneList(['08047000001'], '--to')).toThrow(/E\.164/);
    expect(() => parsePhoneList(['+911111111,+912222222,+913333333,+914444444,+915555555,+916666666'], '--to')).toThrow(/at most 5/);
  });
  it('checks integers', () => {
    expect(parseIntegerOption('100', '--page-size', 1, 100)).toBe(100);
    expect(() => parseIntegerOption('101', '--page-size', 1, 100)).toThrow(/`--page-size`.*from 1 to 100.*"101"/);
  });
});

describe('parseCommandArgs', () => {
  const options = { port: { type: 'string' }, quiet: { type: 'boolean' } } as const;
  it('parses known flags', () => {
    expect(parseCommandArgs('simulate', options, ['--port', '4010', '--quiet']).values).toEqual({ port: '4010', quiet: true });
  });
  it('turns unknown flags and positionals into usage errors', () => {
    expect(() => parseCommandArgs('simulate', options, ['--nope'])).toThrow(UsageError);
    // The dispatcher names the command once (`exotel-calls simulate: …`): the message does not repeat it.
    expect(() => parseCommandArgs('simulate', options, ['extra'])).toThrow(/^Unexpected argument 'extra'/);
    expect(() => parseCommandArgs('simulate', options, ['--nope'])).toThrow(/^unknown option `--nope`/);
  });
  it('refuses a token given as a flag, saying why', () => {
    for (const argv of [['--api-token', 'secret'], ['--api-token=secret']]) {
      let error: unknown;
      try {
        parseCommandArgs('tail', options, argv);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(/`ps`/);
      expect((error as Error).message).not.toContain('secret');
    }
  });
});

describe('exitCodeFor', () => {
  it('maps each kind of failure to its documented code', () => {
    expect(exitCodeFor(new UsageError('x'))).toBe(ExitCode.usage);
    expect(exitCodeFor(new UsageError('x', { exitCode: 3 }))).toBe(ExitCode.auth);
    expect(exitCodeFor(new InvalidOptionError('a', 'b', 1))).toBe(ExitCode.usage);
    expect(exitCodeFor(new ExotelHttpError('ERR_EXOTEL_UNAUTHORIZED', 'no', { status: 401 }))).toBe(ExitCode.auth);
    expect(exitCodeFor(new ExotelHttpError('ERR_EXOTEL_FORBIDDEN', 'no', { status: 403 }))).toBe(ExitCode.auth);
    expect(exitCodeFor(new ExotelNetworkError('ERR_EXOTEL_NETWORK', 'down'))).toBe(ExitCode.unreachable);
    expect(exitCodeFor(new ExotelNetworkError('ERR_EXOTEL_TIMEOUT', 'slow'))).toBe(ExitCode.unreachable);
    expect(exitCodeFor(new ExotelHttpError('ERR_EXOTEL_PAYMENT_REQUIRED', 'pay', { status: 402 }))).toBe(ExitCode.failure);
    expect(exitCodeFor(new Error('boom'))).toBe(ExitCode.failure);
  });
});
