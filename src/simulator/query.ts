/**
 * Parsing and validation of the list endpoint's query parameters. Every rejection is a 400 whose
 * message names the parameter and the value, as a client needs to fix its request.
 */
import { formatNaive, parseNaiveMs } from '../exotel/time.js';
import type { CallStatus } from '../exotel/types.js';

export const DAY_MS = 86_400_000;
/** Without `DateCreated`, and for `Sid=` lookups, the API looks at the last 31 days. */
export const DEFAULT_RANGE_MS = 31 * DAY_MS;
/** "Maximum date range of 1 month": the longest month. */
export const MAX_RANGE_MS = 31 * DAY_MS;
/** "Call records only up to 6 months old". */
export const RETENTION_MS = 183 * DAY_MS;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_SIDS = 100;
export const MAX_NUMBERS = 5;

/** `RecordingUrlValidity`: minutes a `PreSignedRecordingUrl` stays valid, 5 to 60. */
export const MIN_RECORDING_URL_VALIDITY = 5;
export const MAX_RECORDING_URL_VALIDITY = 60;

const KNOWN = [
  'Sid', 'DateCreated', 'To', 'From', 'PhoneNumber', 'Status', 'Duration', 'Price', 'Direction',
  'PageSize', 'SortBy', 'Before', 'After', 'details', 'NumbersMetadata', 'RecordingUrlValidity',
] as const;
/** What the single-call endpoint (`/Calls/<Sid>`) documents. */
const KNOWN_FOR_CALL = ['details', 'RecordingUrlValidity'] as const;

/** What a parameter the API does not document gets (the simulator's `unknownParameters`). */
export type UnknownParameters = 'ignore' | 'reject';
const ENDED_STATUSES: readonly string[] = ['completed', 'failed', 'busy', 'no-answer', 'canceled'];
const ONGOING_STATUSES: readonly string[] = ['queued', 'ringing', 'in-progress'];
const DIRECTIONS: readonly string[] = ['inbound', 'outbound-api', 'outbound-dial'];
const E164 = /^\+[1-9]\d{6,14}$/;

/** A 4xx answer with its message (the simulator turns it into a RestException). */
export class QueryError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Range {
  min: number;
  max: number;
}

export interface Cursor {
  sec: number;
  sid: string;
  raw: string;
}

export interface ListQuery {
  /** DateCreated bounds in whole seconds (inclusive). */
  fromSec: number;
  toSec: number;
  sids?: string[];
  to?: string[];
  from?: string[];
  phoneNumber?: string[];
  /** Ended statuses only; ongoing ones asked for match nothing. */
  statuses?: Set<string>;
  directions?: Set<string>;
  duration?: Range;
  price?: Range;
  pageSize: number;
  desc: boolean;
  after?: Cursor;
  before?: Cursor;
  details: boolean;
  /** `RecordingUrlValidity` in minutes, when given: each record gets a `PreSignedRecordingUrl`. */
  recordingUrlValidityMin?: number;
  /** Parameters the API does not document, ignored (their names, in order). */
  ignored: string[];
  /** The request's parameters except the cursors, in their order: carried into the page URIs. */
  carried: Array<[string, string]>;
  /** A key of every filter (not paging), for caching totals. */
  filterKey: string;
  /** A key of the filters other than DateCreated. */
  predicateKey: string;
}

const bad = (param: string, value: string, expected: string) =>
  new QueryError(400, `Invalid value \`${value}\` for query parameter \`${param}\`: expected ${expected}`);

/** Splits a raw query string, accepting `+` and `%20` for spaces and `;` or `%3B` alike. */
export function parseQueryString(search: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [k, v] of new URLSearchParams(search)) out.push([k, v]);
  return out;
}

/**
 * The documented parameters by name (each at most once), and the names of the others: ignored, or
 * a 400 naming the parameter (and the documented one it nearly spells) when `unknown` is `'reject'`.
 */
