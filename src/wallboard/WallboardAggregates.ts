/**
 * The wallboard's numbers, kept incrementally: per-minute buckets (by the instant each call ended,
 * in the account's zone for "today") plus one entry per counted Sid, so that a `callUpdated`
 * replaces the call's earlier contribution instead of counting it twice.
 *
 * Memory is bounded by what the board shows: buckets and entries older than both the start of
 * today and the last hour are dropped.
 */
import type { CallStatus } from '../exotel/types.js';
import { formatNaive, parseNaiveMs, assertTimeZone } from '../exotel/time.js';
import { InvalidOptionError } from '../exotel/errors.js';
import type { CallStreamEvent } from '../stream/types.js';
import { toBoardCall, type BoardCall } from './boardCall.js';
import type { GroupTotals, HourBar, LineTotals, MinuteBar, PeriodTotals, WallboardStats } from './types.js';

const MINUTE = 60_000;
const STATUSES: readonly CallStatus[] = ['completed', 'failed', 'busy', 'no-answer', 'canceled'];

interface Bucket {
  /** Hour of the day (0-23) in the board's zone of the bucket's minute. */
  hour: number;
  byStatus: Record<CallStatus, number>;
  /** Completed and failed calls per ExoPhone, and per direction. */
  byLine: Map<string, { completed: number; failed: number }>;
  byDirection: Map<string, { completed: number; failed: number }>;
  talkSeconds: number;
  talkedCalls: number;
  /** Thousandths of the currency: Exotel prices have three decimals; integers do not drift. */
  spendMilli: number;
  sids: Set<string>;
}

interface Entry {
  minute: number;
  status: CallStatus;
  line: string;
  direction: string;
  talkSeconds: number | null;
  priceMilli: number | null;
}

export interface WallboardAggregatesOptions {
  /** IANA zone that decides where "today" starts. @default 'Asia/Kolkata' */
  timeZone?: string;
  /** How many recent calls `latest` keeps. @default 12 */
  latestCount?: number;
  /** Mask customer numbers in `latest`. @default true */
  maskNumbers?: boolean;
}

const emptyByStatus = (): Record<CallStatus, number> => ({ completed: 0, failed: 0, busy: 0, 'no-answer': 0, canceled: 0 });
/** Lines (ExoPhones) listed by name; the rest are summed as one `other` row. */
const MAX_LINES = 8;

function addGroup(map: Map<string, { completed: number; failed: number }>, key: string, completed: number, failed: number): void {
  const g = map.get(key) ?? { completed: 0, failed: 0 };
  g.completed += completed;
  g.failed += failed;
  if (g.completed === 0 && g.failed === 0) map.delete(key);
  else map.set(key, g);
}

function normalizeStatus(status: string): CallStatus {
  return (STATUSES as readonly string[]).includes(status) ? (status as CallStatus) : 'failed';
}

/** Folds call events into the wallboard's aggregates. Pure: every instant is passed in. */
export class WallboardAggregates {
  readonly timeZone: string;
  readonly latestCount: number;
  readonly maskNumbers: boolean;
  readonly #buckets = new Map<number, Bucket>();
  readonly #entries = new Map<string, Entry>();
  #latest: BoardCall[] = [];
  #prunedAt = Number.NEGATIVE_INFINITY;

  constructor(options: WallboardAggregatesOptions = {}) {
    const timeZone = options.timeZone ?? 'Asia/Kolkata';
    try {
      assertTimeZone(timeZone);
    } catch {
      throw new InvalidOptionError('timeZone', 'an IANA time zone such as `Asia/Kolkata`', timeZone);
    }
    const latestCount = options.latestCount ?? 12;
    if (!Number.isInteger(latestCount) || latestCount < 1 || latestCount > 200) {
      throw new InvalidOptionError('latestCount', 'an integer from 1 to 200', latestCount);
    }
    if (options.maskNumbers !== undefined && typeof options.maskNumbers !== 'boolean') {
      throw new InvalidOptionError('maskNumbers', 'a boolean', options.maskNumbers);
    }
    this.timeZone = timeZone;
    this.latestCount = latestCount;
    this.maskNumbers = options.maskNumbers ?? true;
  }

