import type { CallQuery } from '../exotel/buildCallQuery.js';
import type { CallStreamFilters } from '../exotel/buildCallQuery.js';
import { InvalidOptionError } from '../exotel/errors.js';

/** Which tier of the read plan a read belongs to (see docs/engine.md). */
export type ReadKind = 'fresh' | 'settled' | 'held' | 'sweep' | 'slice' | 'catchup';

/** One listing the poll cycle should make: its query (all pages of it) and its Bottleneck priority. */
export interface PlannedRead {
  readonly kind: ReadKind;
  readonly query: CallQuery;
  /** Bottleneck priority: 0 first .. 9 last. */
  readonly priority: number;
}

/** Options of a `ReadPlanner`. Durations in milliseconds; instants are epoch ms on the API's clock. */
export interface PlannerOptions {
  /** How often `plan` is called (one poll cycle). */
  pollIntervalMs: number;
  /** How far back a call may start and still be caught when it ends. At most 180 days. */
  lookbackMs: number;
  /** Records per page, 1 to 100. */
  pageSize: number;
  /** The account's quota; the plan adapts to fit three quarters of it. */
  maxRequestsPerMinute: number;
  /** How much further back than the windows' edges to read, for the gap between our clock and the API's. @default 60_000 */
  skewMarginMs?: number;
  /** Applied to every read. */
  filters?: CallStreamFilters;
  /** Ask for leg-wise details on every read. */
  details: boolean;
  /**
   * Fixes the fresh window's width (start times re-read every poll). @default adaptive: 15 minutes
   * down to 3 by call rate (with the sweep on), then off: settled `Duration` bands, or the slices
   * alone when even those do not fit the quota
   */
  freshWindowMs?: number;
  /** Fixes how often the long-call sweep runs; `Infinity` turns it off. @default adaptive, 1 to 10 minutes, or off when busy */
  sweepIntervalMs?: number;
  /** Lags at which start-time slices are read again. `lookbackMs` is always added. @default [600_000, 1_800_000, lookbackMs] */
  sliceLagsMs?: number[];
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
/**
 * Shorter than any calendar month, even February across a daylight-saving change (the API counts
 * months on the account's wall clock): the longest `DateCreated` range it takes.
 */
export const MAX_WINDOW_MS = 27 * DAY;
/** Younger than any six calendar months (181 days at least): the oldest start time the API lists. */
export const MAX_AGE_MS = 180 * DAY;
const SID_BATCH = 100;
/** Sids the client can put in a `Sid=` list; any other is left to the windows, which find it too. */
const LISTABLE_SID = /^[A-Za-z0-9_-]{1,128}$/;
/** The plan aims at this share of the quota: the rest absorbs retries, catch-up and estimation error. */
const BUDGET_SHARE = 0.85;
const FRESH_CANDIDATES = [15, 10, 5, 3, 2, 1].map((m) => m * MINUTE);
/** Held Sids are re-read every this many polls: every poll while the quota allows. */
const HELD_EVERY_CANDIDATES = [1, 2, 4];
const SWEEP_CANDIDATES = [1, 2, 5, 10].map((m) => m * MINUTE).concat(Number.POSITIVE_INFINITY);
/** Longest a slice waits to fill: bounds how late a slice finds what the other tiers missed. */
const MAX_SLICE_MS = 5 * MINUTE;
/** Chunk of a catch-up while the call rate is unknown. */
const UNKNOWN_RATE_CHUNK_MS = 10 * MINUTE;
/** A fresh tier this far behind hands its gap to the catch-up tier (chunked, low priority). */
const MIN_GAP_MS = 5 * MINUTE;
/**
 * Settled bands, for an account too busy to re-read its fresh window every poll: `Duration` edges in
 * seconds. A `Duration=` filter lists only settled calls, so a band's read costs only the calls that
 * settled and are still inside its short window; the sweep takes the calls of `BAND_TOP_S` and over.
 */
const BAND_EDGES_S = [0, 15, 30, 45, 60, 90, 120, 150, 180, 240, 300, 360, 480];
const BAND_TOP_S = 600;
/** The narrowest fresh window chosen on its own (with the sweep); busier accounts get the bands. */
const MIN_AUTO_FRESH_MS = 3 * MINUTE;
/** Bands are read every this many polls: every poll while the quota allows. */
const BAND_EVERY_CANDIDATES = [1, 2, 4];
/**
 * How long after its end a call typically settles (Exotel: one to a few minutes). A band's window
 * reaches this far behind its longest call; a call that settles later is found by the slices.
 */
const SETTLE_SPREAD_MS = 3 * MINUTE;
/** Ringing or queueing before the talk, for an API whose `Duration` is the talk time only. */
const RING_MS = 30 * SECOND;
/**
 * The bands' own margin for clock error. Small, because a call a band misses is not lost: the
 * slices read every call anyway; a band only makes it early.
 */
const BAND_MARGIN_MS = 5 * SECOND;
const PRIORITY: Readonly<Record<ReadKind, number>> = { held: 0, fresh: 1, settled: 1, sweep: 3, slice: 5, catchup: 7 };
const RATE_WEIGHT = 0.3;

const floorSecond = (ms: number) => Math.floor(ms / SECOND) * SECOND;
const ceilSecond = (ms: number) => Math.ceil(ms / SECOND) * SECOND;

/** A group of windows that only counts once every one of them was read completely. */
interface Group {
  remaining: number;
  failed: boolean;
  records: number;
  commit: (records: number) => void;
}

interface ReadInfo {
  generation: number;
  kind: ReadKind;
  from: number;
  to: number;
  group?: Group;
  /** For slices and catch-up: the cursor this window advances. */
  cursor?: Cursor;
  /** For settled bands: the band's index. */
  band?: number;
}

/**
 * The start instant up to which a band of start times has been read completely. Windows share
 * their edge second, so a window that starts at or before the cursor extends it.
 */
class Cursor {
  done: Array<[number, number]> = [];
  constructor(public at: number) {}
  advance(from: number, to: number): void {
    this.done.push([from, to]);
    let moved = true;
    while (moved) {
      moved = false;
      for (let i = 0; i < this.done.length; i++) {
        const [a, b] = this.done[i]!;
        if (a <= this.at) {
          if (b > this.at) this.at = b;
          this.done.splice(i, 1);
          moved = true;
          break;
        }
      }
    }
  }
}

interface CatchupRange {
  cursor: Cursor;
  to: number;
  /** The checkpoint that stands until this range is read. */
  hold: number | null;
}

interface Slice {
  lagMs: number;
  cursor: Cursor;
}

/** The cadence chosen for the call rate: the fresh window (null: off), how often held Sids are re-read, the sweep interval. */
interface Cadence {
  freshMs: number | null;
  heldEvery: number;
  sweepMs: number;
  /** Settled bands are read every this many polls; null: off (the fresh tier is on, or nothing fits). */
  bandEvery: number | null;
}

function assertMs(option: string, value: unknown, { min = 0, allowZero = false, allowInfinity = false } = {}): asserts value is number {
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    (Number.isFinite(value) || (allowInfinity && value === Number.POSITIVE_INFINITY)) &&
    (allowZero ? value >= min : value > min);
  if (!ok) {
    throw new InvalidOptionError(option, `a ${allowInfinity ? '' : 'finite '}number of milliseconds ${allowZero ? '>=' : '>'} ${min}${allowInfinity ? ' (or Infinity)' : ''}`, value);
  }
}

/**
 * Decides which listings each poll cycle makes, so that every call is read when it is first listed
 * (it ended) and again once it settled, within the quota. Pure: every method takes `now`, the API
 * clock. Tiers, by priority: `held` (re-read by Sid), `fresh` (the newest start times), `sweep`
 * (long calls over the lookback, by `Duration`), `slice` (start times read again at fixed lags)
 * and `catchup` (after a restart or an outage). See docs/engine.md.
 */
export class ReadPlanner {
  readonly #pollMs: number;
  readonly #lookbackMs: number;
  readonly #pageSize: number;
  readonly #quota: number;
  readonly #skewMs: number;
  readonly #base: CallQuery;
  readonly #fixedFreshMs: number | undefined;
  readonly #fixedSweepMs: number | undefined;
  readonly #lagsMs: number[];
  /** Whether the lags are the defaults, which the settled bands may thin out. */
  readonly #defaultLags: boolean;