function single(params: Array<[string, string]>, known: readonly string[], unknown: UnknownParameters, where = ''): { map: Map<string, string>; ignored: string[] } {
  const map = new Map<string, string>();
  const ignored: string[] = [];
  for (const [k, v] of params) {
    if (!known.includes(k)) {
      if (unknown === 'ignore') {
        if (!ignored.includes(k)) ignored.push(k);
        continue;
      }
      const near = known.find((n) => n.toLowerCase() === k.toLowerCase());
      throw new QueryError(400, `Unknown query parameter \`${k}\`${where}${near ? ` (did you mean \`${near}\`?)` : ` (accepted: ${known.map((n) => `\`${n}\``).join(', ')})`}`);
    }
    if (map.has(k)) throw new QueryError(400, `Query parameter \`${k}\` is given more than once`);
    map.set(k, v);
  }
  return { map, ignored };
}

function recordingUrlValidity(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= MIN_RECORDING_URL_VALIDITY && n <= MAX_RECORDING_URL_VALIDITY)) {
    throw bad('RecordingUrlValidity', value, `an integer from ${MIN_RECORDING_URL_VALIDITY} to ${MAX_RECORDING_URL_VALIDITY} (minutes)`);
  }
  return n;
}

function booleanParam(param: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw bad(param, value, '`true` or `false`');
  return value === 'true';
}

/** The query of one call by Sid (`/Calls/<Sid>`): `details` and `RecordingUrlValidity`. */
export interface CallQuery {
  details: boolean;
  recordingUrlValidityMin?: number;
  ignored: string[];
}

/** Validates the single-call endpoint's query. */
export function parseCallQuery(params: Array<[string, string]>, unknown: UnknownParameters = 'ignore'): CallQuery {
  const { map, ignored } = single(params, KNOWN_FOR_CALL, unknown, ' for a single call');
  const q: CallQuery = { details: booleanParam('details', map.get('details')) ?? false, ignored };
  const validity = recordingUrlValidity(map.get('RecordingUrlValidity'));
  if (validity !== undefined) q.recordingUrlValidityMin = validity;
  return q;
}

/** Offsets by which the two readings of a local time repeated by a clock change can differ. */
const FOLD_SHIFTS_MS = [-7_200_000, -3_600_000, -1_800_000, 1_800_000, 3_600_000, 7_200_000];

/**
 * A naive `DateCreated` bound as an instant. A local time that happens twice (the hour repeated
 * when clocks go back) is read widely: a lower bound (`gte`) at its first occurrence, an upper
 * bound (`lte`) at its second, so that a window built from instants and written in local time
 * (`gte:01:43:59;lte:01:00:14` across the change) covers at least the instants it was built from.
 */
function naiveBoundMs(text: string, timeZone: string, bound: 'min' | 'max'): number | undefined {
  const ms = parseNaiveMs(text, timeZone);
  if (ms === undefined) return undefined;
  const readings = [ms, ...FOLD_SHIFTS_MS.map((d) => ms + d).filter((c) => formatNaive(c, timeZone) === formatNaive(ms, timeZone))];
  return bound === 'min' ? Math.min(...readings) : Math.max(...readings);
}

/** `gte:x;lte:y`, `eq:x` or a bare `x` (equals). */
function parseOperators(param: string, value: string, read: (text: string, bound: 'min' | 'max') => number | undefined, expected: string): Range {
  const range: Range = { min: -Infinity, max: Infinity };
  const parts = value.split(';');
  for (const part of parts) {
    const m = /^(gte|lte|eq):(.*)$/.exec(part);
    const op = m ? m[1]! : 'eq';
    const text = m ? m[2]! : part;
    const v = op === 'lte' ? undefined : read(text, 'min');
    const w = op === 'gte' ? undefined : read(text, 'max');
    if ((op !== 'lte' && v === undefined) || (op !== 'gte' && w === undefined)) throw bad(param, value, expected);
    if (v !== undefined) range.min = Math.max(range.min, v);
    if (w !== undefined) range.max = Math.min(range.max, w);
  }
  return range;
}

