import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import type { SimulatedCall } from '../../src/simulator/index.js';
import { checkDelivery, clockPerTest, installClock, record, stopUnder, streamOn } from './harness.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 4, 4, 5, 0, 0);
const useClock = clockPerTest();

/** A busy account, its calls' ends hinted (or not), every call checked against the ground truth. */
async function run(hintShare: number) {
  const clock = installClock(T0);
  try {
    return await runOn(clock, hintShare);
  } finally {
    clock.uninstall();
  }
}

async function runOn(clock: ReturnType<typeof installClock>, hintShare: number) {
  const sim = createSimulator({ seed: 21, settleDelayMs: { min: 20_000, max: 120_000 } });
  // 400 calls over 8 minutes, of 10 s to 3 minutes. The stream is set to read the newest start
  // times only a second deep and to sweep for no long call: without hints, most calls wait for
  // the 10-minute lag, as on an account too busy for the fresh window.
  const truth: SimulatedCall[] = [];
  for (let i = 0; i < 400; i++) truth.push(sim.addCall({ startAt: T0 + 30_000 + i * 1_200, ringMs: 3_000, talkMs: 10_000 + ((i * 7919) % 170_000) }));
  const stream = streamOn(sim, { pollIntervalMs: 15_000, lookbackMs: 2 * 3_600_000, settleMs: 600_000, freshWindowMs: 1_000, skewMarginMs: 0, sweepIntervalMs: Number.POSITIVE_INFINITY });
  const { emissions, errors } = record(stream);
  const hinted = new Set<string>();
  // Hints as Exotel would push them: when each call ends, for a share of them.
  const pending = truth.filter((_, i) => (i * 37) % 100 < hintShare * 100).sort((a, b) => a.endAt - b.endAt);
  let next = 0;
  for (let t = 0; t < 30 * MINUTE; t += 5_000) {
    while (next < pending.length && pending[next]!.endAt <= Date.now()) {
      const call = pending[next++]!;
      expect(stream.hint({ sid: call.sid, endedAt: call.endAt })).toBe(true);
      hinted.add(call.sid);
    }
    await clock.tickAsync(5_000);
  }
  const firsts = checkDelivery(emissions, truth, Number.POSITIVE_INFINITY, 600_000);
  const latency = (sids: Iterable<string>) => {
    const l = [...sids].map((sid) => firsts.get(sid)!.at - truth.find((t) => t.sid === sid)!.settledAt).sort((a, b) => a - b);
    return { p50: l[Math.floor(l.length / 2)]!, p95: l[Math.floor(l.length * 0.95)]! };
  };
  const recent = truth;
  const result = { all: latency(recent.map((t) => t.sid)), hinted: latency(recent.filter((t) => hinted.has(t.sid)).map((t) => t.sid)), requests: sim.history.length, stats: stream.stats(), errors };
  await stopUnder(clock, stream);
  return result;
}

describe('hints: Sids named by Exotel-like push, re-read once they should have settled', () => {
  it('bring hinted calls out soon after they settle, while the pull tiers still find every call', async () => {
    const without = await run(0);
    const withHints = await run(0.9);
    expect(withHints.stats.reads.hinted?.ok).toBeGreaterThan(0);
    expect(withHints.errors.filter((e) => e.fatal)).toEqual([]);
    // Hinted calls go out within a few polls of settling, sooner than the same calls without hints.
    expect(without.all.p95).toBeGreaterThan(5 * MINUTE);
    expect(withHints.hinted.p95).toBeLessThan(without.all.p95 / 4);
    // Read once half the calls have settled (as measured), then with the held ones every poll.
    expect(withHints.hinted.p95).toBeLessThanOrEqual(90_000);
  }, 120_000);

  it('never emits again a call the stream has forgotten, however late its hint comes, in the run or after a restart', async () => {
    const { memoryStore } = await import('../../src/stores/memoryStore.js');
    const clock = useClock(T0);
    const sim = createSimulator({ seed: 23, settleDelayMs: 5_000 });
    // One call inside the lookback, emitted at once; one that started long before it (outside
    // what the stream answers for).
    const call = sim.addCall({ startAt: T0 - 5 * MINUTE, talkMs: 20_000 });
    const ancient = sim.addCall({ startAt: T0 - 5 * 3_600_000, talkMs: 20_000 });
    const store = memoryStore();
    const options = { lookbackMs: 20 * MINUTE, settleMs: 2 * MINUTE, store, saveIntervalMs: 0 };
    let stream = streamOn(sim, options);
    const { emissions } = record(stream);
    await clock.tickAsync(MINUTE);
    expect(emissions.map((e) => e.event.call.sid)).toEqual([call.sid]);
    // Well past the lookback and the tracker's retain margin: the emitted Sid is forgotten.
    await clock.tickAsync(60 * MINUTE);
    // Exotel retries a callback, or a receiver replays a queue: the hint comes an hour late.
    expect(stream.hint({ sid: call.sid, endedAt: call.endAt })).toBe(true);
    stream.hint({ sid: ancient.sid, endedAt: ancient.endAt });
    // A hint that says its call started before the domain is refused at once.
    expect(stream.hint({ sid: ancient.sid, dateCreated: ancient.startAt })).toBe(false);
    await clock.tickAsync(10 * MINUTE);
    await stopUnder(clock, stream);
    // After a restart from the store, the same hints again.
    stream = streamOn(sim, options);
    record(stream, { emissions, errors: [] });
    stream.hint({ sid: call.sid, endedAt: call.endAt });
    stream.hint({ sid: ancient.sid, endedAt: ancient.endAt });
    await clock.tickAsync(10 * MINUTE);
    await stopUnder(clock, stream);
    // The hinted Sids were read (the hints were used), and nothing went out twice or out of the domain.
    expect(sim.history.some((h) => h.query.Sid?.includes(call.sid))).toBe(true);
    expect(emissions.filter((e) => e.event.type !== 'callUpdated').map((e) => e.event.call.sid)).toEqual([call.sid]);
  });

  it('refuses what cannot be a Sid, and costs nothing for a Sid already emitted', async () => {
    const clock = useClock(T0);
    const sim = createSimulator({ seed: 22, settleDelayMs: 5_000 });
    const call = sim.addCall({ startAt: T0 - 5 * MINUTE, talkMs: 20_000 });
    const stream = streamOn(sim);
    const { emissions } = record(stream);
    await clock.tickAsync(MINUTE);
    expect(emissions.map((e) => e.event.call.sid)).toEqual([call.sid]);
    expect(stream.hint({ sid: 'not a sid' })).toBe(false);
    expect(stream.hint(null as never)).toBe(false);
    const before = sim.history.length;
    expect(stream.hint({ sid: call.sid, endedAt: call.endAt })).toBe(true);
    await clock.tickAsync(MINUTE);
    expect(sim.history.filter((h) => h.query.Sid === call.sid)).toHaveLength(0);
    expect(sim.history.length).toBeGreaterThan(before);
    await stopUnder(clock, stream);
    expect(stream.hint({ sid: 'abc123' })).toBe(false);
  });
});
