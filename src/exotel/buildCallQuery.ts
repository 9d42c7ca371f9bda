/**
 * The filters of `GET /v1/Accounts/<sid>/Calls.json`, validated before anything is sent and
 * encoded the way Exotel documents them (`DateCreated=gte%3A2025-01-15+00%3A00%3A00%3Blte%3A…`).
 */
import { directionsOption, isPlainObject, numbersOption, oneOrMore, pageSizeOption } from './assert.js';
import { InvalidOptionError } from './errors.js';
import { CALL_STATUSES, CURSOR, MAX_RANGE_MONTHS, MAX_AGE_DAYS, MAX_AGE_MONTHS, MAX_SIDS, ONGOING_CALL_STATUSES, isSid, latestRangeEndMs, oldestListableMs } from './limits.js';
import { MAX_DATE_MS, formatNaive } from './time.js';
import type { CallDirection, CallStatus, OngoingCallStatus } from './types.js';

/** A `DateCreated` bound: a `Date` or epoch milliseconds, written in the account's zone. */
export type DateCreatedBound = Date | number;

/** Comparison operators of a filter. `eq` cannot be combined with `gte`/`lte`. */
export interface RangeFilter<T> {
  gte?: T;
  lte?: T;
  eq?: T;
}

/** The filters and paging parameters of one listing. Every field is optional. */
export interface CallQuery {
  /** Call Sid(s), at most 100 (20 recommended). Without `dateCreated` the API looks only at the last 31 days. */
  sid?: string | string[];
  /**
   * When the calls were created (started). Both bounds inclusive, one-second resolution, written
   * in the account's zone. The range may span at most one calendar month, and no bound may be
   * older than six calendar months (and 183 days) before now (measured on the server's clock).
   */
  dateCreated?: RangeFilter<DateCreatedBound>;
  /** Customer number(s), E.164 (`+918047000001`), at most 5. */
  to?: string | string[];
  /** Number(s) called first, E.164, at most 5. */
  from?: string | string[];
  /** ExoPhone(s) (virtual numbers), E.164, at most 5. */
  phoneNumber?: string | string[];
  /** Overall status(es). The ongoing ones are accepted by the API, though it never lists such calls. */
  status?: CallStatus | OngoingCallStatus | Array<CallStatus | OngoingCallStatus>;
  /** Duration in whole seconds, sent as `gte:10s`. */
  duration?: RangeFilter<number>;
  /** Price in the billing currency, sent as `gte:0.5`. */
  price?: RangeFilter<number>;
  direction?: CallDirection | CallDirection[];
  /** Records per page, 1 to 100. The API's default (when absent) is 50. */
  pageSize?: number;
  /** Order by `DateCreated`, sent as `SortBy=DateCreated:asc`. The API's default is `desc`. */
  sortBy?: 'asc' | 'desc';
  /** Cursor from a `PrevPageUri`, as the API handed it. */
  before?: string;
  /** Cursor from a `NextPageUri`, as the API handed it. */
  after?: string;
  /** Ask for leg-wise `Details` (`details=true`). */
  details?: boolean;
}

/**
 * Filters applied to every read a stream makes: the number, direction and status filters of a
 * `CallQuery` (statuses only of ended calls: the API never lists the others).
 */
export type CallStreamFilters = Pick<CallQuery, 'direction' | 'phoneNumber' | 'to' | 'from'> & {
  /** Only these final statuses. */
  status?: CallStatus | CallStatus[];
};

/** What `buildCallQuery` needs besides the query. */
export interface CallQueryContext {
  /** Zone of the account's naive timestamps (an IANA name). */
  timeZone: string;
  /** "Now" on the server's clock, epoch ms, for the six-month limit. @default Date.now() */
  now?: number;
}

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'sid', 'dateCreated', 'to', 'from', 'phoneNumber', 'status', 'duration', 'price', 'direction',
  'pageSize', 'sortBy', 'before', 'after', 'details',
]);
const RANGE_KEYS: ReadonlySet<string> = new Set(['gte', 'lte', 'eq']);

