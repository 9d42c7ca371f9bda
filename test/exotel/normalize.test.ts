import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalizeCall } from '../../src/exotel/normalizeCall.js';
import { MalformedRecordError } from '../../src/exotel/errors.js';
import type { RawCall } from '../../src/exotel/types.js';

const IST = 'Asia/Kolkata';

/** Exotel's own sample record (strings for numbers). */
const sample = (): RawCall => ({
  Sid: 'b6cfaf5f5cef3ca0fc937749ef960e25',
  ParentCallSid: '',
  DateCreated: '2016-11-29 15:58:45',
  DateUpdated: '2016-11-29 16:00:09',
  AccountSid: 'Exotel',
  To: '0XXXXX20000',
  From: '0XXXXX30240',
  PhoneNumberSid: '0XXXXXX4890',
  Status: 'completed',
  StartTime: '2016-11-29 15:59:10',
  EndTime: '2016-11-29 15:59:57',
  Duration: '47',
  Price: '1.500',
  Direction: 'outbound-api',
  AnsweredBy: 'human',
  ForwardedFrom: '',
  CallerName: '',
  Uri: '/v1/Accounts/acme1/Calls/b6cfaf5f5cef3ca0fc937749ef960e25',
  RecordingUrl: 'https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/acme1/b6cfaf5f5cef3ca0fc937749ef960e25.mp3',
  Details: {
    ConversationDuration: 33,
    Legs: [{ Leg: { Id: 1, OnCallDuration: 43 } }, { Leg: { Id: 2, OnCallDuration: 33 } }],
    Leg1Status: 'completed',
    Leg2Status: 'no-answer',
  },
});

function malformed(raw: unknown, field: string, options: { timeZone: string; details?: boolean } = { timeZone: IST }): MalformedRecordError {
  let caught: unknown;
  try {
    normalizeCall(raw, options);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MalformedRecordError);
  const e = caught as MalformedRecordError;
  expect(e.field).toBe(field);
  expect(e.code).toBe('ERR_EXOTEL_MALFORMED_RECORD');
  expect(e.message).toContain(`\`${field}\``);
  return e;
}

