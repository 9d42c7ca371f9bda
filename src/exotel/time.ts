/**
 * Zone-aware reading and writing of Exotel's naive timestamps (`YYYY-MM-DD HH:mm:ss`, in the
 * account's local time). Shared by the client and the simulator.
 *
 * Intl is slow, so the UTC offset of a zone is cached per 15-minute bucket of UTC time: every
 * zone's offset changes only on quarter-hour boundaries.
 */

/** The largest epoch ms a `Date` holds (±100,000,000 days, ECMAScript's TimeClip): beyond it is no instant. */
export const MAX_DATE_MS = 8.64e15;

const NAIVE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;
const BUCKET_MS = 15 * 60_000;
const MAX_CACHE = 4096;

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, number>>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw new RangeError(`Expected \`timeZone\` to be an IANA time zone such as \`Asia/Kolkata\`, got \`${String(timeZone)}\``);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a RangeError naming the value unless `timeZone` is a zone this runtime knows. */
export function assertTimeZone(timeZone: unknown): asserts timeZone is string {
  if (typeof timeZone !== 'string' || timeZone.length === 0) {
    throw new TypeError(`Expected \`timeZone\` to be an IANA time zone such as \`Asia/Kolkata\`, got \`${String(timeZone)}\` (${typeof timeZone})`);
  }
  formatterFor(timeZone);
}

/** The zone's offset from UTC, in milliseconds, at the instant `utcMs` (positive east of UTC). */
export function zoneOffsetMs(utcMs: number, timeZone: string): number {
  let cache = offsetCache.get(timeZone);
  if (!cache) {
    cache = new Map();
    offsetCache.set(timeZone, cache);
  }
  const bucket = Math.floor(utcMs / BUCKET_MS);
  const hit = cache.get(bucket);
  if (hit !== undefined) return hit;
  const parts = formatterFor(timeZone).formatToParts(new Date(bucket * BUCKET_MS));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const offset = asUtc - bucket * BUCKET_MS;
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(bucket, offset);
  return offset;
}

/**
 * How far the zone's offset from UTC moves over the year around `utcMs` (its daylight-saving
 * shift: an hour in most zones, 30 minutes in a few, 0 where there is none). A naive timestamp in
 * the hour a change repeats reads up to this much off.
 */
export function zoneShiftMs(timeZone: string, utcMs: number = Date.now()): number {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let month = 0; month < 12; month++) {
    const offset = zoneOffsetMs(utcMs - month * 30 * 86_400_000, timeZone);
    min = Math.min(min, offset);
    max = Math.max(max, offset);
  }
  return max - min;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Formats an instant as a naive `YYYY-MM-DD HH:mm:ss` in `timeZone` (milliseconds dropped). */
export function formatNaive(instant: Date | number, timeZone: string): string {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`Expected a valid date, got \`${String(instant)}\``);
  const local = new Date(ms + zoneOffsetMs(ms, timeZone));
  return (
    `${local.getUTCFullYear()}-${pad2(local.getUTCMonth() + 1)}-${pad2(local.getUTCDate())} ` +
    `${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}:${pad2(local.getUTCSeconds())}`
  );
}

/**
 * Reads a naive `YYYY-MM-DD HH:mm:ss` (a `T` separator is accepted too) as local time in
 * `timeZone`; returns epoch milliseconds, or `undefined` when the text is not such a timestamp.
 * A local time skipped by a DST change is read with the offset before the change.
 */
export function parseNaiveMs(text: string, timeZone: string): number | undefined {
  const fast = parseDigits(text, timeZone);
  if (fast !== null) return fast;
  // The same few timestamps recur on every page (DateCreated = StartTime, a second holds many
  // calls, re-reads repeat them all): remembering the last few thousand skips the regex and dates.
  let parsed = parsedCache.get(timeZone);
  if (parsed === undefined) {
    parsed = new Map();
    parsedCache.set(timeZone, parsed);
  }
  const hit = parsed.get(text);
  if (hit !== undefined) return hit;
  const ms = parseUncached(text, timeZone);
  if (ms !== undefined) {
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(text, ms);
  }
  return ms;
}

