/**
 * Turns one wire record into a `Call`. On the hot path (every record of every page): no closures
 * per record, regular expressions compiled once, one object literal per call.
 */
import { MalformedRecordError, describeValue } from './errors.js';
import { parseNaiveMs } from './time.js';
import type { Call, CallDetails, CallDirection, CallStatus, LegStatus, RawCall } from './types.js';

/** Options of `normalizeCall`. */
export interface NormalizeCallOptions {
  /** Zone of the account's naive timestamps (an IANA name such as `Asia/Kolkata`). */
  timeZone: string;
  /** Normalize the record's `Details` into `call.details` (when the record has them). @default false */
  details?: boolean;
}

const DECIMAL = /^-?\d+(?:\.\d+)?$/;
// Some systems write an unset timestamp as zeros; it means "not yet", like "".
const ZERO_TIME = '0000-00-00 00:00:00';

// Maps, not object literals: a lookup of `constructor` must miss.
const STATUSES: ReadonlyMap<unknown, CallStatus> = new Map<unknown, CallStatus>(
  (['completed', 'failed', 'busy', 'no-answer', 'canceled'] as const).map((s) => [s, s]),
);
const DIRECTIONS: ReadonlyMap<unknown, CallDirection> = new Map<unknown, CallDirection>(
  (['inbound', 'outbound-dial', 'outbound-api'] as const).map((s) => [s, s]),
);
const LEG_STATUSES: ReadonlyMap<unknown, LegStatus> = STATUSES;

function fail(field: string, value: unknown, expected: string, sid: string | undefined): never {
  const where = sid === undefined ? 'a call record' : `call ${sid}`;
  throw new MalformedRecordError(`Malformed ${where}: expected \`${field}\` to be ${expected}, got ${describeValue(value)}`, {
    field,
    value,
    ...(sid === undefined ? {} : { sid }),
  });
}

function text(raw: RawCall, field: string, sid: string): string | null {
  const v = raw[field];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'string') return v;
  // A number where a string is expected (a numeric PhoneNumberSid) is still the same value.
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return fail(field, v, 'a string, "" or null', sid);
}

/** `text`, lower-cased and trimmed: for values whose casing varies between answers (`AnsweredBy`). */
function lowerText(raw: RawCall, field: string, sid: string): string | null {
  const v = text(raw, field, sid);
  if (v === null) return null;
  const t = v.trim().toLowerCase();
  return t === '' ? null : t;
}

function num(value: unknown, field: string, sid: string | undefined, nonNegative: boolean): number | null {
  if (value === undefined || value === null || value === '') return null;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string') {
    const t = value.trim();
    if (t === '') return null;
    if (!DECIMAL.test(t)) return fail(field, value, 'a number, a numeric string, "" or null', sid);
    n = Number(t);
  } else return fail(field, value, 'a number, a numeric string, "" or null', sid);
  if (!Number.isFinite(n) || (nonNegative && n < 0)) return fail(field, value, nonNegative ? 'a number, 0 or more' : 'a finite number', sid);
  return n;
}

function time(raw: RawCall, field: string, sid: string, timeZone: string): Date | null {
  const v = raw[field];
  if (v === undefined || v === null || v === '' || v === ZERO_TIME) return null;
  if (typeof v !== 'string') return fail(field, v, 'a timestamp `YYYY-MM-DD HH:mm:ss`, "" or null', sid);
  const ms = parseNaiveMs(v, timeZone);
  if (ms === undefined) return fail(field, v, 'a timestamp `YYYY-MM-DD HH:mm:ss`, "" or null', sid);
  return new Date(ms);
}

function legStatus(value: unknown, field: string, sid: string): LegStatus | null {
  if (value === undefined || value === null || value === '') return null;
  const s = LEG_STATUSES.get(value);
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
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail('record', raw, 'an object', undefined);
  const r = raw as RawCall;
  const sid = r.Sid;
  if (typeof sid !== 'string' || sid === '') return fail('Sid', sid, 'a non-empty string', undefined);
  const timeZone = options.timeZone;

  const dateCreated = time(r, 'DateCreated', sid, timeZone);
  if (dateCreated === null) return fail('DateCreated', r.DateCreated, 'a timestamp `YYYY-MM-DD HH:mm:ss`', sid);

  const status = STATUSES.get(r.Status);
  if (status === undefined) return fail('Status', r.Status, 'one of `completed`, `failed`, `busy`, `no-answer`, `canceled`', sid);

  const rawDirection = r.Direction;
  let direction: CallDirection | null = null;
  if (rawDirection !== undefined && rawDirection !== null && rawDirection !== '') {
    const d = DIRECTIONS.get(rawDirection);
    if (d === undefined) return fail('Direction', rawDirection, 'one of `inbound`, `outbound-dial`, `outbound-api`, "" or null', sid);
    direction = d;
  }

  const call: Call = {
    sid,
    parentCallSid: text(r, 'ParentCallSid', sid),
    accountSid: text(r, 'AccountSid', sid),
    to: text(r, 'To', sid),
    from: text(r, 'From', sid),
    phoneNumber: text(r, 'PhoneNumber', sid),
    phoneNumberSid: text(r, 'PhoneNumberSid', sid),
    status,
    direction,
    dateCreated,
    dateUpdated: time(r, 'DateUpdated', sid, timeZone),
    startTime: time(r, 'StartTime', sid, timeZone),
    endTime: time(r, 'EndTime', sid, timeZone),
    duration: num(r.Duration, 'Duration', sid, true),
    price: num(r.Price, 'Price', sid, false),
    answeredBy: lowerText(r, 'AnsweredBy', sid),
    forwardedFrom: text(r, 'ForwardedFrom', sid),
    callerName: text(r, 'CallerName', sid),
    uri: text(r, 'Uri', sid),
    recordingUrl: text(r, 'RecordingUrl', sid),
    raw: r,
  };
  if (options.details === true) {
    const d = details(r.Details, sid);
    if (d !== undefined) call.details = d;
  }
  return call;
}