function numbers(param: string, value: string): string[] {
  // An unencoded `+` arrives as a space: read it back as the `+` it was.
  const list = value.split(',').map((n) => n.replace(/^ (?=\d)/, '+').trim());
  if (list.length > MAX_NUMBERS) throw bad(param, value, `at most ${MAX_NUMBERS} comma-separated E.164 numbers`);
  for (const n of list) if (!E164.test(n)) throw bad(param, value, 'comma-separated E.164 numbers such as `+918047000001`');
  return list;
}

export function decodeCursor(param: string, value: string): Cursor {
  // Clients lift the cursor out of a page URI in different ways: one that kept it percent-encoded
  // and encoded it again, or sent a `+` unencoded (read as a blank), still means the same cursor.
  let cursor = value;
  if (/%[0-9A-Fa-f]{2}/.test(cursor)) {
    try {
      cursor = decodeURIComponent(cursor);
    } catch {
      // not an escape after all: left as it is
    }
  }
  cursor = cursor.replace(/ /g, '+');
  let text = '';
  try {
    text = Buffer.from(cursor, 'base64').toString('utf8');
  } catch {
    // falls through to the check below
  }
  const m = /^(\d{1,12}),([A-Za-z0-9_-]{1,64})$/.exec(text);
  if (!m) throw bad(param, value, 'a cursor taken from `NextPageUri` or `PrevPageUri`');
  return { sec: Number(m[1]), sid: m[2]!, raw: value };
}

export function encodeCursor(sec: number, sid: string): string {
  return Buffer.from(`${sec},${sid}`, 'utf8').toString('base64');
}

/**
 * A cursor as a query value the way Exotel writes it in its page URIs (`After=MTU3...Mg==`): `=`
 * and `/` are left as they are (both are legal in a query); only `+` is escaped, as it would read
 * as a blank. A client that lifts the value with a plain pattern gets the cursor itself.
 */
export function cursorParam(cursor: string): string {
  return cursor.replace(/\+/g, '%2B');
}

