/**
 * Turns one wire record into a `Call`. On the hot path (every record of every page): no closures
 * per record, regular expressions compiled once, one object literal per call.
 */
import { MalformedRecordError, describeValue } from './errors.js';
import { MAX_DATE_MS, parseNaiveMs } from './time.js';
import type { InstantAsMs, TrackedRead } from './trackedFields.js';
import type { Call, CallDetails, CallDirection, CallStatus, LegStatus, RawCall } from './types.js';

/** Options of `normalizeCall`. */
export interface NormalizeCallOptions {
  /** Zone of the account's naive timestamps (an IANA name such as `Asia/Kolkata`). */
  timeZone: string;
  /** Normalize the record's `Details` into `call.details` (when the record has them). @default false */
  details?: boolean;
}

// Some systems write an unset timestamp as zeros; it means "not yet", like "".
const ZERO_TIME = '0000-00-00 00:00:00';

// A switch, not an object literal (a lookup of `constructor` must miss) nor a Map (it hashes
// each record's fresh string; these compare against a few short literals).
function statusOf(value: unknown): CallStatus | undefined {
  switch (value) {
    case 'completed':
      return 'completed';
    case 'failed':
      return 'failed';
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no-answer';
    case 'canceled':
      return 'canceled';
    default:
      return undefined;
  }
}

function directionOf(value: unknown): CallDirection | undefined {
  switch (value) {
    case 'inbound':
      return 'inbound';
    case 'outbound-dial':
      return 'outbound-dial';
    case 'outbound-api':
      return 'outbound-api';
    default:
      return undefined;
  }
}

// The last DateCreated read (text, zone, epoch ms): see `normalizeCall`.
let lastCreatedText: unknown;
let lastCreatedZone = '';
let lastCreatedMs = 0;

function fail(field: string, value: unknown, expected: string, sid: string | undefined): never {
  const where = sid === undefined ? 'a call record' : `call ${sid}`;
  throw new MalformedRecordError(`Malformed ${where}: expected \`${field}\` to be ${expected}, got ${describeValue(value)}`, {
    field,
    value,
    ...(sid === undefined ? {} : { sid }),
  });
}

/** A record without a readable Sid: named by its start instead, when that can be read (the call is lost otherwise unnamed). */
function failSid(value: unknown, createdText: unknown, timeZone: string): never {
  const created = typeof createdText === 'string' ? parseNaiveMs(createdText, timeZone) : undefined;
  const dateCreated = created === undefined ? undefined : new Date(created);
  const where = dateCreated === undefined ? 'a call record' : `the call record that started at ${createdText as string} (${dateCreated.toISOString()})`;
  throw new MalformedRecordError(`Malformed ${where}: expected \`Sid\` to be a non-empty string, got ${describeValue(value)}`, {
    field: 'Sid',
    value,
    ...(dateCreated === undefined ? {} : { dateCreated }),
  });
}

// The value-taking helpers below are handed `r.Field` read at the call site: a named read of a
// record shape that repeats is much cheaper than `raw[field]` with a different key at one site.
function text(v: unknown, field: string, sid: string): string | null {
  if (typeof v === 'string') return v === '' ? null : v;
  if (v === undefined || v === null) return null;
  // A number where a string is expected (a numeric PhoneNumberSid) is still the same value.
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return fail(field, v, 'a string, "" or null', sid);
}

/** `text`, lower-cased and trimmed: for values whose casing varies between answers (`AnsweredBy`). */
function lowerText(value: unknown, field: string, sid: string): string | null {
  const v = text(value, field, sid);
  if (v === null) return null;
  const t = v.trim().toLowerCase();
  return t === '' ? null : t;
}