describe('normalizeCall', () => {
  it('normalizes Exotel sample record', () => {
    const raw = sample();
    const call = normalizeCall(raw, { timeZone: IST });
    expect(call).toEqual({
      sid: 'b6cfaf5f5cef3ca0fc937749ef960e25',
      parentCallSid: null,
      accountSid: 'Exotel',
      to: '0XXXXX20000',
      from: '0XXXXX30240',
      phoneNumber: null,
      phoneNumberSid: '0XXXXXX4890',
      status: 'completed',
      direction: 'outbound-api',
      dateCreated: new Date('2016-11-29T10:28:45.000Z'),
      dateUpdated: new Date('2016-11-29T10:30:09.000Z'),
      startTime: new Date('2016-11-29T10:29:10.000Z'),
      endTime: new Date('2016-11-29T10:29:57.000Z'),
      duration: 47,
      price: 1.5,
      answeredBy: 'human',
      forwardedFrom: null,
      callerName: null,
      uri: '/v1/Accounts/acme1/Calls/b6cfaf5f5cef3ca0fc937749ef960e25',
      recordingUrl: raw.RecordingUrl,
      raw,
    });
    // `raw` is the record as received, not a copy; details only when asked.
    expect(call.raw).toBe(raw);
    expect('details' in call).toBe(false);
  });

  it('reads numbers from strings or numbers; "" and null are null', () => {
    const base = sample();
    expect(normalizeCall({ ...base, Duration: 17, Price: 0.75 }, { timeZone: IST })).toMatchObject({ duration: 17, price: 0.75 });
    expect(normalizeCall({ ...base, Duration: ' 17 ', Price: '0' }, { timeZone: IST })).toMatchObject({ duration: 17, price: 0 });
    expect(normalizeCall({ ...base, Duration: '', Price: null }, { timeZone: IST })).toMatchObject({ duration: null, price: null });
    const missing = { ...base };
    delete missing.Duration;
    delete missing.Price;
    expect(normalizeCall(missing, { timeZone: IST })).toMatchObject({ duration: null, price: null });
  });

  it('reads a numeric string exactly when it is a plain decimal, blanks around it allowed (property)', () => {
    const DECIMAL = /^-?\d+(?:\.\d+)?$/;
    const chars = fc.constantFrom('0', '1', '5', '9', '-', '.', ' ', 'e', '+', 'x', '\t');
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 8 }), (text) => {
        const t = text.trim();
        let price: number | null | undefined;
        let error: unknown;
        try {
          price = normalizeCall({ ...sample(), Price: text }, { timeZone: IST }).price;
        } catch (e) {
          error = e;
        }
        if (t === '') expect(price).toBeNull();
        else if (DECIMAL.test(t)) expect(price).toBe(Number(t));
        else {
          expect(error).toBeInstanceOf(MalformedRecordError);
          expect((error as MalformedRecordError).message).toContain('a number, a numeric string');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('reads timestamps in the given zone; empty ones are null', () => {
    const raw = { ...sample(), EndTime: '', DateUpdated: null, StartTime: '0000-00-00 00:00:00' };
    const call = normalizeCall(raw, { timeZone: 'UTC' });
    expect(call.dateCreated.toISOString()).toBe('2016-11-29T15:58:45.000Z');
    expect(call.endTime).toBeNull();
    expect(call.dateUpdated).toBeNull();
    expect(call.startTime).toBeNull();
    const ny = normalizeCall(sample(), { timeZone: 'America/New_York' });
    expect(ny.dateCreated.toISOString()).toBe('2016-11-29T20:58:45.000Z');
  });

  it('reads the same DateCreated text again per zone, and hands out a Date of its own each time', () => {
    const a = normalizeCall({ ...sample(), StartTime: sample().DateCreated }, { timeZone: 'UTC' });
    const b = normalizeCall({ ...sample(), Sid: 'b' }, { timeZone: 'UTC' });
    const c = normalizeCall({ ...sample(), Sid: 'c' }, { timeZone: IST });
    expect(a.dateCreated.toISOString()).toBe('2016-11-29T15:58:45.000Z');
    expect(a.startTime?.getTime()).toBe(a.dateCreated.getTime());
    expect(a.startTime).not.toBe(a.dateCreated);
    expect(b.dateCreated.getTime()).toBe(a.dateCreated.getTime());
    expect(b.dateCreated).not.toBe(a.dateCreated);
    expect(c.dateCreated.toISOString()).toBe('2016-11-29T10:28:45.000Z');
    // A Date is mutable: changing one call's must not move another's.
    a.dateCreated.setTime(0);
    expect(normalizeCall(sample(), { timeZone: 'UTC' }).dateCreated.toISOString()).toBe('2016-11-29T15:58:45.000Z');
    expect(b.dateCreated.toISOString()).toBe('2016-11-29T15:58:45.000Z');
    malformed({ ...sample(), DateCreated: '2016-11-29 25:58:45' }, 'DateCreated');
    expect(() => normalizeCall(sample(), { timeZone: 'Not/AZone' })).toThrow(RangeError);
  });

  it('keeps text values as received, "" and null as null, numbers as text', () => {
    const call = normalizeCall({ ...sample(), AnsweredBy: 'HUMAN', CallerName: null, PhoneNumber: '+918047000001', PhoneNumberSid: 8047000001 }, { timeZone: IST });
    expect(call.answeredBy).toBe('human'); // lower-cased: the casing varies between answers
    expect(call.raw.AnsweredBy).toBe('HUMAN');
    expect(call.callerName).toBeNull();
    expect(call.phoneNumber).toBe('+918047000001');
    expect(call.phoneNumberSid).toBe('8047000001');
    expect(normalizeCall({ ...sample(), Direction: '' }, { timeZone: IST }).direction).toBeNull();
  });

  it('normalizes details only when asked', () => {
    const call = normalizeCall(sample(), { timeZone: IST, details: true });
    expect(call.details).toEqual({
      conversationDuration: 33,
      leg1Status: 'completed',
      leg2Status: 'no-answer',
      legs: [
        { id: 1, onCallDuration: 43 },
        { id: 2, onCallDuration: 33 },
      ],
    });
    const strings = normalizeCall(
      { ...sample(), Details: { ConversationDuration: '', Legs: [{ Leg: { Id: '1', OnCallDuration: '' } }], Leg1Status: 'busy', Leg2Status: null } },
      { timeZone: IST, details: true },
    );
    expect(strings.details).toEqual({ conversationDuration: null, leg1Status: 'busy', leg2Status: null, legs: [{ id: 1, onCallDuration: null }] });
    const none = { ...sample() };
    delete none.Details;
    expect('details' in normalizeCall(none, { timeZone: IST, details: true })).toBe(false);
    expect(normalizeCall({ ...sample(), Details: { Leg1Status: '' } }, { timeZone: IST, details: true }).details).toEqual({
      conversationDuration: null,
      leg1Status: null,
      leg2Status: null,
      legs: [],
    });
  });

  it('throws MalformedRecordError naming the field and value', () => {
    malformed(null, 'record');
    malformed([], 'record');
    // Without a Sid the record is named by its start, when that can be read: the call it was.
    const noSid = malformed({ ...sample(), Sid: '' }, 'Sid');
    expect(noSid.sid).toBeUndefined();
    expect(noSid.dateCreated?.toISOString()).toBe('2016-11-29T10:28:45.000Z');
    expect(noSid.message).toContain('started at 2016-11-29 15:58:45 (2016-11-29T10:28:45.000Z)');
    expect(malformed({ ...sample(), Sid: 42, DateCreated: 'soon' }, 'Sid').dateCreated).toBeUndefined();
    expect(malformed({ ...sample(), Status: 'in-progress' }, 'Status').dateCreated).toBeUndefined();
    const e = malformed({ ...sample(), Status: 'in-progress' }, 'Status');
    expect(e.value).toBe('in-progress');
    expect(e.sid).toBe('b6cfaf5f5cef3ca0fc937749ef960e25');
    expect(e.message).toContain('"in-progress"');
    expect(e.message).toContain('b6cfaf5f5cef3ca0fc937749ef960e25');
    malformed({ ...sample(), Status: 'constructor' }, 'Status');
    malformed({ ...sample(), Status: undefined }, 'Status');
    malformed({ ...sample(), DateCreated: '' }, 'DateCreated');
    malformed({ ...sample(), DateCreated: '2016-11-29T15:58:45Z' }, 'DateCreated');
    malformed({ ...sample(), DateCreated: '2016-02-30 10:00:00' }, 'DateCreated');
    malformed({ ...sample(), EndTime: 'soon' }, 'EndTime');
    malformed({ ...sample(), Duration: 'abc' }, 'Duration');
    malformed({ ...sample(), Duration: '0x10' }, 'Duration');
    malformed({ ...sample(), Duration: -3 }, 'Duration');
    malformed({ ...sample(), Price: {} }, 'Price');
    malformed({ ...sample(), Price: Number.POSITIVE_INFINITY }, 'Price');
    malformed({ ...sample(), Direction: 'sideways' }, 'Direction');
    malformed({ ...sample(), To: { n: 1 } }, 'To');
    malformed({ ...sample(), Details: 'yes' }, 'Details', { timeZone: IST, details: true });
    malformed({ ...sample(), Details: { Leg1Status: 'ringing' } }, 'Details.Leg1Status', { timeZone: IST, details: true });
    malformed({ ...sample(), Details: { Legs: {} } }, 'Details.Legs', { timeZone: IST, details: true });
    malformed({ ...sample(), Details: { Legs: [{ Leg: { Id: 'x' } }] } }, 'Details.Legs[0].Leg.Id', { timeZone: IST, details: true });
  });

  it('accepts a negative price (a refund) but not a negative duration', () => {
    expect(normalizeCall({ ...sample(), Price: '-0.5' }, { timeZone: IST }).price).toBe(-0.5);
  });

  it('ignores broken Details when not asked for them', () => {
    expect(() => normalizeCall({ ...sample(), Details: 'yes' }, { timeZone: IST })).not.toThrow();
  });
});
