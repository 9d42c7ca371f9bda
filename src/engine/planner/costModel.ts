import { BAND_EDGES_S, BAND_MARGIN_MS, BAND_TOP_S, FRESH_CANDIDATES, MAX_GATHER_MS, MAX_WINDOW_MS, MINUTE, SECOND, sidBatch } from './constants.js';
import { endedShare } from './Measurements.js';
import type { Measurements } from './Measurements.js';

/**
 * A cadence: which latency tiers run and how often. The lags (start times read again at fixed
 * ages) and the catch-up come on top; they are owed by the coverage ledger, whatever the cadence.
 */
export interface Cadence {
  /** The fresh window's width (start times re-read every `freshEvery` polls), or null: the fresh tier is off. */
  readonly freshMs: number | null;
  /** The fresh window is read every this many polls. */
  readonly freshEvery: number;
  /** Held Sids are re-read every this many polls. */
  readonly heldEvery: number;
  /** The long-call sweep's interval; `Infinity`: off. */
  readonly sweepMs: number;
  /** Settled bands are read every this many polls; null: off. */
  readonly bandEvery: number | null;
  /**
   * The lookback lag alone is read, the default lags before it dropped: the last resort of a busy
   * account before its plan stops fitting (the bands, and the lookback lag, still find every call).
   */
  readonly lookbackLagOnly?: boolean;
}

/** What the cost of a plan depends on besides the cadence and the measurements. */
export interface PlanShape {
  readonly pollMs: number;
  readonly lookbackMs: number;
  readonly pageSize: number;
  readonly skewMs: number;
  /** The lags configured, ascending, `lookbackMs` last. */
  readonly lagsMs: readonly number[];
  /** Whether the lags are the defaults, which the settled bands may thin out. */
  readonly defaultLags: boolean;
}

/**
 * The lags a cadence reads. With the settled bands on, the default lags between the first and
 * the lookback go: the bands find settled calls early, the first lag finds late settlers, the
 * lookback lag stays the safety net, and each lag costs a read of every call.
 */
export function lagsFor(cadence: Cadence, shape: PlanShape): readonly number[] {
  if (cadence.lookbackLagOnly === true) return [shape.lagsMs.at(-1)!];
  if (cadence.bandEvery === null || !shape.defaultLags || shape.lagsMs.length <= 2) return shape.lagsMs;
  return [shape.lagsMs[0]!, shape.lagsMs.at(-1)!];
}

/** How long a lag's due start times gather before they are read: about one page, within [poll interval, 5 min]. */
export function gatherMs(m: Measurements, shape: PlanShape): number {
  const rate = m.callRate();
  const fill = rate && rate > 0 ? shape.pageSize / rate : MAX_GATHER_MS;
  return Math.max(shape.pollMs, Math.min(MAX_GATHER_MS, fill));
}

/** The sweep's `Duration` floor: below the shortest call that can escape the fresh window (half of it, for ring time). */
export function sweepThresholdSeconds(cadence: Cadence): number {
  if (cadence.bandEvery !== null) return BAND_TOP_S;
  return Math.max(1, Math.floor((cadence.freshMs ?? FRESH_CANDIDATES.at(-1)!) / 2 / SECOND));
}

/** The start times the fresh window spans behind `now`: its width, the skew margin and the time to its next read. */
export function freshSpanMs(cadence: Cadence, shape: PlanShape): number {
  return (cadence.freshMs ?? 0) + shape.skewMs + cadence.freshEvery * shape.pollMs;
}

/** A band's highest Duration, exclusive (seconds). */
export function bandHighS(band: number): number {
  return BAND_EDGES_S[band + 1] ?? BAND_TOP_S;
}

/**
 * How far back of now a band's window starts: its longest call, its ringing, the settle spread
 * (both as measured on the account: `Measurements.ringMs`, `settleSpreadMs`), the time until the
 * band's next read and a small margin. Every call of the band that settles within the spread is
 * inside the window at one read after it settled.
 */
export function bandReachMs(band: number, bandEvery: number, pollMs: number, m: Measurements): number {
  return bandHighS(band) * SECOND + m.ringMs() + m.settleSpreadMs() + bandEvery * pollMs + BAND_MARGIN_MS;
}

/**
 * Records a band's read lists before it was ever read: its share of the calls (lengths
 * exponential with the mean measured on the fresh window, 2 minutes if unknown), those of its
 * window that settled (settling spread evenly over the measured spread).
 */
function bandPrior(m: Measurements, band: number, reachMs: number, rate: number): number {
  const mean = m.meanCallMs() || 2 * MINUTE;
  const low = BAND_EDGES_S[band]! * SECOND;
  const high = bandHighS(band) * SECOND;
  const share = Math.exp(-low / mean) - Math.exp(-high / mean);
  return rate * share * Math.max(0, reachMs - (low + high) / 2 - m.settleSpreadMs() / 2);
}

/**
 * Requests a minute a cadence needs at the measured call rate (or at `rate`, calls per ms), the
 * lags included, the catch-up not (it is one-off and takes what the quota leaves). See
 * docs/engine.md, "The cost model".
 */
export function estimateRequestsPerMinute(cadence: Cadence, m: Measurements, shape: PlanShape, rate: number = m.callRate() ?? 0): number {
  const { freshMs, freshEvery, heldEvery, sweepMs, bandEvery } = cadence;
  const pages = (records: number) => Math.max(1, Math.ceil(records / shape.pageSize));
  const cycles = MINUTE / shape.pollMs;
  const batch = sidBatch(shape.pageSize);
  let total = (cycles / heldEvery) * Math.ceil(m.heldCount / batch);
  // Hinted Sids, re-read by Sid in lists of 100 (of a page, when pages are smaller), about once each.
  total += Math.ceil(m.hintsPerMinute() / batch);
  if (freshMs !== null) {
    // A fresh window lists only the calls that have ended.
    const span = freshSpanMs(cadence, shape);
    const meanMs = m.meanCallMs();
    total += (cycles / freshEvery) * pages(rate * span * (meanMs === null ? 1 : endedShare(span, meanMs)));
  }
  if (Number.isFinite(sweepMs) && !(freshMs !== null && freshMs >= shape.lookbackMs)) {
    const threshold = sweepThresholdSeconds(cadence);
    // Unmeasured at this threshold: the calls of the lookback that long, lengths exponential.
    const sweepRecords =
      m.sweep?.threshold === threshold ? m.sweep.records : rate * shape.lookbackMs * Math.exp((-threshold * SECOND) / (m.meanCallMs() || 2 * MINUTE));
    const windows = Math.ceil(shape.lookbackMs / MAX_WINDOW_MS);
    total += (MINUTE / Math.max(sweepMs, shape.pollMs)) * Math.max(windows, Math.ceil(sweepRecords / shape.pageSize));
  }
  if (bandEvery !== null) {
    BAND_EDGES_S.forEach((_, band) => {
      const reach = bandReachMs(band, bandEvery, shape.pollMs, m);
      const measured = m.bandDensity[band] ?? null;
      total += (cycles / bandEvery) * pages(measured === null ? bandPrior(m, band, reach, rate) : measured * reach);
    });
  }
  // Gathered as the plan gathers (at the rate it measured), whatever `rate` the cost is estimated at.
  const gather = gatherMs(m, shape);
  for (const lag of lagsFor(cadence, shape)) {
    // A lag the fresh window reaches is met by the fresh reads themselves.
    if (freshMs !== null && lag <= freshMs + shape.skewMs) continue;
    total += (MINUTE / gather) * pages(rate * gather);
  }
  return total;
}
