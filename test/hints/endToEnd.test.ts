// End to end: the simulator's status callbacks (lossy, some late) over loopback HTTP into the
// receiver, into stream.hint(); every call comes out once, and the hinted ones soon after they
// settle, against the same run without callbacks.
import { describe, expect, it } from 'vitest';
import { createStatusCallbackHandler } from '../../src/hints/createStatusCallbackHandler.js';
import { createSimulator } from '../../src/simulator/index.js';
import type { StatusCallbackOptions } from '../../src/simulator/index.js';
import { checkDelivery, installClock, record, stopUnder, streamOn } from '../stream/harness.js';
import { listen } from './helpers.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 4, 4, 5, 0, 0);
const TRAFFIC_MS = 8 * MINUTE;
const RUN_MS = 30 * MINUTE;

type Quantiles = { n: number; p50: number; p95: number };
const quantiles = (values: number[]): Quantiles => {
  const v = [...values].sort((a, b) => a - b);
  return { n: v.length, p50: v[Math.floor(v.length / 2)] ?? NaN, p95: v[Math.floor(v.length * 0.95)] ?? NaN };
};

/**
 * 150 calls a minute for 8 minutes, settling 20 s to 2 min after they end. The stream reads the
 * newest start times only a second deep and sweeps for no long call, as on an account too busy
 * for the fresh window: without hints a call waits for a later tier to reach its start time.
 */
async function run(callbacks: Omit<StatusCallbackOptions, 'url' | 'onCallback'> | undefined) {
  const target: { hint: (h: Parameters<ReturnType<typeof streamOn>['hint']>[0]) => boolean } = { hint: () => false };
  const handler = createStatusCallbackHandler(target, { timeZone: 'Asia/Kolkata' });
  const receiver = await listen(handler);
  const clock = installClock(T0);
  try {
    const sim = createSimulator({
      seed: 5,
      settleDelayMs: { min: 20_000, max: 120_000 },
      traffic: { callsPerMinute: 150, startAt: T0, endAt: T0 + TRAFFIC_MS, mix: { longShare: 0, veryLongShare: 0 } },
      ...(callbacks ? { statusCallbacks: { ...callbacks, url: `${receiver.url}/exotel/status-callback` } } : {}),
    });
    const stream = streamOn(sim, { lookbackMs: 2 * 3_600_000, settleMs: 600_000, freshWindowMs: 1_000, skewMarginMs: 0, sweepIntervalMs: Number.POSITIVE_INFINITY });
    target.hint = (h) => stream.hint(h);
    const { emissions, errors } = record(stream);
    for (let t = 0; t < RUN_MS; t += 1_000) {
      await clock.tickAsync(1_000);
      // Let the callbacks posted in that second reach the receiver over the socket.
      await sim.callbacks.idle();
    }
    const truth = sim.calls();
    const firsts = checkDelivery(emissions, truth, Number.POSITIVE_INFINITY, 600_000);
    const latencyOf = (sid: string) => firsts.get(sid)!.at - sim.call(sid)!.settledAt;
    const records = sim.callbacks.records();
    const delivered = new Set(records.filter((r) => r.state === 'delivered').map((r) => r.sid));
    const onTime = new Set(records.filter((r) => r.state === 'delivered' && !r.late).map((r) => r.sid));
    const result = {
      calls: truth.length,
      emitted: firsts.size,
      all: quantiles(truth.map((t) => latencyOf(t.sid))),
      onTime: [...onTime],
      late: records.filter((r) => r.late).map((r) => r.sid),
      dropped: records.filter((r) => r.state === 'dropped').map((r) => r.sid),
      delivered,
      latencyOf,
      handler: handler.stats(),
      callbacks: sim.callbacks.stats(),
      reads: stream.stats().reads,
      requests: sim.rateStats().total,
      fatal: errors.filter((e) => e.fatal),
    };
    await stopUnder(clock, stream);
    await sim.close();
    return result;
  } finally {
    clock.uninstall();
    await receiver.close();
  }
}

describe('end to end: simulator callbacks → receiver → stream.hint() → events', () => {
  it('emits every call once; the hinted ones soon after they settle, the dropped ones by the pull tiers', async () => {
    const without = await run(undefined);
    const withHints = await run({ share: 0.9, lateShare: 0.05, delayMs: { min: 1_000, max: 5_000 }, lateMs: { min: 120_000, max: 300_000 }, duplicateShare: 0.1, retryDelayMs: 5_000 });
    expect(without.calls).toBeGreaterThan(1_000);
    expect(withHints.calls).toBe(without.calls);
    expect(without.emitted).toBe(without.calls);
    expect(withHints.emitted).toBe(withHints.calls);
    expect(withHints.fatal).toEqual([]);
    const same = (sids: string[], r: typeof without) => quantiles(sids.map((sid) => r.latencyOf(sid)));
    const hintedWith = same(withHints.onTime, withHints);
    const hintedWithout = same(withHints.onTime, without);
    const droppedWith = same(withHints.dropped, withHints);
    if (process.env.HINTS_REPORT) {
      console.info(
        JSON.stringify({
          calls: without.calls,
          withoutHints: { all: without.all, requests: without.requests },
          withHints: { all: withHints.all, requests: withHints.requests, hintedRequests: withHints.reads.hinted },
          onTimeCalls: { withHints: hintedWith, withoutHints: hintedWithout },
          droppedCalls: { withHints: droppedWith, withoutHints: same(withHints.dropped, without) },
          lateCalls: { withHints: same(withHints.late, withHints), withoutHints: same(withHints.late, without) },
        }),
      );
    }
    // Every callback delivered became a hint the stream took; Exotel-style repeats were answered as such.
    expect(withHints.callbacks.pending).toBe(0);
    expect(withHints.handler.accepted).toBe(withHints.callbacks.delivered);
    expect(withHints.handler.rejected.duplicate).toBe(withHints.callbacks.duplicates);
    expect(withHints.reads.hinted?.ok).toBeGreaterThan(0);

    // The same calls, hinted on time, come out far sooner than without hints.
    expect(without.all.p95).toBeGreaterThan(5 * MINUTE);
    expect(hintedWith.p95).toBeLessThan(hintedWithout.p95 / 4);
    expect(hintedWith.p95).toBeLessThanOrEqual(90_000);
    // A dropped callback costs its call nothing but the hint: the pull tiers find it as before.
    expect(droppedWith.n).toBeGreaterThan(50);
  }, 120_000);
});