/** Validates the list query at `now` (the simulator's clock) in `timeZone`. */
export function parseListQuery(params: Array<[string, string]>, now: number, timeZone: string, unknown: UnknownParameters = 'ignore'): ListQuery {
  const { map: p, ignored } = single(params, KNOWN, unknown);
  const nowSec = Math.floor(now / 1000);
  const q: ListQuery = {
    fromSec: Math.floor((now - DEFAULT_RANGE_MS) / 1000),
    toSec: nowSec,
    pageSize: DEFAULT_PAGE_SIZE,
    desc: true,
    details: false,
    ignored,
    carried: params.filter(([k]) => k !== 'After' && k !== 'Before'),
    filterKey: '',
    predicateKey: '',
  };

  const dc = p.get('DateCreated');
  if (dc !== undefined) {
    const expected = 'operators `gte:`, `lte:` or `eq:` with `YYYY-MM-DD HH:mm:ss` joined by `;`';
    const r = parseOperators('DateCreated', dc, (t, bound) => {
      const ms = naiveBoundMs(t.trim(), timeZone, bound);
      return ms === undefined ? undefined : Math.floor(ms / 1000);
    }, expected);
    const hasMin = Number.isFinite(r.min);
    const hasMax = Number.isFinite(r.max);
    const maxRangeSec = MAX_RANGE_MS / 1000;
    q.toSec = hasMax ? r.max : Math.max(nowSec, hasMin ? r.min : nowSec);
    q.fromSec = hasMin ? r.min : q.toSec - maxRangeSec;
    if (q.fromSec > q.toSec) throw bad('DateCreated', dc, 'a range whose `gte:` is not after its `lte:`');
    if (q.toSec - q.fromSec > maxRangeSec) throw bad('DateCreated', dc, 'a range of at most 1 month (31 days)');
    const oldest = Math.floor((now - RETENTION_MS) / 1000);
    if (q.fromSec < oldest) {
      throw bad('DateCreated', dc, `records at most 6 months old (not before ${formatNaive(oldest * 1000, timeZone)})`);
    }
  }

  const sid = p.get('Sid');
  if (sid !== undefined) {
    const list = sid.split(',').map((s) => s.trim());
    if (list.length > MAX_SIDS) throw bad('Sid', `${list.length} Sids`, `at most ${MAX_SIDS} comma-separated Sids`);
    for (const s of list) if (!/^[A-Za-z0-9_-]{1,64}$/.test(s)) throw bad('Sid', sid, 'comma-separated call Sids');
    q.sids = list;
  }
  for (const name of ['To', 'From', 'PhoneNumber'] as const) {
    const v = p.get(name);
    if (v === undefined) continue;
    const list = numbers(name, v);
    if (name === 'To') q.to = list;
    else if (name === 'From') q.from = list;
    else q.phoneNumber = list;
  }
  const status = p.get('Status');
  if (status !== undefined) {
    const list = status.split(',').map((s) => s.trim());
    for (const s of list) {
      if (!ENDED_STATUSES.includes(s) && !ONGOING_STATUSES.includes(s)) {
        throw bad('Status', status, `comma-separated statuses among ${[...ENDED_STATUSES, ...ONGOING_STATUSES].map((x) => `\`${x}\``).join(', ')}`);
      }
    }
    q.statuses = new Set(list.filter((s) => ENDED_STATUSES.includes(s)));
  }
  const direction = p.get('Direction');
  if (direction !== undefined) {
    const list = direction.split(',').map((s) => s.trim());
    for (const d of list) if (!DIRECTIONS.includes(d)) throw bad('Direction', direction, '`inbound`, `outbound-api` or `outbound-dial` (comma-separated)');
    q.directions = new Set(list);
  }
  const duration = p.get('Duration');
  if (duration !== undefined) {
    q.duration = parseOperators('Duration', duration, (t) => (/^\d{1,9}s?$/.test(t) ? Number.parseInt(t, 10) : undefined),
      'operators `gte:`, `lte:` or `eq:` with whole seconds such as `10s`, joined by `;`');
  }
  const price = p.get('Price');
  if (price !== undefined) {
    q.price = parseOperators('Price', price, (t) => (/^\d{1,9}(\.\d{1,9})?$/.test(t) ? Number(t) : undefined),
      'operators `gte:`, `lte:` or `eq:` with amounts such as `0.10`, joined by `;`');
  }
  const pageSize = p.get('PageSize');
  if (pageSize !== undefined) {
    const n = /^\d{1,9}$/.test(pageSize) ? Number(pageSize) : Number.NaN;
    if (!(n >= 1 && n <= MAX_PAGE_SIZE)) throw bad('PageSize', pageSize, `an integer from 1 to ${MAX_PAGE_SIZE}`);
    q.pageSize = n;
  }
  const sortBy = p.get('SortBy');
  if (sortBy !== undefined) {
    if (sortBy !== 'DateCreated:desc' && sortBy !== 'DateCreated:asc') throw bad('SortBy', sortBy, '`DateCreated:asc` or `DateCreated:desc`');
    q.desc = sortBy === 'DateCreated:desc';
  }
  const after = p.get('After');
  const before = p.get('Before');
  if (after !== undefined && before !== undefined) throw new QueryError(400, 'Query parameters `After` and `Before` cannot be given together');
  if (after !== undefined) q.after = decodeCursor('After', after);
  if (before !== undefined) q.before = decodeCursor('Before', before);
  q.details = booleanParam('details', p.get('details')) ?? false;
  booleanParam('NumbersMetadata', p.get('NumbersMetadata'));
  const validity = recordingUrlValidity(p.get('RecordingUrlValidity'));
  if (validity !== undefined) q.recordingUrlValidityMin = validity;

  q.predicateKey = JSON.stringify([
    q.sids, q.to, q.from, q.phoneNumber, q.statuses && [...q.statuses], q.directions && [...q.directions],
    q.duration && [q.duration.min, q.duration.max], q.price && [q.price.min, q.price.max],
  ]);
  q.filterKey = `${q.fromSec},${q.toSec},${q.predicateKey}`;
  return q;
}

/** Statuses the Status filter may name, ended or ongoing. */
export type StatusFilterValue = CallStatus | 'queued' | 'ringing' | 'in-progress';
