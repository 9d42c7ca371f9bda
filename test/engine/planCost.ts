/**
 * The cost and latency of the read plan at several call rates, against the model of the API in
 * `apiModel.ts` (2-hour lookback, 15-second polls, 90% of calls under 4 minutes, settling 1 to 3
 * minutes after they end). Not a test: run `npx tsx test/engine/planCost.ts` (`RATES=100,1000`
 * chooses the rates). The table in docs/engine.md comes from it.
 */
import { ReadPlanner } from '../../src/engine/planner/ReadPlanner.js';
import type { PlannedRead } from '../../src/engine/planner/types.js';
import { CallTracker } from '../../src/engine/CallTracker.js';
import { defaultIsSettled } from '../../src/engine/defaultIsSettled.js';
import { matches, recordAt } from './apiModel.js';
import type { ModelCall } from './apiModel.js';

const MINUTE = 60_000;
const T0 = Date.parse('2025-01-15T10:00:00Z');
const POLL = 15_000;
const LOOKBACK = 120 * MINUTE;

function schedule(perMinute: number): ModelCall[] {
  let seed = 7;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const calls: ModelCall[] = [];
  for (let start = T0 - 3 * 60 * MINUTE; start < T0 + 60 * MINUTE; start += MINUTE / perMinute) {
    const length = random() < 0.9 ? 10_000 + random() * 4 * MINUTE : 5 * MINUTE + random() * 60 * MINUTE;
    const end = start + length;
    calls.push({ sid: `c${calls.length}`, start, end, ringMs: Math.min(length, 20_000 * random()), settledAt: end + MINUTE + random() * 2 * MINUTE });
  }
  return calls;
}

/** The calls a read lists at `t`: by binary search on start time, the model's rule for the rest. */
function list(calls: ModelCall[], read: PlannedRead, t: number): ModelCall[] {
  const { dateCreated, sid } = read.query;
  if (sid !== undefined) {
    const sids = new Set(Array.isArray(sid) ? sid : [sid]);
    return calls.filter((c) => sids.has(c.sid) && matches(c, read.query, t));
  }
  const gte = Number(dateCreated?.gte);
  const lte = Number(dateCreated?.lte);
  let lo = 0;
  let hi = calls.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (calls[mid]!.start < gte) lo = mid + 1;
    else hi = mid;
  }
  const listed: ModelCall[] = [];
  for (let i = lo; i < calls.length && calls[i]!.start < lte + 1000; i++) if (matches(calls[i]!, read.query, t)) listed.push(calls[i]!);
  return listed;
}

for (const perMinute of (process.env.RATES ?? '5,50,200,500,1000,2000').split(',').map(Number)) {
  const calls = schedule(perMinute);
  const planner = new ReadPlanner({ pollIntervalMs: POLL, lookbackMs: LOOKBACK, pageSize: 100, maxRequestsPerMinute: 200, details: false });
  const tracker = new CallTracker({ settleMs: 300_000, isSettled: defaultIsSettled, lookbackMs: LOOKBACK });
  planner.begin(T0 - MINUTE, T0);
  let requests = 0;
  const byKind: Record<string, number> = {};
  const latencies: number[] = [];
  const settledAt = new Map(calls.map((c) => [c.sid, c.settledAt]));
  // Measured over the second half hour, once the start's catch-up is long done.
  const measureFrom = T0 + 30 * MINUTE;
  for (let now = T0; now < T0 + 60 * MINUTE; now += POLL) {
    for (const read of planner.plan(now, tracker.heldSids())) {
      const listed = list(calls, read, now);
      const pages = Math.max(1, Math.ceil(listed.length / 100));
      if (now >= measureFrom) {
        requests += pages;
        byKind[read.kind] = (byKind[read.kind] ?? 0) + pages;
      }
      for (const call of listed) {
        for (const event of tracker.observe(recordAt(call, now), now)) {
          if (event.type !== 'callUpdated' && now >= measureFrom) latencies.push(now - settledAt.get(call.sid)!);
        }
      }
      planner.complete(read, { ok: true, records: listed.length, requests: pages }, now);
    }
    tracker.expire(now);
    tracker.prune(now, planner.oldestPlanned() ?? undefined);
  }
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) => Math.round((latencies[Math.floor(q * (latencies.length - 1))] ?? 0) / 1000);
  const minutes = 30;
  console.log(
    `${perMinute} calls/min: ${Math.round(requests / minutes)} requests/min (estimated ${planner.estimatedRequestsPerMinute()}),`,
    `fresh ${planner.freshWindowMs === null ? "off" : `${planner.freshWindowMs / MINUTE} min`}, settled every ${planner.settledEveryPolls ?? "-"}, held every ${planner.heldEveryPolls} poll(s),`,
    `sweep ${Number.isFinite(planner.sweepIntervalMs) ? `${planner.sweepIntervalMs / MINUTE} min` : 'off'};`,
    Object.entries(byKind).map(([kind, n]) => `${kind} ${Math.round(n / minutes)}`).join(', ') + ';',
    `settled → emitted p50 ${quantile(0.5)} s, p95 ${quantile(0.95)} s, max ${quantile(1)} s`,
  );
}
