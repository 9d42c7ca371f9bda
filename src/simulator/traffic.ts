/**
 * Generated traffic: Poisson arrivals in one-minute chunks, each chunk drawn from its own seeded
 * stream, so a call's existence and fields never depend on when (or whether) anyone asked before.
 */
import type { CallDirection, CallStatus } from '../exotel/types.js';
import type { CallTable, NewCall } from './callTable.js';
import { DIRECTIONS, STATUSES } from './callTable.js';
import type { TrafficMix } from './types.js';
import { cumulativeOf, hash32, mulberry32, pickWeighted, uint32 } from './random.js';

export const CHUNK_MS = 60_000;

export const DEFAULT_MIX: TrafficMix = {
  status: { completed: 65, 'no-answer': 14, busy: 10, failed: 6, canceled: 5 },
  direction: { inbound: 50, 'outbound-api': 35, 'outbound-dial': 15 },
  meanTalkSec: 90,
  shortMaxSec: 300,
  longShare: 0.03,
  longMaxSec: 7200,
  veryLongShare: 0.002,
  veryLongMaxSec: 14_400,
  correctionRate: 0.03,
  correctionDelayMs: { min: 60_000, max: 600_000 },
  exoPhones: 10,
  agents: 50,
  customers: 20_000,
  pricePerMinute: 0.5,
};

/** Ringing time ranges (seconds) by status: a no-answer rings out, a failed call barely starts. */
const RING_SEC: Record<CallStatus, [number, number]> = {
  completed: [2, 20],
  'no-answer': [25, 45],
  busy: [1, 8],
  failed: [0, 4],
  canceled: [3, 25],
};

export function priceMilliFor(talkMs: number, pricePerMinute: number): number {
  return talkMs > 0 ? Math.round(Math.ceil(talkMs / 60_000) * pricePerMinute * 1000) : 0;
}

export class TrafficSource {
  private nextChunk = 0;
  private readonly meanGapMs: number;
  private readonly statusCum: Float64Array;
  private readonly directionCum: Float64Array;

  constructor(
    private readonly table: CallTable,
    private readonly callsPerMinute: number,
    private readonly startAt: number,
    private readonly mix: TrafficMix,
    private readonly seed: number,
    private readonly accountIndex: number,
    private readonly settleDelay: { min: number; max: number },
    private readonly endAt: number = Number.POSITIVE_INFINITY,
  ) {
    this.meanGapMs = 60_000 / callsPerMinute;
    this.statusCum = cumulativeOf(STATUSES.map((s) => mix.status[s] ?? 0));
    this.directionCum = cumulativeOf(DIRECTIONS.map((d) => mix.direction[d] ?? 0));
  }

  /** Generates every chunk that starts at or before `now`. */
  advanceTo(now: number): void {
    if (this.callsPerMinute <= 0) return;
    while (this.startAt + this.nextChunk * CHUNK_MS <= now && this.startAt + this.nextChunk * CHUNK_MS < this.endAt) {
      this.table.insert(this.chunk(this.nextChunk));
      this.nextChunk++;
    }
  }

  private chunk(k: number): NewCall[] {
    const rnd = mulberry32(hash32(this.seed, this.accountIndex, k, 0x7a11));
    const t0 = this.startAt + k * CHUNK_MS;
    const t1 = t0 + CHUNK_MS;
    const mix = this.mix;
    const out: NewCall[] = [];
    let t = t0;
    for (;;) {
      t += -Math.log(1 - rnd()) * this.meanGapMs;
      if (t >= t1 || t >= this.endAt) break;
      const status = pickWeighted(rnd, this.statusCum);
      const direction = pickWeighted(rnd, this.directionCum);
      const statusName = STATUSES[status]!;
      const [rMin, rMax] = RING_SEC[statusName];
      const ringMs = Math.round((rMin + rnd() * (rMax - rMin)) * 1000);
      let talkMs = 0;
      if (statusName === 'completed') {
        const r = rnd();
        let sec: number;
        if (r < mix.veryLongShare) sec = mix.longMaxSec + rnd() * (mix.veryLongMaxSec - mix.longMaxSec);
        else if (r < mix.veryLongShare + mix.longShare) sec = mix.shortMaxSec + rnd() * (mix.longMaxSec - mix.shortMaxSec);
        else sec = Math.min(mix.shortMaxSec, 1 + -Math.log(1 - rnd()) * mix.meanTalkSec);
        talkMs = Math.round(sec * 1000);
      }
      const settleDelayMs = Math.round(this.settleDelay.min + rnd() * (this.settleDelay.max - this.settleDelay.min));
      const priceMilli = priceMilliFor(talkMs, mix.pricePerMinute);
      const call: NewCall = {
        startAt: Math.floor(t),
        ringMs,
        talkMs,
        settleDelayMs,
        status,
        direction,
        priceMilli,
        phone: Math.floor(rnd() * mix.exoPhones),
        agent: Math.floor(rnd() * mix.agents),
        customer: Math.floor(rnd() * mix.customers),
        sidWords: [uint32(rnd), uint32(rnd), uint32(rnd)],
      };
      // Always draw, so that the correction rate does not shift the rest of the stream.
      const c1 = rnd();
      const c2 = rnd();
      const c3 = rnd();
      if (c1 < mix.correctionRate) {
        const afterMs = Math.round(mix.correctionDelayMs.min + c2 * (mix.correctionDelayMs.max - mix.correctionDelayMs.min));
        // Completed calls get a re-rated price; others a corrected (rounded) duration.
        const fields =
          statusName === 'completed'
            ? { Price: Number(((priceMilli + (c3 < 0.5 ? 500 : -Math.min(priceMilli, 500))) / 1000).toFixed(3)) }
            : { Duration: Math.max(0, Math.round((ringMs + talkMs) / 1000) + (c3 < 0.5 ? 1 : -1)) };
        call.correctionsAfter = [{ afterMs, fields }];
      }
      out.push(call);
    }
    return out;
  }
}

export function resolveMix(partial: Partial<TrafficMix> | undefined): TrafficMix {
  return {
    ...DEFAULT_MIX,
    ...partial,
    status: { ...DEFAULT_MIX.status, ...partial?.status } as Record<CallStatus, number>,
    direction: { ...DEFAULT_MIX.direction, ...partial?.direction } as Record<CallDirection, number>,
    correctionDelayMs: { ...DEFAULT_MIX.correctionDelayMs, ...partial?.correctionDelayMs },
  };
}