  /** Applies one stream event at instant `now` (epoch ms); returns the call as the board shows it. */
  apply(event: CallStreamEvent, now: number): BoardCall {
    const call = toBoardCall(event.call, this.maskNumbers);
    // Pruning once a minute keeps memory bounded even when nobody asks for a snapshot.
    if (now - this.#prunedAt >= MINUTE) this.#prune(now);
    this.#count(call, now);
    this.#remember(call);
    return call;
  }

  /** Number of Sids currently counted (for tests and diagnostics). */
  get size(): number {
    return this.#entries.size;
  }

  /** The numbers at instant `now`. */
  snapshot(now: number): WallboardStats {
    this.#prune(now);
    const dayStart = this.#dayStart(now);
    const nextDay = this.#dayStart(dayStart + 36 * 3600_000);
    const minuteNow = Math.floor(now / MINUTE) * MINUTE;
    const today = this.#totals((m) => m >= dayStart && m < nextDay);
    const last15Minutes = this.#totals((m) => m > minuteNow - 15 * MINUTE && m <= minuteNow);
    const byHour: HourBar[] = Array.from({ length: 24 }, (_, hour) => ({ hour, completed: 0, failed: 0 }));
    for (const [minute, b] of this.#buckets) {
      if (minute < dayStart || minute >= nextDay) continue;
      const bar = byHour[b.hour]!;
      bar.completed += b.byStatus.completed;
      bar.failed += b.byStatus.failed + b.byStatus.busy + b.byStatus['no-answer'] + b.byStatus.canceled;
    }
    const perMinute: MinuteBar[] = [];
    for (let i = 59; i >= 0; i--) {
      const start = minuteNow - i * MINUTE;
      const b = this.#buckets.get(start);
      const completed = b?.byStatus.completed ?? 0;
      const failed = b ? b.byStatus.failed + b.byStatus.busy + b.byStatus['no-answer'] + b.byStatus.canceled : 0;
      perMinute.push({ start, completed, failed });
    }
    return {
      at: now,
      timeZone: this.timeZone,
      day: formatNaive(now, this.timeZone).slice(0, 10),
      today,
      last15Minutes,
      perMinute,
      byHour,
      latest: this.#latest.map((c) => ({ ...c })),
    };
  }

  #count(call: BoardCall, now: number): void {
    const previous = this.#entries.get(call.sid);
    if (previous) this.#remove(call.sid, previous);
    const minute = Math.floor(call.at / MINUTE) * MINUTE;
    // Calls from before anything the board shows are not kept (a backfill after a long outage).
    if (minute < this.#horizon(now)) return;
    const entry: Entry = {
      minute,
      status: normalizeStatus(call.status),
      line: call.exophone ?? 'unknown',
      direction: call.direction ?? 'unknown',
      talkSeconds: call.talkSeconds,
      priceMilli: call.price === null ? null : Math.round(call.price * 1000),
    };
    let bucket = this.#buckets.get(minute);
    if (!bucket) {
      const hour = Number(formatNaive(minute, this.timeZone).slice(11, 13));
      bucket = { hour, byStatus: emptyByStatus(), byLine: new Map(), byDirection: new Map(), talkSeconds: 0, talkedCalls: 0, spendMilli: 0, sids: new Set() };
      this.#buckets.set(minute, bucket);
    }
    this.#addTo(bucket, entry, 1);
    bucket.sids.add(call.sid);
    this.#entries.set(call.sid, entry);
  }

  #remove(sid: string, entry: Entry): void {
    const bucket = this.#buckets.get(entry.minute);
    this.#entries.delete(sid);
    if (!bucket) return;
    this.#addTo(bucket, entry, -1);
    bucket.sids.delete(sid);
    if (bucket.sids.size === 0) this.#buckets.delete(entry.minute);
  }

