import { MAX_WINDOW_MS, MIN_GAP_MS, floorSecond } from '../constants.js';
import { freshSpanMs } from '../costModel.js';
import type { TierContext, WindowRead } from './types.js';
import { splitWindow } from './windows.js';

/** The fresh window's usual lower edge: its width, the skew margin and the time to its next read behind now. */
export function freshWindowFrom(ctx: TierContext): number {
  return Math.max(floorSecond(ctx.at - freshSpanMs(ctx.cadence, ctx.shape)), ctx.oldest);
}

/** How far below its usual lower edge the fresh read reaches over start seconds earlier fresh reads missed. */
export function freshReachBackMs(ctx: TierContext): number {
  return Math.max(MIN_GAP_MS, 4 * ctx.cadence.freshEvery * ctx.shape.pollMs);
}

/**
 * The fresh read: from the oldest start second it missed within its reach back (`missedFrom`), or
 * its usual lower edge, up to now — in pieces of at most 27 days (only a fixed `freshWindowMs` that
 * long needs more than one).
 */
export function freshReads(ctx: TierContext, missedFrom: number | undefined): WindowRead[] {
  const from = Math.max(missedFrom ?? freshWindowFrom(ctx), ctx.oldest);
  return splitWindow(from, Math.max(ctx.at, from), MAX_WINDOW_MS).map(([a, b]) => ({ from: a, to: b, query: { ...ctx.base, dateCreated: { gte: a, lte: b } } }));
}
