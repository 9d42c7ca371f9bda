import {
  BAND_INTERVAL_CANDIDATES_MS,
  BEHIND_BUDGET_SHARE,
  BUDGET_SHARE,
  FRESH_CANDIDATES,
  FRESH_EVERY_CANDIDATES,
  HELD_EVERY_CANDIDATES,
  MAX_STRETCH_MS,
  MIN_AUTO_FRESH_MS,
  STRETCH_TO_MS,
  SWEEP_CANDIDATES,
} from './constants.js';
import { estimateRequestsPerMinute } from './costModel.js';
import type { Cadence, PlanShape } from './costModel.js';
import type { Measurements } from './Measurements.js';

/** What the options fix of the cadence; the rest is chosen. */
export interface FixedCadence {
  readonly freshMs?: number | undefined;
  readonly sweepMs?: number | undefined;
}

/**
 * The cadence for the measured rate, the first of these that fits 85 % of the quota:
 * 1. the widest fresh window, read every poll — or every few polls, stretching up to 15 s between
 *    fresh reads, so that a short poll interval never ends up slower than the default one — then
 *    held Sids as often, then the sweep as often as what is left allows;
 * 2. when no fresh window fits (a busy account): settled bands every 15, 30 or 60 s (every 1, 2
 *    or 4 polls at the default poll interval), with the long-call sweep;
 * 2b. still too busy: the bands with the lookback lag alone (the default lags before it dropped:
 *    what the bands miss waits for the lookback lag), then either with 95 % of the quota (down to
 *    the retry reserve) rather than falling behind;
 * 3. for the smallest quotas: the fresh window stretched further, up to 10 minutes between reads;
 * 4. none of the latency tiers: the lags alone find every call.
 * What `freshWindowMs` and `sweepIntervalMs` fix stays fixed. `rate` (calls per ms): the rate to
 * plan for, when not the measured one.
 */
export function chooseCadence(m: Measurements, shape: PlanShape, quota: number, fixed: FixedCadence, rate?: number): Cadence {
  let budget = quota * BUDGET_SHARE;
  const fits = (cadence: Cadence) => estimateRequestsPerMinute(cadence, m, shape, rate) <= budget;
  let widths: number[];
  if (fixed.freshMs !== undefined) {
    widths = [fixed.freshMs];
  } else {
    widths = FRESH_CANDIDATES.filter((w) => w < shape.lookbackMs);
    // A lookback no wider than the widest window: the best window is the whole lookback.
    if (shape.lookbackMs <= FRESH_CANDIDATES[0]!) widths.unshift(shape.lookbackMs);
  }
  const sweeps = fixed.sweepMs !== undefined ? [fixed.sweepMs] : SWEEP_CANDIDATES;
  const stretches = (maxMs: number, minMs = 0) =>
    FRESH_EVERY_CANDIDATES.filter((k) => k === 1 ? minMs === 0 : k * shape.pollMs <= maxMs && k * shape.pollMs > minMs);
  const near = stretches(Math.max(shape.pollMs, STRETCH_TO_MS));

  for (const freshMs of widths) {
    const coversLookback = freshMs >= shape.lookbackMs;
    for (const freshEvery of near) {
      for (const heldEvery of HELD_EVERY_CANDIDATES) {
        for (const sweepMs of coversLookback ? [Number.POSITIVE_INFINITY] : sweeps) {
          // A fresh window without the sweep leaves every call longer than it to the lags, up to
          // the lookback late: the settled bands (with their sweep) serve those better. A window
          // under 3 minutes puts a sweep of calls from 90 s on over the whole lookback: most
          // calls, every sweep. The bands cost less there too. Unless the window is the lookback.
          const auto = fixed.freshMs === undefined && fixed.sweepMs === undefined;
          if (auto && !coversLookback && (!Number.isFinite(sweepMs) || freshMs < MIN_AUTO_FRESH_MS)) continue;
          const cadence: Cadence = { freshMs, freshEvery, heldEvery, sweepMs, bandEvery: null };
          if (fits(cadence)) return cadence;
        }
      }
    }
  }
  const slowestSweep = sweeps.at(-1)!;
  if (fixed.freshMs === undefined) {
    const bandEveries = [...new Set(BAND_INTERVAL_CANDIDATES_MS.map((ms) => Math.max(1, Math.round(ms / shape.pollMs))))];
    for (const bandEvery of bandEveries) {
      for (const sweepMs of sweeps) {
        const cadence: Cadence = { freshMs: null, freshEvery: 1, heldEvery: HELD_EVERY_CANDIDATES.at(-1)!, sweepMs, bandEvery };
        if (fits(cadence)) return cadence;
      }
    }
  }
  // Still too busy, with the default lags: the settled bands with the lookback lag alone. The
  // first lag goes before the bands do: calls the bands miss (late settlers, corrections) then
  // wait for the lookback lag, which still reads every call. And rather than fall behind by
  // minutes, the plan may take the quota down to the retry reserve.
  if (fixed.freshMs === undefined) {
    const bandEveries = [...new Set(BAND_INTERVAL_CANDIDATES_MS.map((ms) => Math.max(1, Math.round(ms / shape.pollMs))))];
    const thin = shape.defaultLags && shape.lagsMs.length > 1 ? [false, true] : [false];
    for (const share of [BUDGET_SHARE, BEHIND_BUDGET_SHARE]) {
      budget = quota * share;
      for (const lookbackLagOnly of thin) {
        if (share === BUDGET_SHARE && !lookbackLagOnly) continue; // tried above
        for (const bandEvery of bandEveries) {
          for (const sweepMs of sweeps) {
            const cadence: Cadence = { freshMs: null, freshEvery: 1, heldEvery: HELD_EVERY_CANDIDATES.at(-1)!, sweepMs, bandEvery, ...(lookbackLagOnly ? { lookbackLagOnly } : {}) };
            if (fits(cadence)) return cadence;
          }
        }
      }
    }
    budget = quota * BUDGET_SHARE;
  }
  const far = stretches(Math.max(shape.pollMs, MAX_STRETCH_MS), Math.max(shape.pollMs, STRETCH_TO_MS));
  for (const freshMs of widths) {
    for (const freshEvery of far) {
      const heldEvery = Math.max(HELD_EVERY_CANDIDATES.at(-1)!, freshEvery);
      const cadence: Cadence = { freshMs, freshEvery, heldEvery, sweepMs: freshMs >= shape.lookbackMs ? Number.POSITIVE_INFINITY : slowestSweep, bandEvery: null };
      if (fits(cadence)) return cadence;
    }
  }
  // Nothing fits: the cheapest plan, whose warning (`ERR_QUOTA_PLAN`) says so. Held Sids stay
  // every 4th poll: a request per 100 of them, and what decides when they go out.
  const slowestHeld = HELD_EVERY_CANDIDATES.at(-1)!;
  if (fixed.freshMs !== undefined) {
    return { freshMs: fixed.freshMs, freshEvery: far.at(-1) ?? near.at(-1) ?? 1, heldEvery: slowestHeld, sweepMs: slowestSweep, bandEvery: null };
  }
  return { freshMs: null, freshEvery: 1, heldEvery: slowestHeld, sweepMs: slowestSweep, bandEvery: null };
}
