import { BAND_EDGES_S, DAY, MINUTE, RING_MS, SECOND, SETTLE_SPREAD_MS } from './constants.js';
import { RecentQuantiles } from './Quantiles.js';

const RATE_WEIGHT = 0.3;
/** Records the pages of a listing in progress must hold before how densely they lie is taken as a rate. */
const DENSE_MIN_RECORDS = 20;
/** Start time over which net-read samples of the call rate are averaged. */
const RATE_HORIZON_MS = 10 * MINUTE;

/**
 * What the planner has measured of the account: its call rate by start time, how many calls a
 * fresh window lists (which tells the mean call length), what a sweep and each settled band list.
 * The cost model estimates every cadence from these.
 */
export class Measurements {
  /** Decayed sums of records and start time read by listings whose calls have (mostly) all ended. */
  #netRecords = 0;
  #netWidth = 0;
  /** Listed records per ms of a fresh window (which misses calls still in progress), and the window's width then. */
  fresh: { rate: number; freshMs: number; spanMs: number } | null = null;
  /** Records the last sweeps listed (smoothed), and the `Duration` threshold they used. */
  sweep: { threshold: number; records: number } | null = null;
  /** Records a settled band's read lists per ms of its window, per band, smoothed. */
  readonly bandDensity: Array<number | null> = BAND_EDGES_S.map(() => null);
  /** Held Sids at the last plan. */
  heldCount = 0;
  /** The highest rate the pages of a listing showed lately, and when. */
  #floorRate = 0;
  #floorAt: number | null = null;
  /** The highest rate the densest pages of a listing in progress showed lately (a lower bound), and when. */
  #denseRate = 0;
  #denseAt: number | null = null;
  /** How long after its end a call was first seen settled (an upper bound of its settle delay), latest calls. */
  readonly #settleDelay = new RecentQuantiles();
  /** Start to end less `Duration`: ringing or queueing that `Duration` leaves out, latest calls. */
  readonly #ring = new RecentQuantiles();
  /** Hints taken a minute, decayed. */
  #hints = 0;
  #hintsAt: number | null = null;

  /**
   * A call first seen settled at `seenAt` (API clock): its end, start and Duration (seconds). Its
   * settle delay is at most `seenAt − endTime`, and, when the read before (`unseenMs` earlier)
   * would have listed it settled, more than `seenAt − unseenMs − endTime`: the middle of the two
   * is taken (a read every minute would otherwise add half a minute to every delay, and every
   * settled band's window would be that much wider than the account needs). Its ringing is
   * `endTime − dateCreated − Duration`.
   */
  sampleSettled(dateCreated: number, endTime: number, durationSec: number | null, seenAt: number, unseenMs = 0): void {
    if (!Number.isFinite(endTime) || !Number.isFinite(seenAt) || seenAt < endTime) return;
    const upper = seenAt - endTime;
    const unseen = Number.isFinite(unseenMs) && unseenMs > 0 ? Math.min(unseenMs, upper) : 0;
    this.#settleDelay.add(upper - unseen / 2);
    if (durationSec !== null && Number.isFinite(dateCreated) && Number.isFinite(durationSec)) this.#ring.add(Math.max(0, endTime - dateCreated - durationSec * SECOND));
  }

  /**
   * How long after its end nearly every call (95 %) has settled, as measured (within [15 s, 10 min]);
   * `SETTLE_SPREAD_MS` (3 minutes) until 30 calls were seen settled.
   */
  settleSpreadMs(): number {
    const q = this.#settleDelay.quantile(0.95);
    return q === null ? SETTLE_SPREAD_MS : Math.min(10 * MINUTE, Math.max(15 * SECOND, q));
  }

  /** The `q` quantile of the settle delays measured, or null until 30 calls were seen settled. */
  settleQuantileMs(q: number): number | null {
    return this.#settleDelay.quantile(q);
  }

  /** A typical settle delay (the median measured), or half the spread until measured. */
  settleMedianMs(): number {
    return this.#settleDelay.quantile(0.5) ?? SETTLE_SPREAD_MS / 2;
  }

  /** Ringing ahead of `Duration` for nearly every call (95 %), as measured (at most 2 minutes); `RING_MS` (30 s) until measured. */
  ringMs(): number {
    const q = this.#ring.quantile(0.95);
    return q === null ? RING_MS : Math.min(2 * MINUTE, q);
  }

