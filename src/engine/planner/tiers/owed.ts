import type { SecondRange } from '../../coverage/CoverageLedger.js';
import { MAX_WINDOW_MS, MINUTE, SECOND, UNKNOWN_RATE_CHUNK_MS, floorSecond } from '../constants.js';
import type { TierContext, WindowRead } from './types.js';

/** What the owed reads are sized by: the measured call rate, and how much start time it was measured on. */
export interface OwedSizing {
  /** Calls per ms of start time, or null while unknown. */
  readonly rate: number | null;
  readonly measuredWidthMs: number;
}

/**
 * Windows over the start seconds the coverage ledger owes (oldest first), sized to the call rate,
 * until about `budget` requests or `maxReads` windows. Each window reaches one second past its
 * range, the second the next window starts on (edges are shared). Returns the windows and the
 * requests they are estimated to take.
 */
export function owedReads(ctx: TierContext, owed: readonly SecondRange[], budget: number, maxReads: number, sizing: OwedSizing): { reads: WindowRead[]; requests: number } {
  const { rate, measuredWidthMs } = sizing;
  const pageSize = ctx.shape.pageSize;
  // A window never grows past a few times the start time measured so far: an account that was
  // quiet in the first windows read may not be quiet in the next.
  const chunkMs =
    rate === null
      ? UNKNOWN_RATE_CHUNK_MS
      : Math.min(MAX_WINDOW_MS, Math.max(UNKNOWN_RATE_CHUNK_MS, 4 * measuredWidthMs), rate <= 0 ? MAX_WINDOW_MS : Math.max(MINUTE, floorSecond((budget * pageSize) / rate)));
  const reads: WindowRead[] = [];
  let requests = 0;
  for (const range of owed) {
    let from = range.from;
    while (from <= range.to && requests < budget && reads.length < maxReads) {
      const last = Math.min(range.to, floorSecond(from + chunkMs) - SECOND);
      // Up to the next second, which the next window starts on.
      const to = Math.min(last + SECOND, ctx.at);
      reads.push({ from, to, query: { ...ctx.base, dateCreated: { gte: from, lte: to } } });
      // With the rate unknown, one window a cycle: the next cycle knows how busy the account is.
      requests += rate === null ? budget : Math.max(1, Math.ceil((rate * (to - from)) / pageSize));
      from = last + SECOND;
    }
    if (requests >= budget || reads.length >= maxReads) break;
  }
  return { reads, requests };
}
