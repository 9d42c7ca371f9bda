import { describe, expect, it } from 'vitest';
import { buildCallQuery } from '../../src/exotel/buildCallQuery.js';
import { addZonedMonths } from '../../src/exotel/time.js';
import type { CallQuery } from '../../src/exotel/buildCallQuery.js';
import { InvalidOptionError } from '../../src/exotel/errors.js';
import { parseNaiveMs } from '../../src/exotel/time.js';

const IST = 'Asia/Kolkata';
const ist = (text: string) => parseNaiveMs(text, IST)!;
const NOW = ist('2025-01-20 12:00:00');
const build = (q: CallQuery, timeZone = IST, now = NOW) => buildCallQuery(q, { timeZone, now });

function rejects(q: unknown, option: string, valueText?: string): InvalidOptionError {
  let caught: unknown;
  try {
    build(q as CallQuery);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidOptionError);
  const e = caught as InvalidOptionError;
  expect(e.option).toBe(option);
  expect(e.code).toBe('ERR_INVALID_OPTION');
  expect(e.message).toContain(`\`${option}\``);
  if (valueText !== undefined) expect(e.message).toContain(valueText);
  return e;
}

describe('buildCallQuery: encoding', () => {
  it('encodes DateCreated as Exotel documents it, in the account zone', () => {
    const qs = build({ dateCreated: { gte: ist('2025-01-15 00:00:00'), lte: new Date(ist('2025-01-15 23:59:59')) } });
    expect(qs).toBe('DateCreated=gte%3A2025-01-15+00%3A00%3A00%3Blte%3A2025-01-15+23%3A59%3A59');
  });

  it('writes the same instant in another zone', () => {
    const instant = Date.UTC(2025, 0, 15, 0, 0, 0);
    expect(build({ dateCreated: { gte: instant } }, 'UTC', Date.UTC(2025, 0, 20))).toBe('DateCreated=gte%3A2025-01-15+00%3A00%3A00');
    expect(build({ dateCreated: { gte: instant } }, IST, Date.UTC(2025, 0, 20))).toBe('DateCreated=gte%3A2025-01-15+05%3A30%3A00');
  });

  it('drops milliseconds (one-second resolution)', () => {
    expect(build({ dateCreated: { eq: ist('2025-01-15 10:00:00') + 999 } })).toBe('DateCreated=eq%3A2025-01-15+10%3A00%3A00');
  });

  it('encodes every filter and operator', () => {
    const qs = build({
      sid: ['a1', 'b2'],
      to: '+918047000001',
      from: ['+918047000002', '+14155550100'],
      phoneNumber: '+918047000003',
      status: ['completed', 'no-answer'],
      duration: { gte: 10, lte: 45 },
      price: { eq: 0.30003 },
      direction: ['inbound', 'outbound-api'],
      pageSize: 100,
      sortBy: 'asc',
      after: 'MTU3Nzk4NDQwNywwNmQ4ZmI0MDdlZWY5N2YxZmI0OTllNjZjOTI5MTQxMg==',
      details: true,
    });
    const p = new URLSearchParams(qs);
    expect(p.get('Sid')).toBe('a1,b2');
    expect(p.get('To')).toBe('+918047000001');
    expect(p.get('From')).toBe('+918047000002,+14155550100');
    expect(p.get('PhoneNumber')).toBe('+918047000003');
    expect(p.get('Status')).toBe('completed,no-answer');
    expect(p.get('Duration')).toBe('gte:10s;lte:45s');
    expect(p.get('Price')).toBe('eq:0.30003');
    expect(p.get('Direction')).toBe('inbound,outbound-api');
    expect(p.get('PageSize')).toBe('100');
    expect(p.get('SortBy')).toBe('DateCreated:asc');
    expect(p.get('After')).toBe('MTU3Nzk4NDQwNywwNmQ4ZmI0MDdlZWY5N2YxZmI0OTllNjZjOTI5MTQxMg==');
    expect(p.get('details')).toBe('true');
    // `+` of E.164 and `;` travel encoded.
    expect(qs).toContain('To=%2B918047000001');
    expect(qs).toContain('Duration=gte%3A10s%3Blte%3A45s');
  });

  it('encodes single operators and leaves out what is absent', () => {
    expect(build({ duration: { eq: 30 } })).toBe('Duration=eq%3A30s');
    expect(build({ duration: { lte: 0 } })).toBe('Duration=lte%3A0s');
    expect(build({ price: { gte: 0.1, lte: 1 } })).toBe('Price=gte%3A0.1%3Blte%3A1');
    expect(build({ details: false, sortBy: 'desc', before: 'abc=' })).toBe('SortBy=DateCreated%3Adesc&Before=abc%3D');
    expect(build({})).toBe('');
    expect(build({ status: 'in-progress', to: undefined })).toBe('Status=in-progress');
  });

  it('accepts a full calendar month and up to six months back', () => {
    expect(() => build({ dateCreated: { gte: ist('2024-12-20 12:00:00'), lte: ist('2025-01-20 12:00:00') } })).not.toThrow();
    expect(() => build({ dateCreated: { gte: ist('2024-07-21 12:00:00'), lte: ist('2024-08-01 00:00:00') } })).not.toThrow();
    expect(() => build({ dateCreated: { lte: ist('2024-07-21 12:00:00') } })).not.toThrow();
  });
});