/** `-?\d+(\.\d+)?` checked by hand: it runs twice a record, and a regular expression costs more. */
function isDecimal(s: string): boolean {
  const length = s.length;
  let i = s.charCodeAt(0) === 45 ? 1 : 0; // '-'
  const start = i;
  while (i < length && isDigit(s.charCodeAt(i))) i++;
  if (i === start) return false;
  if (i === length) return true;
  if (s.charCodeAt(i) !== 46) return false; // '.'
  const fraction = ++i;
  while (i < length && isDigit(s.charCodeAt(i))) i++;
  return i === length && i > fraction;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * The value of a short plain decimal (`-?\d+(\.\d+)?`, at most 15 digits) without `Number()`:
 * its digits as an integer below 2^53 divided by a power of ten up to 10^22, both exact, is the
 * correctly rounded quotient, the same double `Number()` gives. NaN for anything else.
 */
function shortDecimal(s: string): number {
  const length = s.length;
  const negative = s.charCodeAt(0) === 45; // '-'
  let i = negative ? 1 : 0;
  if (i === length || length - i > 16) return Number.NaN;
  let digits = 0;
  let m = 0;
  let scale = 1;
  let point = false;
  for (; i < length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (point) scale *= 10;
    } else if (c === 46 && !point && digits > 0 && i + 1 < length) point = true; // '.'
    else return Number.NaN;
  }
  if (digits > 15) return Number.NaN;
  const v = scale === 1 ? m : m / scale;
  return negative ? -v : v;
}

function num(value: unknown, field: string, sid: string | undefined, nonNegative: boolean): number | null {
  if (value === undefined || value === null || value === '') return null;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string') {
    n = shortDecimal(value);
    if (Number.isNaN(n)) {
      // Long, padded or malformed: checked, then read by `Number`.
      const decimal = isDecimal(value);
      const t = decimal ? value : value.trim();
      if (t === '') return null;
      if (!decimal && !isDecimal(t)) return fail(field, value, 'a number, a numeric string, "" or null', sid);
      n = Number(t);
    }
  } else return fail(field, value, 'a number, a numeric string, "" or null', sid);
  if (!Number.isFinite(n) || (nonNegative && n < 0)) return fail(field, value, nonNegative ? 'a number, 0 or more' : 'a finite number', sid);
  return n;
}

/** A timestamp field as epoch ms. */
function timeMs(v: unknown, field: string, sid: string, timeZone: string): number | null {
  if (v === undefined || v === null || v === '' || v === ZERO_TIME) return null;
  if (typeof v !== 'string') return fail(field, v, 'a timestamp `YYYY-MM-DD HH:mm:ss`, "" or null', sid);
  const ms = parseNaiveMs(v, timeZone);
  if (ms === undefined) return fail(field, v, 'a timestamp `YYYY-MM-DD HH:mm:ss`, "" or null', sid);
  return ms;
}

// What `new Date(ms).getTime()` gives (ECMAScript's TimeClip), without the Date: NaN out of range.
const clip = (ms: number): number => (Math.abs(ms) <= MAX_DATE_MS ? Math.trunc(ms) + 0 : Number.NaN);
// An instant as the tracker compares it: clipped as a `Date` would be, and null when not finite.
const instant = (ms: number | null): number | null => {
  if (ms === null) return null;
  const clipped = clip(ms);
  return Number.isFinite(clipped) ? clipped : null;
};

function legStatus(value: unknown, field: string, sid: string): LegStatus | null {
  if (value === undefined || value === null || value === '') return null;
  const s: LegStatus | undefined = statusOf(value);
  if (s === undefined) return fail(field, value, 'one of `completed`, `busy`, `failed`, `no-answer`, `canceled` or null', sid);
  return s;
}