  #generation = 0;
  #begun = false;
  /** API instant of the last completely read fresh window's upper edge (the fresh tier's read time). */
  #freshDone = 0;
  #sweepDone: number | null = null;
  #slices: Slice[] = [];
  #catchup: CatchupRange[] = [];
  /** Calls per millisecond of start time, from windows whose calls have all ended (slices, catch-up), smoothed. */
  #rate: number | null = null;
  /** Listed records per ms of a fresh window, which misses calls still in progress, and the window's width then. */
  #fresh: { rate: number; freshMs: number; spanMs: number } | null = null;
  /** Records the last sweeps listed (smoothed), and the `Duration` threshold they used. */
  #sweepRecords: { threshold: number; records: number } | null = null;
  /** Records a settled band's read lists per ms of its window, per band, smoothed. */
  #bandDensity: Array<number | null> = BAND_EDGES_S.map(() => null);
  #heldCount = 0;
  #cycle = 0;
  #cadence: Cadence;
  readonly #info = new WeakMap<PlannedRead, ReadInfo>();

  constructor(options: PlannerOptions) {
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object', options);
    assertMs('pollIntervalMs', options.pollIntervalMs);
    assertMs('lookbackMs', options.lookbackMs);
    if (options.lookbackMs > MAX_AGE_MS) throw new InvalidOptionError('lookbackMs', `at most ${MAX_AGE_MS} (180 days: the API lists 6 months)`, options.lookbackMs);
    if (!Number.isInteger(options.pageSize) || options.pageSize < 1 || options.pageSize > 100) {
      throw new InvalidOptionError('pageSize', 'an integer from 1 to 100', options.pageSize);
    }
    if (typeof options.maxRequestsPerMinute !== 'number' || !Number.isFinite(options.maxRequestsPerMinute) || options.maxRequestsPerMinute <= 0) {
      throw new InvalidOptionError('maxRequestsPerMinute', 'a finite number > 0', options.maxRequestsPerMinute);
    }
    const skew = options.skewMarginMs ?? 60_000;
    assertMs('skewMarginMs', skew, { allowZero: true });
    if (typeof options.details !== 'boolean') throw new InvalidOptionError('details', 'a boolean', options.details);
    if (options.freshWindowMs !== undefined) {
      assertMs('freshWindowMs', options.freshWindowMs, { min: SECOND, allowZero: true });
      if (options.freshWindowMs > options.lookbackMs) throw new InvalidOptionError('freshWindowMs', `at most \`lookbackMs\` (${options.lookbackMs})`, options.freshWindowMs);
    }
    if (options.sweepIntervalMs !== undefined) assertMs('sweepIntervalMs', options.sweepIntervalMs, { allowInfinity: true });
    let lags = [600_000, 1_800_000];
    if (options.sliceLagsMs !== undefined) {
      if (!Array.isArray(options.sliceLagsMs)) throw new InvalidOptionError('sliceLagsMs', 'an array of lags in milliseconds', options.sliceLagsMs);
      options.sliceLagsMs.forEach((lag, i) => {
        assertMs(`sliceLagsMs[${i}]`, lag);
        if (lag > options.lookbackMs) throw new InvalidOptionError(`sliceLagsMs[${i}]`, `at most \`lookbackMs\` (${options.lookbackMs})`, lag);
      });
      lags = options.sliceLagsMs;
    }
    this.#defaultLags = options.sliceLagsMs === undefined;
    // The lookback lag is the safety net: any call up to the lookback long is read once it ended.
    this.#lagsMs = [...new Set([...lags.filter((l) => l < options.lookbackMs), options.lookbackMs])].sort((a, b) => a - b);
    if (options.filters !== undefined && (typeof options.filters !== 'object' || options.filters === null)) {
      throw new InvalidOptionError('filters', 'an object', options.filters);
    }

    this.#pollMs = options.pollIntervalMs;
    this.#lookbackMs = options.lookbackMs;
    this.#pageSize = options.pageSize;
    this.#quota = options.maxRequestsPerMinute;
    this.#skewMs = skew;
    this.#fixedFreshMs = options.freshWindowMs;
    this.#fixedSweepMs = options.sweepIntervalMs;
    this.#cadence = {
      freshMs: options.freshWindowMs ?? Math.min(FRESH_CANDIDATES[0]!, options.lookbackMs),
      heldEvery: 1,
      sweepMs: options.sweepIntervalMs ?? SWEEP_CANDIDATES[0]!,
      bandEvery: null,
    };
    const f = options.filters ?? {};
    const base: CallQuery = { pageSize: options.pageSize, sortBy: 'asc' };
    if (f.direction !== undefined) base.direction = f.direction;
    if (f.phoneNumber !== undefined) base.phoneNumber = f.phoneNumber;
    if (f.to !== undefined) base.to = f.to;
    if (f.from !== undefined) base.from = f.from;
    if (f.status !== undefined) base.status = f.status;
    if (options.details) base.details = true;
    this.#base = base;
  }

