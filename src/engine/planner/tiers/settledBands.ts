import { BAND_EDGES_S, floorSecond } from '../constants.js';
import { bandHighS, bandReachMs } from '../costModel.js';
import type { Measurements } from '../Measurements.js';
import type { TierContext, WindowRead } from './types.js';

/**
 * The settled bands: for each `Duration` band whose last read is not outstanding, the calls of that
 * length listed over a short window of start times — a `Duration=` filter lists only settled calls,
 * so a band costs only what settled inside its window (docs/engine.md, "The tiers").
 */
export function settledBandReads(ctx: TierContext, bandEvery: number, m: Measurements, busy: (band: number) => boolean): Array<WindowRead & { band: number }> {
  const reads: Array<WindowRead & { band: number }> = [];
  BAND_EDGES_S.forEach((low, band) => {
    if (busy(band)) return;
    const from = Math.max(floorSecond(ctx.at - bandReachMs(band, bandEvery, ctx.shape.pollMs, m)), ctx.oldest);
    reads.push({ band, from, to: ctx.at, query: { ...ctx.base, duration: { gte: low, lte: bandHighS(band) - 1 }, dateCreated: { gte: from, lte: ctx.at } } });
  });
  return reads;
}