describe('buildCallQuery: validation', () => {
  it('rejects a query that is not an object, and unknown fields', () => {
    rejects(null, 'query');
    rejects({ pagesize: 10 }, 'query.pagesize', '`10` (number)');
  });

  it('checks page size', () => {
    // Beyond what a Date holds: refused by name, not a RangeError from inside the formatting.
    rejects({ dateCreated: { eq: 2 ** 53 } }, 'query.dateCreated.eq', '`9007199254740992` (number)');
    rejects({ dateCreated: { gte: -Number.MAX_VALUE } }, 'query.dateCreated.gte');
    rejects({ pageSize: 0 }, 'query.pageSize', '`0` (number)');
    rejects({ pageSize: 101 }, 'query.pageSize', '`101`');
    rejects({ pageSize: 2.5 }, 'query.pageSize');
    rejects({ pageSize: '50' }, 'query.pageSize', '`"50"` (string)');
  });

  it('checks E.164 numbers and list lengths', () => {
    rejects({ to: '918047000001' }, 'query.to', '"918047000001"');
    rejects({ from: ['+918047000001', '08047000002'] }, 'query.from[1]', '"08047000002"');
    rejects({ phoneNumber: ['+918047000001', '+918047000002', '+918047000003', '+918047000004', '+918047000005', '+918047000006'] }, 'query.phoneNumber', 'an array of 6');
    rejects({ to: [] }, 'query.to', 'an array of 0');
    rejects({ to: '+0123456789' }, 'query.to');
    rejects({ to: '+1234567890123456' }, 'query.to');
    expect(() => build({ to: ['+918047000001', '+918047000002', '+918047000003', '+918047000004', '+918047000005'] })).not.toThrow();
  });

  it('checks Sids: at most 100, no separators', () => {
    const sids = Array.from({ length: 101 }, (_, i) => `s${i}`);
    rejects({ sid: sids }, 'query.sid', 'an array of 101');
    expect(() => build({ sid: sids.slice(0, 100) })).not.toThrow();
    rejects({ sid: 'a,b' }, 'query.sid', '"a,b"');
    rejects({ sid: ['ok', ''] }, 'query.sid[1]');
  });

  it('checks statuses and directions', () => {
    rejects({ status: 'answered' }, 'query.status', '"answered"');
    rejects({ status: ['completed', 'COMPLETED'] }, 'query.status[1]');
    rejects({ direction: 'outbound' }, 'query.direction', '"outbound"');
  });

  it('checks range operators', () => {
    rejects({ duration: { gt: 5 } }, 'query.duration.gt');
    rejects({ duration: { gte: -1 } }, 'query.duration.gte', '`-1`');
    rejects({ duration: { gte: 1.5 } }, 'query.duration.gte');
    rejects({ duration: {} }, 'query.duration');
    rejects({ duration: 10 }, 'query.duration', '`10` (number)');
    rejects({ duration: { eq: 10, gte: 5 } }, 'query.duration.eq');
    rejects({ price: { lte: Number.NaN } }, 'query.price.lte', 'NaN');
  });

  it('checks DateCreated: valid instants, order, one month, six months', () => {
    rejects({ dateCreated: { gte: new Date('nope') } }, 'query.dateCreated.gte', 'Invalid Date');
    rejects({ dateCreated: { gte: '2025-01-01' } }, 'query.dateCreated.gte', '"2025-01-01"');
    rejects({ dateCreated: { gte: ist('2025-01-15 10:00:00'), lte: ist('2025-01-15 09:59:59') } }, 'query.dateCreated.lte');
    // One calendar month and a second is too long.
    rejects({ dateCreated: { gte: ist('2024-12-20 12:00:00'), lte: ist('2025-01-20 12:00:01') } }, 'query.dateCreated.lte', '2024-12-20 12:00:00');
    // Without lte the range reaches to now.
    rejects({ dateCreated: { gte: ist('2024-12-01 00:00:00') } }, 'query.dateCreated.gte');
    // 183 days (here shorter than six calendar months) and a second back is too old, whichever bound.
    const e = rejects({ dateCreated: { gte: ist('2024-07-21 11:59:59'), lte: ist('2024-07-22 00:00:00') } }, 'query.dateCreated.gte', '6 months');
    expect(e.message).toContain('2024-07-21 12:00:00');
    rejects({ dateCreated: { lte: ist('2024-07-01 00:00:00') } }, 'query.dateCreated.lte');
    rejects({ dateCreated: { eq: ist('2024-07-01 00:00:00') } }, 'query.dateCreated.eq');
  });

  it('measures six months from the given now (server clock)', () => {
    const gte = ist('2024-07-21 11:00:00');
    const lte = ist('2024-07-22 00:00:00');
    expect(() => build({ dateCreated: { gte, lte } }, IST, ist('2025-01-20 10:00:00'))).not.toThrow();
    expect(() => build({ dateCreated: { gte, lte } }, IST, ist('2025-01-20 12:00:00'))).toThrow(InvalidOptionError);
  });

  it('checks cursors and details', () => {
    rejects({ after: 'a b' }, 'query.after');
    rejects({ before: 'x', after: 'y' }, 'query.before');
    rejects({ details: 'yes' }, 'query.details');
  });
});