  /** The fresh window's current width (adapted to the call rate unless fixed), or null while the fresh tier is off. */
  get freshWindowMs(): number | null {
    return this.#cadence.freshMs;
  }

  /** The sweep's current interval (`Infinity` when off). */
  get sweepIntervalMs(): number {
    return this.#cadence.sweepMs;
  }

  /** Held Sids are re-read every this many polls (1 while the quota allows). */
  get heldEveryPolls(): number {
    return this.#cadence.heldEvery;
  }

  /** Settled bands are read every this many polls, or null while they are off (see docs/engine.md). */
  get settledEveryPolls(): number | null {
    return this.#cadence.bandEvery;
  }

  /** The slice lags in use, ascending; the last is `lookbackMs`. */
  get sliceLagsMs(): readonly number[] {
    return this.#lagsFor(this.#cadence);
  }

  /**
   * The lags a cadence reads. With the settled bands on, the default lags between the first and
   * the lookback go: the bands find settled calls early, the first lag finds late settlers, the
   * lookback lag stays the safety net, and each lag costs a read of every call.
   */
  #lagsFor(cadence: Cadence): readonly number[] {
    if (cadence.bandEvery === null || !this.#defaultLags || this.#lagsMs.length <= 2) return this.#lagsMs;
    return [this.#lagsMs[0]!, this.#lagsMs.at(-1)!];
  }

  /** Observed calls per minute (by start time), or null before any window was read. */
  get callsPerMinute(): number | null {
    const rate = this.#callRate();
    return rate === null ? null : rate * MINUTE;
  }

  /** Whether catch-up windows (after a restart or an outage) are still to be read. */
  get catchingUp(): boolean {
    return this.#catchup.length > 0;
  }

  /**
   * Where to start after a (re)start: `checkpoint` from the store, or null to start fresh. Either
   * way the start times from `checkpoint - lookbackMs - skewMarginMs` (or `now - lookbackMs - …`)
   * up to `now` are read once by the catch-up tier, so calls that ended while nothing polled are
   * found. Forgets all earlier progress.
   */
  begin(checkpoint: number | null, now: number): void {
    if (checkpoint !== null && (typeof checkpoint !== 'number' || !Number.isFinite(checkpoint))) {
      throw new InvalidOptionError('checkpoint', 'epoch milliseconds or null', checkpoint);
    }
    this.#generation++;
    this.#begun = true;
    const at = floorSecond(now);
    const hold = checkpoint === null ? null : Math.min(checkpoint, at);
    const from = Math.max(floorSecond((hold ?? at) - this.#lookbackMs - this.#skewMs), this.#oldestAllowed(now));
    this.#catchup = [{ cursor: new Cursor(from), to: at, hold }];
    this.#freshDone = at;
    this.#sweepDone = at;
    // Slices resume at the lag behind now: older start times are the catch-up's.
    this.#slices = this.#lagsFor(this.#cadence).map((lagMs) => ({ lagMs, cursor: new Cursor(floorSecond(now - lagMs)) }));
  }

  /**
   * The reads for the poll cycle at `now` (the API clock), given the held Sids. Windows are at most
   * 27 days, never older than 180 days, share their edge second, and are built from this one `now`.
   * Reads not completed since the last plan are planned again here.
   */
  plan(now: number, heldSids: readonly string[]): PlannedRead[] {
    if (typeof now !== 'number' || !Number.isFinite(now)) throw new TypeError(`Expected \`now\` to be epoch milliseconds, got ${String(now)}`);
    if (!this.#begun) this.begin(null, now);
    const at = floorSecond(now);
    const oldest = this.#oldestAllowed(now);
    const sids = [...new Set(heldSids)].filter((sid) => LISTABLE_SID.test(sid));
    this.#heldCount = sids.length;
    this.#cadence = this.#adapt();
    const { freshMs, heldEvery, sweepMs, bandEvery } = this.#cadence;
    const reads: PlannedRead[] = [];
    const cycle = this.#cycle++;

    // Settled bands: by Duration, the calls that settled within a short window of start times.
    if (bandEvery !== null && cycle % bandEvery === 0) {
      BAND_EDGES_S.forEach((low, band) => {
        const from = Math.max(floorSecond(at - this.#bandReachMs(band, bandEvery)), oldest);
        const query: CallQuery = { ...this.#base, duration: { gte: low, lte: this.#bandHighS(band) - 1 }, dateCreated: { gte: from, lte: at } };
        this.#push(reads, 'settled', query, { from, to: at, band });
      });
    }

    if (cycle % heldEvery === 0) {
      for (let i = 0; i < sids.length; i += SID_BATCH) {
        this.#push(reads, 'held', { ...this.#base, sid: sids.slice(i, i + SID_BATCH) }, { from: at, to: at });
      }
    }

    // Fresh: everything that started since the last complete fresh read's reach. A long outage
    // becomes a catch-up range instead, so that this read stays small and first in line. While
    // the fresh tier is off (a busy account), the slices find every call, later.
    if (freshMs === null) this.#freshDone = Math.max(this.#freshDone, at);
    const reachMs = freshMs ?? 0;
    if (at - this.#freshDone > Math.max(MIN_GAP_MS, 4 * this.#pollMs)) {
      const gapFrom = Math.max(floorSecond(this.#freshDone - reachMs - this.#skewMs), oldest);
      const last = this.#catchup.at(-1);
      if (last && last.cursor.at <= gapFrom && gapFrom <= last.to) {
        // An outage that goes on extends the range it already handed over.
        last.to = Math.max(last.to, at);
        if (last.hold !== null) last.hold = Math.min(last.hold, this.#freshDone);
      } else {
        this.#catchup.push({ cursor: new Cursor(gapFrom), to: at, hold: this.#freshDone });
      }
      this.#freshDone = at;
    }
    const freshFrom = Math.max(floorSecond(this.#freshDone - reachMs - this.#skewMs), oldest);
    const freshTo = Math.max(at, freshFrom);
    if (freshMs !== null) {
      this.#pushGroup(reads, 'fresh', this.#base, freshFrom, freshTo, () => {
        this.#freshDone = Math.max(this.#freshDone, freshTo);
      });
    }

    // Sweep: long calls over the rest of the lookback, found once their Duration is filled in.
    if (Number.isFinite(sweepMs) && (this.#sweepDone === null || now - this.#sweepDone >= sweepMs)) {
      const from = Math.max(floorSecond(now - this.#lookbackMs - this.#skewMs), oldest);
      if (from < freshFrom) {
        const threshold = this.sweepThresholdSeconds();
        const query: CallQuery = { ...this.#base, duration: { gte: threshold } };
        this.#pushGroup(reads, 'sweep', query, from, freshFrom, (records) => {
          this.#sweepDone = Math.max(this.#sweepDone ?? now, now);
          // Measured per threshold: the bands' sweep lists far fewer calls than the fresh tier's.
          const previous = this.#sweepRecords?.threshold === threshold ? this.#sweepRecords.records : records;
          this.#sweepRecords = { threshold, records: previous + RATE_WEIGHT * (records - previous) };
        });
      }
    }

    // Slices: each lag reads the start times it has not read yet, once enough have gathered. A
    // backlog (after failures) is read in chunks out of the cycle's spare quota.
    // A lag that comes back starts at its lag behind now, as after a restart: what it skipped,
    // the lookback lag (always kept) reads.
    const lags = this.#lagsFor(this.#cadence);
    if (lags.length !== this.#slices.length) {
      this.#slices = lags.map((lagMs) => this.#slices.find((s) => s.lagMs === lagMs) ?? { lagMs, cursor: new Cursor(floorSecond(now - lagMs)) });
    }
    let spare = this.#spareRequestsPerCycle();
    const sliceMs = this.#sliceMs();
    for (const slice of this.#slices) {
      slice.cursor.done = [];
      if (slice.cursor.at < oldest) slice.cursor.at = oldest;
      const target = floorSecond(now - slice.lagMs);
      if (target - slice.cursor.at < sliceMs) continue;
      const spent = this.#pushChunks(reads, 'slice', slice.cursor, target, Math.max(1, spare));
      // The regular read is in the steady estimate already; only a backlog takes from the spare.
      spare -= Math.max(0, spent - this.#pages(sliceMs));
    }

    // Catch-up: oldest first, with what is left of the spare quota, and at least one window a
    // cycle so that it never starves.
    let first = true;
    for (const range of this.#catchup) {
      range.cursor.done = [];
      if (range.cursor.at < oldest) range.cursor.at = oldest;
      if (spare <= 0 && !first) break;
      spare -= this.#pushChunks(reads, 'catchup', range.cursor, range.to, first ? Math.max(1, spare) : spare);
      first = false;
    }
    this.#dropFinishedCatchup();

    return reads.sort((a, b) => a.priority - b.priority);
  }

  /**
   * Reports how a read went. A read that did not complete (`ok: false`) advances nothing: what it
   * covered is planned again next cycle. Reads from before the last `begin` are ignored.
   */
  complete(read: PlannedRead, result: { ok: boolean; records: number; requests: number }, now: number): void {
    const info = this.#info.get(read);
    if (info === undefined) throw new TypeError('Expected a read planned by this ReadPlanner');
    if (typeof result !== 'object' || result === null || typeof result.ok !== 'boolean') {
      throw new TypeError(`Expected a read result { ok, records, requests }, got ${String(result)}`);
    }
    // `now` is not needed: what a read covers was fixed when it was planned.
    if (info.generation !== this.#generation) return;
    this.#info.delete(read); // a read counts once
    const records = Number.isFinite(result.records) && result.records > 0 ? result.records : 0;
    if (result.ok && info.band !== undefined) {
      const sample = records / Math.max(SECOND, info.to - info.from);
      const previous = this.#bandDensity[info.band] ?? sample;
      this.#bandDensity[info.band] = previous + RATE_WEIGHT * (sample - previous);
    } else if (result.ok && info.kind !== 'held' && info.kind !== 'sweep') this.#sampleRate(info.kind, records, info.to - info.from);
    if (info.cursor && result.ok) info.cursor.advance(info.from, info.to);
    if (info.group) {
      const group = info.group;
      group.remaining--;
      group.records += records;
      if (!result.ok) group.failed = true;
      if (group.remaining === 0 && !group.failed) group.commit(group.records);
    }
    if (info.kind === 'catchup') this.#dropFinishedCatchup();
  }

  /**
   * The instant up to which everything has been read completely (saved as the store's checkpoint):
   * null while the first catch-up after a fresh start is incomplete. It never passes a window
   * not yet read: a restart from it reaches back far enough to read again whatever might be missing.
   */
  checkpoint(): number | null {
    if (!this.#begun) return null;
    let checkpoint = this.#freshDone;
    for (const range of this.#catchup) {
      if (range.hold === null) return null;
      checkpoint = Math.min(checkpoint, range.hold);
    }
    for (const slice of this.#slices) checkpoint = Math.min(checkpoint, slice.cursor.at + slice.lagMs);
    return checkpoint;
  }

  /**
   * The oldest start time a read may still reach (the lookback and skew margin behind the last
   * poll, or further for a catch-up, a slice that lags, or a restart from the current checkpoint),
   * or null before `begin`. Emitted Sids that started since must be kept:
   * pass it to `CallTracker.prune` as `keepFrom`.
   */
  oldestPlanned(): number | null {
    if (!this.#begun) return null;
    // The sweep and the lookback slice reach back to about the last poll − lookback − skew.
    let oldest = floorSecond(this.#freshDone - Math.max(this.#cadence.freshMs ?? 0, this.#lookbackMs) - this.#skewMs);
    for (const range of this.#catchup) oldest = Math.min(oldest, range.cursor.at);
    for (const slice of this.#slices) oldest = Math.min(oldest, slice.cursor.at);
    // And a restart from the checkpoint saved now reads back to checkpoint − lookback − skew.
    const checkpoint = this.checkpoint();
    if (checkpoint !== null) oldest = Math.min(oldest, floorSecond(checkpoint - this.#lookbackMs - this.#skewMs));
    return oldest;
  }

  /** The sweep's `Duration` floor: below the shortest call that can escape the fresh window (half of it, for ring time). */
  sweepThresholdSeconds(): number {
    if (this.#cadence.bandEvery !== null) return BAND_TOP_S;
    return Math.max(1, Math.floor((this.#cadence.freshMs ?? FRESH_CANDIDATES.at(-1)!) / 2 / SECOND));
  }

  /**
   * Requests a minute the current plan needs at the observed call rate (catch-up excluded); the
   * stream warns (`ERR_QUOTA_PLAN`) when it exceeds `maxRequestsPerMinute`.
   */
  estimatedRequestsPerMinute(): number {
    return Math.ceil(this.#estimate(this.#cadence));
  }

  #callRate(): number | null {
    return this.#rate ?? this.#fresh?.rate ?? null;
  }

  /**
   * The mean call length, as if lengths were exponential, that explains the share of calls the
   * last fresh window listed: with it the cost of any other width is estimated. Null until both
   * rates are measured.
   */
  #meanCallMs(): number | null {
    if (this.#fresh === null || this.#rate === null || this.#rate <= 0) return null;
    const span = this.#fresh.spanMs;
    const share = this.#fresh.rate / this.#rate;
    if (share >= 1) return 0;
    // endedShare falls as the mean grows: bisect.
    let lo = 0;
    let hi = 30 * DAY;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (endedShare(span, mid) > share) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  }

  /** Pages one listing of `ms` of start times takes at the observed rate: at least one. */
  #pages(ms: number): number {
    return Math.max(1, Math.ceil(((this.#callRate() ?? 0) * ms) / this.#pageSize));
  }

  #estimate({ freshMs, heldEvery, sweepMs, bandEvery }: Cadence): number {
    const threshold = bandEvery !== null ? BAND_TOP_S : Math.max(1, Math.floor((freshMs ?? FRESH_CANDIDATES.at(-1)!) / 2 / SECOND));
    // Unmeasured at this threshold: the calls of the lookback that long, lengths exponential.
    const sweepRecords =
      this.#sweepRecords?.threshold === threshold
        ? this.#sweepRecords.records
        : (this.#callRate() ?? 0) * this.#lookbackMs * Math.exp((-threshold * SECOND) / (this.#meanCallMs() || 2 * MINUTE));
    const rate = this.#callRate() ?? 0;
    const pages = (records: number) => Math.max(1, Math.ceil(records / this.#pageSize));
    const cycles = MINUTE / this.#pollMs;
    let total = (cycles / heldEvery) * Math.ceil(this.#heldCount / SID_BATCH);
    if (freshMs !== null) {
      // A fresh window lists only the calls that have ended (see #meanCallMs).
      const span = freshMs + this.#skewMs + this.#pollMs;
      const meanMs = this.#meanCallMs();
      total += cycles * pages(rate * span * (meanMs === null ? 1 : endedShare(span, meanMs)));
    }
    if (Number.isFinite(sweepMs)) {
      const windows = Math.ceil(this.#lookbackMs / MAX_WINDOW_MS);
      total += (MINUTE / Math.max(sweepMs, this.#pollMs)) * Math.max(windows, Math.ceil(sweepRecords / this.#pageSize));
    }
    if (bandEvery !== null) {
      BAND_EDGES_S.forEach((_, band) => {
        const reach = this.#bandReachMs(band, bandEvery);
        const measured = this.#bandDensity[band] ?? null;
        total += (cycles / bandEvery) * pages(measured === null ? this.#bandPrior(band, reach) : measured * reach);
      });
    }
    const sliceMs = this.#sliceMs();
    total += this.#lagsFor({ freshMs, heldEvery, sweepMs, bandEvery }).length * (MINUTE / sliceMs) * pages(rate * sliceMs);
    return total;
  }

  /**
   * The cadence for the observed rate: the widest fresh window, then held Sids re-read as often,
   * then the sweep as often as three quarters of the quota allow; when nothing fits, the fresh
   * tier and the sweep go off and held Sids are re-read every 4th poll (the slices read each call
   * a few times in all). What `freshWindowMs` and `sweepIntervalMs` fix stays fixed.
   */
  #adapt(): Cadence {
    const budget = this.#quota * BUDGET_SHARE;
    const freshOptions = this.#fixedFreshMs !== undefined ? [this.#fixedFreshMs] : FRESH_CANDIDATES.filter((w) => w <= this.#lookbackMs);
    if (freshOptions.length === 0) freshOptions.push(this.#lookbackMs);
    const sweepOptions = this.#fixedSweepMs !== undefined ? [this.#fixedSweepMs] : SWEEP_CANDIDATES;
    for (const freshMs of freshOptions) {
      for (const heldEvery of HELD_EVERY_CANDIDATES) {
        for (const sweepMs of sweepOptions) {
          // A fresh window without the sweep leaves every call longer than it to the slices, up
          // to the lookback late: the settled bands (with their sweep) serve those better.
          // A window under 3 minutes puts a sweep of calls from 90 s on over the whole lookback:
          // most calls, every sweep. The bands cost less there too.
          if (this.#fixedFreshMs === undefined && this.#fixedSweepMs === undefined && (!Number.isFinite(sweepMs) || freshMs < MIN_AUTO_FRESH_MS)) continue;
          const cadence = { freshMs, heldEvery, sweepMs, bandEvery: null };
          if (this.#estimate(cadence) <= budget) return cadence;
        }
      }
    }
    const heldEvery = HELD_EVERY_CANDIDATES.at(-1)!;
    const sweepMs = sweepOptions.at(-1)!;
    if (this.#fixedFreshMs !== undefined) return { freshMs: this.#fixedFreshMs, heldEvery, sweepMs, bandEvery: null };
    // Too busy to re-read the fresh window: settled bands as often as they fit, then the long-call
    // sweep (only calls of `BAND_TOP_S` and over) as often as what is left allows.
    for (const bandEvery of BAND_EVERY_CANDIDATES) {
      for (const sweep of sweepOptions) {
        const cadence = { freshMs: null, heldEvery, sweepMs: sweep, bandEvery };
        if (this.#estimate(cadence) <= budget) return cadence;
      }
    }
    return { freshMs: null, heldEvery, sweepMs, bandEvery: null };
  }

  /**
   * Records a band's read lists before it was ever read: its share of the calls (lengths
   * exponential with the mean measured on the fresh window, 2 minutes if unknown), those of its
   * window that settled (settling spread evenly over `SETTLE_SPREAD_MS`).
   */
  #bandPrior(band: number, reachMs: number): number {
    const rate = this.#callRate() ?? 0;
    const mean = this.#meanCallMs() || 2 * MINUTE;
    const low = BAND_EDGES_S[band]! * SECOND;
    const high = this.#bandHighS(band) * SECOND;
    const share = Math.exp(-low / mean) - Math.exp(-high / mean);
    return rate * share * Math.max(0, reachMs - (low + high) / 2 - SETTLE_SPREAD_MS / 2);
  }

  /** A band's highest Duration, exclusive (seconds). */
  #bandHighS(band: number): number {
    return BAND_EDGES_S[band + 1] ?? BAND_TOP_S;
  }

  /**
   * How far back of now a band's window starts: its longest call, its ringing, the settle spread,
   * the time until the band's next read and a small margin. Every call of the band that settles
   * within the spread is inside the window at one read after it settled.
   */
  #bandReachMs(band: number, bandEvery: number): number {
    return this.#bandHighS(band) * SECOND + RING_MS + SETTLE_SPREAD_MS + bandEvery * this.#pollMs + BAND_MARGIN_MS;
  }

  /** How much start time a slice gathers before it is read: about one page, within [poll interval, 5 min]. */
  #sliceMs(): number {
    const rate = this.#callRate();
    const fill = rate && rate > 0 ? this.#pageSize / rate : MAX_SLICE_MS;
    return Math.max(this.#pollMs, Math.min(MAX_SLICE_MS, fill));
  }

  /**
   * Requests one cycle can spend on slice backlogs and catch-up beyond the steady tiers: the whole
   * quota of one poll interval less the steady share (they queue behind it), at least one.
   */
  #spareRequestsPerCycle(): number {
    const perCycle = (this.#quota * this.#pollMs) / MINUTE;
    const steady = (this.#estimate(this.#cadence) * this.#pollMs) / MINUTE;
    return Math.max(1, Math.floor(perCycle - steady));
  }

  #oldestAllowed(now: number): number {
    return ceilSecond(now - MAX_AGE_MS);
  }

  #sampleRate(kind: ReadKind, records: number, widthMs: number): void {
    if (widthMs < MINUTE) return;
    const sample = records / widthMs;
    if (kind !== 'fresh') {
      this.#rate = this.#rate === null ? sample : this.#rate + RATE_WEIGHT * (sample - this.#rate);
      return;
    }
    const freshMs = this.#cadence.freshMs;
    if (freshMs === null) return;
    // A new width starts a new measure: the listed share depends on it.
    const previous = this.#fresh?.freshMs === freshMs ? this.#fresh.rate : sample;
    this.#fresh = { rate: previous + RATE_WEIGHT * (sample - previous), freshMs, spanMs: widthMs };
  }

  #push(reads: PlannedRead[], kind: ReadKind, query: CallQuery, info: Omit<ReadInfo, 'generation' | 'kind'>): PlannedRead {
    const read: PlannedRead = Object.freeze({ kind, query, priority: PRIORITY[kind] });
    this.#info.set(read, { generation: this.#generation, kind, ...info });
    reads.push(read);
    return read;
  }

  /** One window split into pieces of at most `MAX_WINDOW_MS` sharing their edges; `commit` once all are read. */
  #pushGroup(reads: PlannedRead[], kind: ReadKind, base: CallQuery, from: number, to: number, commit: (records: number) => void): void {
    const pieces = split(from, to, MAX_WINDOW_MS);
    const group: Group = { remaining: pieces.length, failed: false, records: 0, commit };
    for (const [a, b] of pieces) this.#push(reads, kind, { ...base, dateCreated: { gte: a, lte: b } }, { from: a, to: b, group });
  }

  /** Windows from `cursor` towards `to`, sized to the call rate, until about `budget` requests. Returns the requests estimated. */
  #pushChunks(reads: PlannedRead[], kind: ReadKind, cursor: Cursor, to: number, budget: number): number {
    const rate = this.#callRate();
    const chunkMs =
      rate === null
        ? UNKNOWN_RATE_CHUNK_MS
        : rate <= 0
          ? MAX_WINDOW_MS
          : Math.min(MAX_WINDOW_MS, Math.max(MINUTE, floorSecond((budget * this.#pageSize) / rate)));
    let from = cursor.at;
    let spent = 0;
    while (from < to && spent < budget) {
      const end = Math.min(to, floorSecond(from + chunkMs));
      this.#push(reads, kind, { ...this.#base, dateCreated: { gte: from, lte: end } }, { from, to: end, cursor });
      // With the rate unknown, one chunk per cycle: the next cycle knows how busy the account is.
      spent += rate === null ? budget : Math.max(1, Math.ceil((rate * (end - from)) / this.#pageSize));
      from = end;
    }
    return spent;
  }

  #dropFinishedCatchup(): void {
    this.#catchup = this.#catchup.filter((range) => range.cursor.at < range.to);
  }
}

/**
 * The share of the calls started in the last `spanMs` that have ended, when call lengths are
 * exponential with mean `meanMs`: 1 − (m/s)(1 − e^(−s/m)).
 */
function endedShare(spanMs: number, meanMs: number): number {
  if (meanMs <= 0) return 1;
  return 1 - (meanMs / spanMs) * (1 - Math.exp(-spanMs / meanMs));
}

/** `[from, to]` in pieces of at most `maxMs`, each starting on the second the previous ended. */
function split(from: number, to: number, maxMs: number): Array<[number, number]> {
  const pieces: Array<[number, number]> = [];
  let a = from;
  do {
    const b = Math.min(to, floorSecond(a + maxMs));
    pieces.push([a, b]);
    a = b;
  } while (a < to);
  return pieces;
}