function range<T>(name: string, value: unknown, check: (v: unknown) => v is T, expected: string): RangeFilter<T> {
  if (!isPlainObject(value)) throw new InvalidOptionError(name, 'an object with `gte`, `lte` or `eq`', value);
  let any = false;
  for (const key of Object.keys(value)) {
    if (!RANGE_KEYS.has(key)) throw new InvalidOptionError(`${name}.${key}`, 'absent: the operators are `gte`, `lte` and `eq`', value[key]);
    if (value[key] === undefined) continue;
    if (!check(value[key])) throw new InvalidOptionError(`${name}.${key}`, expected, value[key]);
    any = true;
  }
  if (!any) throw new InvalidOptionError(name, 'an object with at least one of `gte`, `lte`, `eq`', value);
  if (value.eq !== undefined && (value.gte !== undefined || value.lte !== undefined)) {
    throw new InvalidOptionError(`${name}.eq`, 'absent when `gte` or `lte` is given', value.eq);
  }
  return value as RangeFilter<T>;
}

const isSeconds = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isPrice = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isInstant = (v: unknown): v is DateCreatedBound =>
  (v instanceof Date && Number.isFinite(v.getTime())) || (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_DATE_MS);

function encodeRange<T>(r: RangeFilter<T>, format: (v: T) => string): string {
  if (r.eq !== undefined) return `eq:${format(r.eq)}`;
  const parts: string[] = [];
  if (r.gte !== undefined) parts.push(`gte:${format(r.gte)}`);
  if (r.lte !== undefined) parts.push(`lte:${format(r.lte)}`);
  return parts.join(';');
}

/**
 * A number as a plain decimal: `String()` writes 1e-7 and 1e21 with an exponent, which the API's
 * amount syntax (`Price=eq:0.300030`) does not have.
 */
export function plainDecimal(v: number): string {
  const s = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const digits = m[2]! + (m[3] ?? '');
  const point = 1 + Number(m[4]);
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return m[1]! + out;
}

const toMs = (v: DateCreatedBound) => (typeof v === 'number' ? v : v.getTime());

/** Floors to the second: `DateCreated` has one-second resolution and the API compares seconds. */
const floorSecond = (ms: number) => Math.floor(ms / 1000) * 1000;
const isStatusFilter = (v: unknown): v is CallStatus | OngoingCallStatus =>
  (CALL_STATUSES as readonly unknown[]).includes(v) || (ONGOING_CALL_STATUSES as readonly unknown[]).includes(v);
const STATUS_FILTERS = [...CALL_STATUSES, ...ONGOING_CALL_STATUSES];

function checkDateCreated(r: RangeFilter<DateCreatedBound>, timeZone: string, now: number): void {
  const oldest = oldestListableMs(now, timeZone);
  for (const key of ['gte', 'lte', 'eq'] as const) {
    const v = r[key];
    if (v !== undefined && floorSecond(toMs(v)) < oldest) {
      throw new InvalidOptionError(
        `query.dateCreated.${key}`,
        `no older than ${MAX_AGE_MONTHS} months or ${MAX_AGE_DAYS} days (not before ${formatNaive(oldest, timeZone)} in ${timeZone})`,
        v,
      );
    }
  }
  const gte = r.gte === undefined ? undefined : floorSecond(toMs(r.gte));
  // Without an upper bound the API reads up to now: the range is measured to now then.
  const lte = r.lte === undefined ? (gte === undefined ? undefined : Math.max(gte, floorSecond(now))) : floorSecond(toMs(r.lte));
  if (gte !== undefined && lte !== undefined) {
    if (r.lte !== undefined && lte < gte) {
      throw new InvalidOptionError('query.dateCreated.lte', `at or after \`dateCreated.gte\` (${formatNaive(gte, timeZone)})`, r.lte);
    }
    if (lte > latestRangeEndMs(gte, timeZone)) {
      throw new InvalidOptionError(
        r.lte === undefined ? 'query.dateCreated.gte' : 'query.dateCreated.lte',
        `at most ${MAX_RANGE_MONTHS} month after \`dateCreated.gte\` (${formatNaive(gte, timeZone)})${r.lte === undefined ? ' when `lte` is absent (it means now)' : ''}`,
        r.lte === undefined ? r.gte : r.lte,
      );
    }
  }
}