function details(value: unknown, sid: string): CallDetails | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return fail('Details', value, 'an object', sid);
  const d = value as Record<string, unknown>;
  const rawLegs = d.Legs;
  const legs: CallDetails['legs'] = [];
  if (rawLegs !== undefined && rawLegs !== null) {
    if (!Array.isArray(rawLegs)) return fail('Details.Legs', rawLegs, 'an array', sid);
    for (let i = 0; i < rawLegs.length; i++) {
      const entry = rawLegs[i] as Record<string, unknown> | null;
      // `{ Leg: { Id, OnCallDuration } }` as documented; a bare `{ Id, OnCallDuration }` is read too.
      const leg = (entry !== null && typeof entry === 'object' && typeof entry.Leg === 'object' && entry.Leg !== null ? entry.Leg : entry) as Record<
        string,
        unknown
      > | null;
      if (leg === null || typeof leg !== 'object') return fail(`Details.Legs[${i}]`, entry, 'an object `{ Leg: { Id, OnCallDuration } }`', sid);
      const id = num(leg.Id, `Details.Legs[${i}].Leg.Id`, sid, true);
      if (id === null || !Number.isInteger(id)) return fail(`Details.Legs[${i}].Leg.Id`, leg.Id, 'a leg number', sid);
      legs.push({ id, onCallDuration: num(leg.OnCallDuration, `Details.Legs[${i}].Leg.OnCallDuration`, sid, true) });
    }
  }
  return {
    conversationDuration: num(d.ConversationDuration, 'Details.ConversationDuration', sid, true),
    leg1Status: legStatus(d.Leg1Status, 'Details.Leg1Status', sid),
    leg2Status: legStatus(d.Leg2Status, 'Details.Leg2Status', sid),
    legs,
  };
}

/**
 * Every field of a record as `normalizeCall` reads it, instants as epoch ms: what both
 * `normalizeCall` and `readTrackedValues` take from `readRecord`, so that the two cannot drift.
 */
type RecordRead = { [K in Exclude<keyof Call, 'raw' | 'details'>]: InstantAsMs<Call[K]> };

// Filled by `readRecord` for each record and read at once: one object for every record.
const scratch: RecordRead = {
  sid: '', parentCallSid: null, accountSid: null, to: null, from: null, phoneNumber: null, phoneNumberSid: null, status: 'completed',
  direction: null, dateCreated: 0, dateUpdated: null, startTime: null, endTime: null, duration: null, price: null, answeredBy: null,
  forwardedFrom: null, callerName: null, uri: null, recordingUrl: null,
};

/**
 * Reads and checks every field of a record (`Details` aside) into `scratch`, or throws the
 * `MalformedRecordError` `normalizeCall` throws. The one reader of a record's fields.
 */
