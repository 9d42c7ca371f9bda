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