/**
 * Validates a query and encodes it as a query string (without `?`), `;` as `%3B` and spaces as `+`.
 * Throws `InvalidOptionError` naming the field (`query.pageSize`) and showing the value received.
 *
 * @example
 * buildCallQuery({ dateCreated: { gte: start, lte: end }, sortBy: 'asc', pageSize: 100 }, { timeZone: 'Asia/Kolkata' })
 * // 'DateCreated=gte%3A2025-01-15+00%3A00%3A00%3Blte%3A2025-01-15+00%3A15%3A00&PageSize=100&SortBy=DateCreated%3Aasc'
 */
export function buildCallQuery(query: CallQuery, context: CallQueryContext): string {
  if (!isPlainObject(query)) throw new InvalidOptionError('query', 'an object', query);
  const q = query as Record<string, unknown>;
  for (const key of Object.keys(q)) {
    if (!KNOWN_KEYS.has(key) && q[key] !== undefined) {
      throw new InvalidOptionError(`query.${key}`, `absent: the known filters are ${[...KNOWN_KEYS].map((k) => `\`${k}\``).join(', ')}`, q[key]);
    }
  }
  const timeZone = context.timeZone;
  const now = context.now ?? Date.now();
  const params = new URLSearchParams();

  if (q.sid !== undefined) {
    params.set('Sid', oneOrMore('query.sid', q.sid, isSid, 'a call Sid (letters, digits, `_` or `-`)', MAX_SIDS).join(','));
  }
  if (q.dateCreated !== undefined) {
    const r = range('query.dateCreated', q.dateCreated, isInstant, 'a valid Date or epoch milliseconds');
    checkDateCreated(r, timeZone, now);
    params.set('DateCreated', encodeRange(r, (v) => formatNaive(v, timeZone)));
  }
  if (q.to !== undefined) params.set('To', numbersOption('query.to', q.to).join(','));
  if (q.from !== undefined) params.set('From', numbersOption('query.from', q.from).join(','));
  if (q.phoneNumber !== undefined) params.set('PhoneNumber', numbersOption('query.phoneNumber', q.phoneNumber).join(','));
  if (q.status !== undefined) {
    const statuses = oneOrMore('query.status', q.status, isStatusFilter, `one of ${STATUS_FILTERS.map((s) => `\`${s}\``).join(', ')}`, STATUS_FILTERS.length);
    params.set('Status', [...new Set(statuses)].join(','));
  }
  if (q.duration !== undefined) {
    const r = range('query.duration', q.duration, isSeconds, 'a whole number of seconds, 0 or more');
    params.set('Duration', encodeRange(r, (v) => `${v}s`));
  }
  if (q.price !== undefined) {
    const r = range('query.price', q.price, isPrice, 'a finite number, 0 or more');
    params.set('Price', encodeRange(r, plainDecimal));
  }
  if (q.direction !== undefined) params.set('Direction', [...new Set(directionsOption('query.direction', q.direction))].join(','));
  if (q.pageSize !== undefined) params.set('PageSize', String(pageSizeOption('query.pageSize', q.pageSize, 0)));
  if (q.sortBy !== undefined) {
    if (q.sortBy !== 'asc' && q.sortBy !== 'desc') throw new InvalidOptionError('query.sortBy', '`asc` or `desc`', q.sortBy);
    params.set('SortBy', `DateCreated:${q.sortBy}`);
  }
  if (q.before !== undefined && q.after !== undefined) {
    throw new InvalidOptionError('query.before', 'absent when `after` is given (one cursor at a time)', q.before);
  }
  for (const [key, name] of [['before', 'Before'], ['after', 'After']] as const) {
    const v = q[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !CURSOR.test(v)) throw new InvalidOptionError(`query.${key}`, 'a cursor as the API handed it (a base64 string)', v);
    params.set(name, v);
  }
  if (q.details !== undefined) {
    if (typeof q.details !== 'boolean') throw new InvalidOptionError('query.details', 'a boolean', q.details);
    if (q.details) params.set('details', 'true');
  }
  return params.toString();
}
