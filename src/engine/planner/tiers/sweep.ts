import { MAX_WINDOW_MS, floorSecond } from '../constants.js';
import { sweepThresholdSeconds } from '../costModel.js';
import type { TierContext, WindowRead } from './types.js';
import { splitWindow } from './windows.js';

/**
 * The long-call sweep: calls of at least the sweep's threshold (`Duration=gte:`) over the start
 * times of the lookback below the fresh window (`upTo`), in pieces of at most 27 days. A held
 * record's Duration is empty until it settles, so a long call is found once settled. Empty when
 * there is nothing below `upTo`.
 */
export function sweepReads(ctx: TierContext, upTo: number): { reads: WindowRead[]; threshold: number } {
  const threshold = sweepThresholdSeconds(ctx.cadence);
  const from = Math.max(floorSecond(ctx.now - ctx.shape.lookbackMs - ctx.shape.skewMs), ctx.oldest);
  if (from >= upTo) return { reads: [], threshold };
  const reads = splitWindow(from, upTo, MAX_WINDOW_MS).map(([a, b]) => ({ from: a, to: b, query: { ...ctx.base, duration: { gte: threshold }, dateCreated: { gte: a, lte: b } } }));
  return { reads, threshold };
}
