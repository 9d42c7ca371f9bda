/**
 * Turns the fields of one Exotel `StatusCallback` (form parameters or a JSON object) into a
 * `CallHint`: the Sid, when the call ended, when it was created, its status.
 *
 * Always sent: `CallSid`, `DateUpdated` (naive `YYYY-MM-DD HH:mm:ss` in the account's zone),
 * `Status`, `RecordingUrl`. With `StatusCallbackEvents` also `EventType` (`terminal`, `answered`),
 * `DateCreated`, `StartTime`, `EndTime` and more (see exotel/FACTS.md).
 */
import { isSid } from '../exotel/limits.js';
import { parseNaiveMs } from '../exotel/time.js';
import { timeZoneOption } from '../exotel/assert.js';
import type { CallHint } from './types.js';

/** What one callback says: a hint (terminal or not), or why it is not a callback. */
export type ParsedStatusCallback =
  | {
      ok: true;
      hint: CallHint;
      /** `EventType` as sent, or undefined (a callback made without `StatusCallbackEvents`). */
      eventType: string | undefined;
      /** Whether the call has ended: no `EventType` or `terminal`, and not an ongoing `Status`. */
      terminal: boolean;
    }
  | { ok: false; reason: 'not-a-callback' | 'invalid-sid'; message: string };

export interface ParseStatusCallbackOptions {
  /** Zone of the naive timestamps. @default 'Asia/Kolkata' */
  timeZone?: string;
}

/** Statuses of a call still going on: a callback with one of them names no ended call. */
const ONGOING = new Set(['queued', 'ringing', 'in-progress']);
/** An instant with its own offset (`2025-01-15T10:00:00Z`, `…+05:30`): no zone needed. */
const ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})$/;

/** The field `name`, or the one whose name differs only in case (a proxy that lowercased them). */
function field(fields: Record<string, unknown>, name: string): string | undefined {
  let value = fields[name];
  if (value === undefined) {
    const lower = name.toLowerCase();
    const key = Object.keys(fields).find((k) => k.toLowerCase() === lower);
    value = key === undefined ? undefined : fields[key];
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text === '' ? undefined : text;
}

/** A callback's timestamp as epoch ms: naive in `timeZone`, or ISO 8601 with an offset; else undefined. */
function instant(text: string | undefined, timeZone: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = ZONED.test(text) ? Date.parse(text) : parseNaiveMs(text, timeZone);
  return ms !== undefined && Number.isFinite(ms) ? ms : undefined;
}

/**
 * Reads one callback's fields. Never throws on what the network sent: a body without `CallSid`
 * is `not-a-callback`, a `CallSid` that is not a Sid is `invalid-sid`, and a timestamp that cannot
 * be read is left out of the hint (the Sid alone is still worth a re-read).
 *
 * @example
 * const parsed = parseStatusCallback({ CallSid: 'b6cf…', Status: 'completed', DateUpdated: '2025-01-15 10:00:07' }, { timeZone: 'Asia/Kolkata' });
 * if (parsed.ok && parsed.terminal) stream.hint(parsed.hint);
 */
export function parseStatusCallback(fields: Record<string, unknown>, options: ParseStatusCallbackOptions = {}): ParsedStatusCallback {
  const timeZone = timeZoneOption('timeZone', options.timeZone);
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    return { ok: false, reason: 'not-a-callback', message: 'The body is not an object of callback fields.' };
  }
  const sid = field(fields, 'CallSid');
  if (sid === undefined) return { ok: false, reason: 'not-a-callback', message: 'The body has no `CallSid`: it is not an Exotel StatusCallback.' };
  if (!isSid(sid)) return { ok: false, reason: 'invalid-sid', message: '`CallSid` is not a call Sid (letters, digits, `_` and `-`, at most 128).' };
  const hint: CallHint = { sid };
  const endedAt = instant(field(fields, 'EndTime'), timeZone) ?? instant(field(fields, 'DateUpdated'), timeZone);
  if (endedAt !== undefined) hint.endedAt = endedAt;
  const dateCreated = instant(field(fields, 'DateCreated'), timeZone);
  if (dateCreated !== undefined) hint.dateCreated = dateCreated;
  const status = field(fields, 'Status')?.toLowerCase();
  if (status !== undefined) hint.status = status;
  const eventType = field(fields, 'EventType');
  const terminal = (eventType === undefined || eventType.toLowerCase() === 'terminal') && !(status !== undefined && ONGOING.has(status));
  return { ok: true, hint, eventType, terminal };
}
