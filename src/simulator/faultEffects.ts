/**
 * What the faults do to an answer, once `FaultBook` has said which ones hit a request: the
 * `Retry-After` of a 429, a broken record, a body cut or mangled.
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

/** Breaks one record, drawn with `random`, in the field a `bad-record` fault names. */
export function breakRecord(records: RawCall[], fault: FaultSpec, random: Random): void {
  const r = records[Math.floor(random() * records.length)]!;
  const field = fault.field ?? 'DateCreated';
  if (field === 'DateCreated') r.DateCreated = 'not-a-date';
  else if (field === 'Sid') r.Sid = '';
  else if (field === 'Status') r.Status = 'exploded';
  else r.Duration = 'NaN';
}

/** A body a JSON (or XML) parser rejects: cut in the middle and closed with a stray brace. */
export const malformedBody = (body: string): string => `${body.slice(0, Math.floor(body.length / 2))}}`;

/** Bytes of `body` sent before a `truncated` fault cuts the connection: half of it. */
export const truncatedAt = (body: string): number => Math.floor(Buffer.byteLength(body) / 2);
