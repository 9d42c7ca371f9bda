/**
 * What the faults do to an answer, once `FaultBook` has said which ones hit a request: the
 * `Retry-After` of a 429, a broken or repeated record, a page of HTML, a body cut or mangled.
 */
import type { RawCall } from '../exotel/types.js';
import type { Random } from './random.js';
import type { FaultSpec } from './types.js';

/** A `Retry-After` header for `seconds` from `now`: in seconds, as an HTTP date, or none. */
export function retryAfterHeader(form: 'seconds' | 'http-date' | false, seconds: number, now: number): Record<string, string> {
  if (form === false) return {};
  // An HTTP date has whole seconds: round up so the client never comes back too early.
  return { 'retry-after': form === 'seconds' ? String(seconds) : new Date(Math.ceil((now + seconds * 1000) / 1000) * 1000).toUTCString() };
}

/** A value of the right type that means nothing, per field. */
function invalidValue(field: string): unknown {
  if (field === 'Sid') return '';
  if (field === 'Status') return 'exploded';
  if (field === 'Direction') return 'sideways';
  if (field === 'Duration' || field === 'Price') return 'NaN';
  if (field === 'Details') return { Legs: 'none' };
  if (/^Date|Time$/.test(field)) return 'not-a-date';
  return '\u0000';
}

/** Breaks `field` of `record` in place, as a `bad-record` fault says. */
function breakField(record: RawCall, spec: FaultSpec): void {
  const r = record as unknown as Record<string, unknown>;
  const field = spec.field ?? 'DateCreated';
  const how = spec.break ?? 'invalid';
  if (how === 'missing') delete r[field];
  else if (how === 'mistyped') r[field] = [r[field] ?? null];
  else r[field] = invalidValue(field);
}

/** The page with one record (seeded choice) listed twice in a row: the same Sid twice on one page. */
export function repeatOneRecord(records: RawCall[], random: Random): RawCall[] {
  if (records.length === 0) return records;
  const i = Math.floor(random() * records.length);
  return [...records.slice(0, i + 1), structuredClone(records[i]!), ...records.slice(i + 1)];
}

/** A proxy's or captive portal's page, served with a 200 in place of the API's answer. */
export const HTML_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head><body><h1>Please wait</h1><p>The service is being updated.</p></body></html>\n';

/** Breaks one record, drawn with `random`, in the field a `bad-record` fault names, the way it says. */
export function breakRecord(records: RawCall[], fault: FaultSpec, random: Random): void {
  breakField(records[Math.floor(random() * records.length)]!, fault);
}

/** A body a JSON (or XML) parser rejects: cut in the middle and closed with a stray brace. */
export const malformedBody = (body: string): string => `${body.slice(0, Math.floor(body.length / 2))}}`;

/** Bytes of `body` sent before a `truncated` fault cuts the connection: half of it. */
export const truncatedAt = (body: string): number => Math.floor(Buffer.byteLength(body) / 2);
