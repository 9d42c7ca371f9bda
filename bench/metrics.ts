import type { Simulator } from '../src/simulator/types.js';
import type { HintFate } from './HintFeed.js';

/** What one poller emitted: the first completed/failed emission per Sid, repeats and updates. */
export class EmissionLog {
  readonly first = new Map<string, number>();
  twice = 0;
  /** callUpdated events per Sid. */
  readonly updated = new Map<string, number>();

  emitted(sid: string, at: number): void {
    if (this.first.has(sid)) this.twice++;
    else this.first.set(sid, at);
  }

  update(sid: string): void {
    this.updated.set(sid, (this.updated.get(sid) ?? 0) + 1);
  }
}

export interface LatencyStats {
  count: number;
  p50: number;
  p95: number;
  max: number;
}

export interface ScenarioMetrics {
  /** Calls counted: started after the warm-up, ended and settled before the end less the grace. */
  counted: number;
  missed: number;
  twice: number;
  short: LatencyStats;
  long: LatencyStats;
  /** Corrections (ground truth) made after the call was first emitted, inside the lookback, before the end less the grace. */
  corrections: number;
  updates: number;
  /** With hints: short-call latency by what became of each call's hint (on time, late, never sent). */
  byHint?: Record<HintFate, LatencyStats>;
}

const quantile = (sorted: Float64Array, q: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]!);

function stats(values: number[]): LatencyStats {
  const sorted = Float64Array.from(values).sort();
  return { count: sorted.length, p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN };
}

/**
 * Scores a log against the simulator's ground truth. Latency = emission (fake clock) − `settledAt`;
 * short/long by the call's length (end − start) against `longMs`.
 */
export function score(sim: Simulator, log: EmissionLog, range: { from: number; to: number; dueBy: number; longMs: number; lookbackMs: number; fate?: (sid: string) => HintFate }): ScenarioMetrics {
  const short: number[] = [];
  const byHint: Record<HintFate, number[]> = { onTime: [], late: [], dropped: [] };
  const long: number[] = [];
  let counted = 0;
  let missed = 0;
  let corrections = 0;
  let updates = 0;
  // In 10-minute chunks: a million SimulatedCall objects at once is a lot of heap for nothing.
  for (let from = range.from; from < range.to; from += 600_000) {
    const to = Math.min(range.to, from + 600_000) - 1;
    for (const call of sim.calls({ from, to })) {
      if (call.endAt > range.dueBy || call.settledAt > range.dueBy) continue;
      counted++;
      const at = log.first.get(call.sid);
      if (at === undefined) {
        missed++;
        continue;
      }
      updates += log.updated.get(call.sid) ?? 0;
      const latency = at - call.settledAt;
      if (call.endAt - call.startAt > range.longMs) long.push(latency);
      else {
        short.push(latency);
        if (range.fate) byHint[range.fate(call.sid)].push(latency);
      }
      for (const c of call.corrections) if (c.at > at && c.at <= range.dueBy && c.at < call.startAt + range.lookbackMs) corrections++;
    }
  }
  const metrics: ScenarioMetrics = { counted, missed, twice: log.twice, short: stats(short), long: stats(long), corrections, updates };
  if (range.fate) metrics.byHint = { onTime: stats(byHint.onTime), late: stats(byHint.late), dropped: stats(byHint.dropped) };
  return metrics;
}