describe('addZonedMonths', () => {
  it('clamps to the end of a shorter month, on the account wall clock', () => {
    expect(addZonedMonths(ist('2025-01-31 10:00:00'), 1, IST)).toBe(ist('2025-02-28 10:00:00'));
    expect(addZonedMonths(ist('2024-03-31 23:30:00'), -1, IST)).toBe(ist('2024-02-29 23:30:00'));
    expect(addZonedMonths(ist('2025-01-20 12:00:00'), -6, IST)).toBe(ist('2024-07-20 12:00:00'));
  });

  it('keeps the wall-clock time across a DST change', () => {
    const ny = 'America/New_York';
    const start = parseNaiveMs('2025-02-15 09:00:00', ny)!;
    expect(addZonedMonths(start, 1, ny)).toBe(parseNaiveMs('2025-03-15 09:00:00', ny));
  });
});

describe('buildCallQuery: the stricter reading of six months', () => {
  it('never reaches back more than 183 days, even when six calendar months are 184', () => {
    const now = ist('2025-10-31 12:00:00');
    // 2025-04-30 12:00 is six calendar months back but 184 days.
    expect(() => build({ dateCreated: { gte: ist('2025-04-30 12:00:00'), lte: ist('2025-05-01 12:00:00') } }, IST, now)).toThrow('183');
    expect(() => build({ dateCreated: { gte: ist('2025-05-01 12:00:00'), lte: ist('2025-05-02 12:00:00') } }, IST, now)).not.toThrow();
  });

  it('keeps to six calendar months when they are shorter than 183 days', () => {
    const now = ist('2025-03-20 12:00:00');
    expect(() => build({ dateCreated: { gte: ist('2024-09-20 11:59:59'), lte: ist('2024-09-21 12:00:00') } }, IST, now)).toThrow('2024-09-20 12:00:00');
    expect(() => build({ dateCreated: { gte: ist('2024-09-20 12:00:00'), lte: ist('2024-09-21 12:00:00') } }, IST, now)).not.toThrow();
  });
});