function readRecord(raw: unknown, timeZone: string): RecordRead {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail('record', raw, 'an object', undefined);
  const r = raw as RawCall;
  const sid = r.Sid;
  if (typeof sid !== 'string' || sid === '') return failSid(sid, r.DateCreated, timeZone);

  const createdText = r.DateCreated;
  let createdMs: number;
  // Pages come sorted by start time, many calls to a second: the previous record's DateCreated
  // is usually this one's, and an answered call's StartTime is its DateCreated.
  if (createdText === lastCreatedText && timeZone === lastCreatedZone) createdMs = lastCreatedMs;
  else {
    const ms = timeMs(createdText, 'DateCreated', sid, timeZone);
    if (ms === null) return fail('DateCreated', createdText, 'a timestamp `YYYY-MM-DD HH:mm:ss`', sid);
    createdMs = clip(ms);
    lastCreatedText = createdText;
    lastCreatedZone = timeZone;
    lastCreatedMs = createdMs;
  }

  const status = statusOf(r.Status);
  if (status === undefined) return fail('Status', r.Status, 'one of `completed`, `failed`, `busy`, `no-answer`, `canceled`', sid);

  const rawDirection = r.Direction;
  let direction: CallDirection | null = null;
  if (rawDirection !== undefined && rawDirection !== null && rawDirection !== '') {
    const d = directionOf(rawDirection);
    if (d === undefined) return fail('Direction', rawDirection, 'one of `inbound`, `outbound-dial`, `outbound-api`, "" or null', sid);
    direction = d;
  }

  const into = scratch;
  into.sid = sid;
  into.parentCallSid = text(r.ParentCallSid, 'ParentCallSid', sid);
  into.accountSid = text(r.AccountSid, 'AccountSid', sid);
  into.to = text(r.To, 'To', sid);
  into.from = text(r.From, 'From', sid);
  into.phoneNumber = text(r.PhoneNumber, 'PhoneNumber', sid);
  into.phoneNumberSid = text(r.PhoneNumberSid, 'PhoneNumberSid', sid);
  into.status = status;
  into.direction = direction;
  into.dateCreated = createdMs;
  into.dateUpdated = instant(timeMs(r.DateUpdated, 'DateUpdated', sid, timeZone));
  into.startTime = r.StartTime === createdText ? createdMs : instant(timeMs(r.StartTime, 'StartTime', sid, timeZone));
  into.endTime = instant(timeMs(r.EndTime, 'EndTime', sid, timeZone));
  into.duration = num(r.Duration, 'Duration', sid, true);
  into.price = num(r.Price, 'Price', sid, false);
  into.answeredBy = lowerText(r.AnsweredBy, 'AnsweredBy', sid);
  into.forwardedFrom = text(r.ForwardedFrom, 'ForwardedFrom', sid);
  into.callerName = text(r.CallerName, 'CallerName', sid);
  into.uri = text(r.Uri, 'Uri', sid);
  into.recordingUrl = text(r.RecordingUrl, 'RecordingUrl', sid);
  return into;
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/**
 * Normalizes one record as the API sent it: camelCase keys, `Duration`/`Price` from strings or
 * numbers (`""`/null → null), naive timestamps read in `timeZone` (`""`, null and
 * `0000-00-00 00:00:00` → null), `""` → null for text fields, and `raw` kept as received (the
 * same object, not a copy). `answeredBy` is lower-cased (`HUMAN`, `Human` → `human`): its casing
 * varies between answers, and a tracked field must not look changed when only the casing moved
 * (`raw.AnsweredBy` keeps what arrived). `details` is set only when asked for and present.
 *
 * Throws `MalformedRecordError` naming the field and the value when `Sid` or `DateCreated` is
 * missing, `Status` is not one of the five final statuses, `Direction` or a leg status is
 * unknown, or a number or timestamp cannot be read.
 */
export function normalizeCall(raw: unknown, options: NormalizeCallOptions): Call {
  const read = readRecord(raw, options.timeZone);
  const r = raw as RawCall;
  const call: Call = {
    sid: read.sid,
    parentCallSid: read.parentCallSid,
    accountSid: read.accountSid,
    to: read.to,
    from: read.from,
    phoneNumber: read.phoneNumber,
    phoneNumberSid: read.phoneNumberSid,
    status: read.status,
    direction: read.direction,
    dateCreated: new Date(read.dateCreated),
    dateUpdated: date(read.dateUpdated),
    startTime: date(read.startTime),
    endTime: date(read.endTime),
    duration: read.duration,
    price: read.price,
    answeredBy: read.answeredBy,
    forwardedFrom: read.forwardedFrom,
    callerName: read.callerName,
    uri: read.uri,
    recordingUrl: read.recordingUrl,
    raw: r,
  };
  if (options.details === true) {
    const d = details(r.Details, read.sid);
    if (d !== undefined) call.details = d;
  }
  return call;
}

/**
 * The tracked values `normalizeCall(raw, options)` would give (`TrackedRead`: instants as epoch
 * ms), read by the same reader without building the `Call` and its four `Date`s; undefined when
 * `normalizeCall` would throw (call it to get the error) or when `options.details` is set (details
 * are left to `normalizeCall`). Lets a re-read with nothing tracked changed, most reads, skip the
 * `Call`. The object returned is reused: read it before the next call.
 */
export function readTrackedValues(raw: unknown, options: NormalizeCallOptions): TrackedRead | undefined {
  if (options.details === true) return undefined;
  try {
    return readRecord(raw, options.timeZone);
  } catch {
    return undefined;
  }
}