  /** `count` hints taken at `now` (API clock): their rate is what a `Sid=` re-read of them costs. */
  sampleHints(count: number, now: number): void {
    if (this.#hintsAt === null) {
      this.#hintsAt = now;
      this.#hints = count;
      return;
    }
    const elapsed = Math.max(0, now - this.#hintsAt);
    this.#hints = this.#hints * Math.exp(-elapsed / MINUTE) + count;
    this.#hintsAt = now;
  }

  /** Hints a minute, recently. */
  hintsPerMinute(): number {
    return this.#hints;
  }

  /**
   * Calls per ms of start time, or null before any window was read: the rate measured on complete
   * listings, and never less than what the pages of a listing still in progress already show
   * (`samplePages`): a rate measured on empty windows must not plan a window of thousands of calls.
   */
  callRate(): number | null {
    const measured = this.#netWidth >= MINUTE ? this.#netRecords / this.#netWidth : (this.fresh?.rate ?? (this.#netWidth > 0 ? this.#netRecords / this.#netWidth : null));
    const floor = this.#floorRate;
    if (measured === null) return floor > 0 ? floor : null;
    return Math.max(measured, floor);
  }

  /** The API's time of the plan: the floor from listings' pages fades with it. */
  observeNow(now: number): void {
    if (this.#floorAt !== null) {
      this.#floorRate = this.#floor(now);
      this.#floorAt = now;
    }
  }

  /** The pages of one listing, complete or not, showed `records` over `widthMs` of start times (at `now`). */
  samplePages(records: number, widthMs: number, now: number): void {
    if (!(widthMs >= MINUTE) || !(records > 0)) return;
    const rate = records / widthMs;
    if (rate > this.#floor(now)) {
      this.#floorRate = rate;
      this.#floorAt = now;
    }
  }

  /** The floor from listings' pages, halving every 5 minutes of the API's time since it was seen. */
  #floor(now: number): number {
    return fade(this.#floorRate, this.#floorAt, now);
  }

  /**
   * The pages of one listing in progress hold `records` calls (at least `DENSE_MIN_RECORDS`)
   * whose start times span `spanMs` (first record's second to the last one's, inclusive), at
   * `now`. Taken as a rate a little under what they show (two standard deviations of a Poisson
   * count less), so that a chance cluster does not overstate it.
   */
  sampleDensePages(records: number, spanMs: number, now: number): void {
    if (!(records >= DENSE_MIN_RECORDS) || !(spanMs >= SECOND)) return;
    const rate = (records - 2 * Math.sqrt(records)) / spanMs;
    if (rate > fade(this.#denseRate, this.#denseAt, now)) {
      this.#denseRate = rate;
      this.#denseAt = now;
    }
  }

  /**
   * Calls per ms of start time the account has been seen to make: the measured rate, or more when
   * the pages of a listing in progress lie more densely (at a quota of a request a minute, a busy
   * account's listings take hours to complete, and its first pages say long before how busy it
   * is). Not planned with — a rate from a few pages would size windows on a guess — but what the
   * plan is checked against the quota at (`ERR_QUOTA_PLAN`). Fades like the pages' floor.
   */
  seenCallRate(now: number): number | null {
    const measured = this.callRate();
    const dense = fade(this.#denseRate, this.#denseAt, now);
    if (measured === null) return dense > 0 ? dense : null;
    return Math.max(measured, dense);
  }

  /** Start time read by the listings the call rate was measured on (decayed). */
  measuredWidthMs(): number {
    return this.#netWidth;
  }

  /** A complete listing of `widthMs` of start times old enough that their calls have ended (lags, catch-up). */
  sampleNet(records: number, widthMs: number): void {
    if (!(widthMs > 0)) return;
    // Older samples fade with the start time read since, so a rate that changes is followed within minutes.
    const keep = Math.exp(-widthMs / RATE_HORIZON_MS);
    this.#netRecords = this.#netRecords * keep + records;
    this.#netWidth = this.#netWidth * keep + widthMs;
  }

  /** A complete fresh listing of `widthMs`, read with the fresh window `freshMs`. */
  sampleFresh(records: number, widthMs: number, freshMs: number): void {
    if (widthMs < MINUTE) return;
    const sample = records / widthMs;
    // A new width starts a new measure: the listed share depends on it.
    const previous = this.fresh?.freshMs === freshMs ? this.fresh.rate : sample;
    this.fresh = { rate: previous + RATE_WEIGHT * (sample - previous), freshMs, spanMs: widthMs };
  }

  sampleSweep(records: number, threshold: number): void {
    const previous = this.sweep?.threshold === threshold ? this.sweep.records : records;
    this.sweep = { threshold, records: previous + RATE_WEIGHT * (records - previous) };
  }

  sampleBand(band: number, records: number, widthMs: number): void {
    const sample = records / Math.max(SECOND, widthMs);
    const previous = this.bandDensity[band] ?? sample;
    this.bandDensity[band] = previous + RATE_WEIGHT * (sample - previous);
  }

  /**
   * The mean call length, as if lengths were exponential, that explains the share of calls the
   * last fresh window listed: with it the cost of any other width is estimated. Null until both
   * rates are measured.
   */
  meanCallMs(): number | null {
    const netRate = this.#netWidth >= MINUTE ? this.#netRecords / this.#netWidth : null;
    if (this.fresh === null || netRate === null || netRate <= 0) return null;
    const span = this.fresh.spanMs;
    const share = this.fresh.rate / netRate;
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
}

/** `rate` as seen at `at`, halving every 5 minutes of the API's time since. */
function fade(rate: number, at: number | null, now: number): number {
  if (at === null) return 0;
  return rate * 2 ** (-Math.max(0, now - at) / (5 * MINUTE));
}

/**
 * The share of the calls started in the last `spanMs` that have ended, when call lengths are
 * exponential with mean `meanMs`: 1 − (m/s)(1 − e^(−s/m)).
 */
export function endedShare(spanMs: number, meanMs: number): number {
  if (meanMs <= 0) return 1;
  return 1 - (meanMs / spanMs) * (1 - Math.exp(-spanMs / meanMs));
}