const MAX_PARSED = 8192;
const parsedCache = new Map<string, Map<string, number>>();

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Per zone: the offset the two passes of `parseUncached` settle on, per quarter-hour of naive wall time read as UTC. */
const naiveOffsets = new Map<string, Map<number, number>>();

/**
 * The common case, without a regex, a `Date` or a string-keyed cache (a page's timestamps are
 * new strings each time, and hashing them cost more than reading their digits): 19 characters
 * `YYYY-MM-DD HH:mm:ss` from 1980 on. Returns the instant, `undefined` for a malformed timestamp,
 * or null to leave the text to `parseUncached` (another shape, an earlier year).
 *
 * Every zone's offset since 1980 is a whole number of quarter-hours and changes only on a
 * quarter-hour, so the offset `parseUncached` settles on is one for all of a quarter-hour of wall
 * time: it is remembered per quarter-hour (and checked to be whole quarters before it is).
 */
function parseDigits(text: string, timeZone: string): number | undefined | null {
  if (text.length !== 19) return null;
  const sep = text.charCodeAt(10);
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || (sep !== 32 && sep !== 84) || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null;
  const yHigh = twoDigits(text, 0);
  const yLow = twoDigits(text, 2);
  const mo = twoDigits(text, 5);
  const d = twoDigits(text, 8);
  const h = twoDigits(text, 11);
  const mi = twoDigits(text, 14);
  const sec = twoDigits(text, 17);
  if (yHigh < 0 || yLow < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return undefined;
  const y = yHigh * 100 + yLow;
  if (y < 1980) return null;
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return undefined;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!)) return undefined;
  // Days from 1970-01-01 to the date (H. Hinnant's days_from_civil).
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const days = era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
  const asUtc = ((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000;
  let zone = naiveOffsets.get(timeZone);
  if (zone === undefined) {
    zone = new Map();
    naiveOffsets.set(timeZone, zone);
  }
  const quarter = Math.floor(asUtc / BUCKET_MS);
  let offset = zone.get(quarter);
  if (offset === undefined) {
    const first = zoneOffsetMs(asUtc, timeZone);
    offset = zoneOffsetMs(asUtc - first, timeZone);
    if (first % BUCKET_MS !== 0 || offset % BUCKET_MS !== 0) return null;
    if (zone.size >= MAX_CACHE) zone.clear();
    zone.set(quarter, offset);
  }
  return asUtc - offset;
}

/** The two decimal digits of `text` at `i`, or -1. (A function of the module, not a closure per call.) */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function parseUncached(text: string, timeZone: string): number | undefined {
  const m = NAIVE.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(asUtc).getUTCDate() !== d) return undefined; // 2024-02-30 and the like
  // Two passes settle the offset around DST changes.
  let guess = asUtc - zoneOffsetMs(asUtc, timeZone);
  guess = asUtc - zoneOffsetMs(guess, timeZone);
  return guess;
}

/** Like `parseNaiveMs`, as a `Date`; `undefined` when the text is not a naive timestamp. */
export function parseNaive(text: string, timeZone: string): Date | undefined {
  const ms = parseNaiveMs(text, timeZone);
  return ms === undefined ? undefined : new Date(ms);
}

/**
 * Adds calendar months to an instant as the account's wall clock sees it (Jan 31 + 1 month is
 * the last day of February), keeping the time of day. Used for the one-month range and the
 * six-month age limits.
 */
export function addZonedMonths(ms: number, months: number, timeZone: string): number {
  const offset = zoneOffsetMs(ms, timeZone);
  const local = new Date(ms + offset);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const day = Math.min(local.getUTCDate(), lastDay);
  const shifted = Date.UTC(y, m, day, local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds(), local.getUTCMilliseconds());
  return shifted - zoneOffsetMs(shifted - offset, timeZone);
}
