/**
 * The facts of Exotel's Bulk Call Details API that this library checks before it sends anything:
 * one home for each (see `shared/exotel/FACTS.md` and the API reference). The query builder,
 * the stream's options, the read planner and the CLI take them from here.
 */
import { addZonedMonths } from './time.js';
import type { CallDirection, CallStatus, OngoingCallStatus } from './types.js';

const DAY_MS = 86_400_000;

/** Records are listed up to six calendar months old ("You can query call records only up to 6 months old")... */
export const MAX_AGE_MONTHS = 6;
/** ...and, of the two readings of "6 months", never more than this many days (six calendar months can reach 184). */
export const MAX_AGE_DAYS = 183;
/** The longest `DateCreated` range, in calendar months of the account's zone ("maximum date range of 1 month"). */
export const MAX_RANGE_MONTHS = 1;
/**
 * Shorter than any calendar month, even February across a daylight-saving change (the API counts
 * months on the account's wall clock): a window this long always fits in one `DateCreated` range.
 */
export const MAX_WINDOW_MS = 27 * DAY_MS;
/** Without `DateCreated` (a `Sid=` lookup), the API looks at the last 31 days only. */
export const DEFAULT_RANGE_MS = 31 * DAY_MS;

/** `Sid=` takes at most 100 comma-separated Sids (20 recommended). */
export const MAX_SIDS = 100;
/** `To`, `From` and `PhoneNumber` take at most 5 comma-separated E.164 numbers each. */
export const MAX_NUMBERS = 5;
/** `PageSize` is 1 to 100; the API's default is 50. */
export const MIN_PAGE_SIZE = 1;
export const MAX_PAGE_SIZE = 100;
/** Exotel's quota: 200 requests a minute per account (all keys together). */
export const REQUESTS_PER_MINUTE = 200;

/** An E.164 number: `+`, a country code that does not start with 0, 7 to 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;
/**
 * A call Sid or an account Sid: letters, digits, `_` and `-`, at most 128. They go into a path or
 * a comma-separated list, so neither separators nor blanks.
 */
export const SID = /^[A-Za-z0-9_-]{1,128}$/;
/** A paging cursor as the API hands it (`After`/`Before`): base64 and a few URL-safe characters. */
export const CURSOR = /^[A-Za-z0-9+/=_.:-]{1,1024}$/;

/** The statuses of ended calls, the only ones the API lists. `completed` is a completed call; the others failed. */
export const CALL_STATUSES: readonly CallStatus[] = Object.freeze(['completed', 'failed', 'busy', 'no-answer', 'canceled']);
/** Statuses of calls still in progress: the `Status` filter accepts them, the list never has such calls. */
export const ONGOING_CALL_STATUSES: readonly OngoingCallStatus[] = Object.freeze(['queued', 'ringing', 'in-progress']);
export const CALL_DIRECTIONS: readonly CallDirection[] = Object.freeze(['inbound', 'outbound-dial', 'outbound-api']);

export const isE164 = (value: unknown): value is string => typeof value === 'string' && E164.test(value);
export const isSid = (value: unknown): value is string => typeof value === 'string' && SID.test(value);
export const isCallStatus = (value: unknown): value is CallStatus => (CALL_STATUSES as readonly unknown[]).includes(value);
export const isCallDirection = (value: unknown): value is CallDirection => (CALL_DIRECTIONS as readonly unknown[]).includes(value);

/** Floors to the second: `DateCreated` has one-second resolution and the API compares seconds. */
const floorSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

/**
 * The oldest `DateCreated` the API lists at `nowMs` (its clock), floored to the second: six
 * calendar months back in the account's zone, but never more than 183 days, the stricter reading.
 */
export function oldestListableMs(nowMs: number, timeZone: string): number {
  return floorSecond(Math.max(addZonedMonths(nowMs, -MAX_AGE_MONTHS, timeZone), nowMs - MAX_AGE_DAYS * DAY_MS));
}

/** The latest `DateCreated.lte` a range starting at `gteMs` may have: one calendar month later, in the account's zone. */
export function latestRangeEndMs(gteMs: number, timeZone: string): number {
  return addZonedMonths(gteMs, MAX_RANGE_MONTHS, timeZone);
}