  #addTo(bucket: Bucket, entry: Entry, sign: 1 | -1): void {
    bucket.byStatus[entry.status] += sign;
    const completed = entry.status === 'completed' ? sign : 0;
    addGroup(bucket.byLine, entry.line, completed, sign - completed);
    addGroup(bucket.byDirection, entry.direction, completed, sign - completed);
    if (entry.status === 'completed' && entry.talkSeconds !== null) {
      bucket.talkSeconds += sign * entry.talkSeconds;
      bucket.talkedCalls += sign;
    }
    if (entry.priceMilli !== null) bucket.spendMilli += sign * entry.priceMilli;
  }

  /**
   * The latest calls by the instant they ended, newest first, whatever order they arrived in (a
   * catch-up after an outage brings old calls late). An update corrects its call in place.
   */
  #remember(call: BoardCall): void {
    const list = this.#latest.filter((c) => c.sid !== call.sid);
    list.push(call);
    list.sort((a, b) => b.at - a.at || (a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0));
    this.#latest = list.slice(0, this.latestCount);
  }

  #totals(inPeriod: (minute: number) => boolean): PeriodTotals {
    const byStatus = emptyByStatus();
    let talkSeconds = 0;
    let talkedCalls = 0;
    let spendMilli = 0;
    const lines = new Map<string, { completed: number; failed: number }>();
    const directions = new Map<string, { completed: number; failed: number }>();
    for (const [minute, b] of this.#buckets) {
      if (!inPeriod(minute)) continue;
      for (const s of STATUSES) byStatus[s] += b.byStatus[s];
      for (const [line, g] of b.byLine) addGroup(lines, line, g.completed, g.failed);
      for (const [direction, g] of b.byDirection) addGroup(directions, direction, g.completed, g.failed);
      talkSeconds += b.talkSeconds;
      talkedCalls += b.talkedCalls;
      spendMilli += b.spendMilli;
    }
    const failed = byStatus.failed + byStatus.busy + byStatus['no-answer'] + byStatus.canceled;
    const group = (g: { completed: number; failed: number }): GroupTotals => ({ total: g.completed + g.failed, completed: g.completed, failed: g.failed });
    const ranked: LineTotals[] = [...lines]
      .map(([line, g]) => ({ line, ...group(g) }))
      .sort((a, b) => b.total - a.total || (a.line < b.line ? -1 : 1));
    const byLine = ranked.slice(0, MAX_LINES);
    if (ranked.length > MAX_LINES) {
      const rest = ranked.slice(MAX_LINES).reduce((sum, l) => ({ completed: sum.completed + l.completed, failed: sum.failed + l.failed }), { completed: 0, failed: 0 });
      byLine.push({ line: 'other', ...group(rest) });
    }
    const total = byStatus.completed + failed;
    return {
      total,
      answerRate: total === 0 ? null : byStatus.completed / total,
      byLine,
      byDirection: Object.fromEntries([...directions].sort(([a], [b]) => (a < b ? -1 : 1)).map(([d, g]) => [d, group(g)])),
      completed: byStatus.completed,
      failed,
      byStatus,
      talkSeconds,
      talkedCalls,
      averageTalkSeconds: talkedCalls === 0 ? null : talkSeconds / talkedCalls,
      spend: spendMilli / 1000,
    };
  }

  /** The first instant of the day of `now` in the board's zone. */
  #dayStart(now: number): number {
    const day = formatNaive(now, this.timeZone).slice(0, 10);
    return parseNaiveMs(`${day} 00:00:00`, this.timeZone) ?? now - (now % (24 * 3600_000));
  }

  /** Oldest minute still shown: the start of today or the hour's first minute, whichever is earlier. */
  #horizon(now: number): number {
    const hourStart = Math.floor(now / MINUTE) * MINUTE - 59 * MINUTE;
    return Math.min(this.#dayStart(now), hourStart);
  }

  #prune(now: number): void {
    this.#prunedAt = now;
    const horizon = this.#horizon(now);
    for (const [minute, bucket] of this.#buckets) {
      if (minute >= horizon) continue;
      for (const sid of bucket.sids) this.#entries.delete(sid);
      this.#buckets.delete(minute);
    }
  }
}
