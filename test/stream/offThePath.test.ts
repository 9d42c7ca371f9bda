/**
 * The promise off the beaten path: four ways the stream once went silent or late, each as a user
 * would meet it (the public API against the simulator, under a fake clock).
 */
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import type { SimulatedCall } from '../../src/simulator/index.js';
import type { CallStreamOptions } from '../../src/stream/types.js';
import { checkDelivery, clockPerTest, record, stopUnder, streamOn } from './harness.js';
import { deadline } from './guarantee/judge.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const T0 = Date.UTC(2026, 2, 10, 6, 0, 0);
const useClock = clockPerTest();

function sameOptions(options: Partial<CallStreamOptions>) {
  return options;
}

describe('the API clock behind ours', () => {
  for (const offsetMin of [-7, 7, -60, 60]) {
    it(`every call once when the API's clock is ${Math.abs(offsetMin)} minutes ${offsetMin < 0 ? 'behind' : 'ahead of'} ours (1 s polls, 5 min lookback)`, async () => {
      const clock = useClock(T0);
      const offset = offsetMin * MINUTE;
      const sim = createSimulator({ seed: 11, settleDelayMs: { min: 500, max: 3_000 }, clock: { now: () => Date.now() + offset } });
      const stream = streamOn(sim, sameOptions({ pollIntervalMs: 1_000, lookbackMs: 5 * MINUTE, settleMs: 60_000 }));
      const { emissions, errors } = record(stream);
      await clock.tickAsync(3 * SECOND);
      // 100 calls over 30 s, on the API's clock, each ringing 1 to 5 s and talking up to 20 s.
      const truth: SimulatedCall[] = [];
      for (let i = 0; i < 100; i++) {
        truth.push(sim.addCall({ startAt: Date.now() + offset + i * 300, ringMs: 1_000 + (i % 5) * 1_000, talkMs: (i * 7919) % 20_000 }));
      }
      await clock.tickAsync(2 * MINUTE);
      checkDelivery(emissions.map((e) => ({ ...e, at: e.at + offset })), truth, Number.POSITIVE_INFINITY, 60_000);
      expect(errors.filter((e) => e.fatal)).toEqual([]);
      // A quiet account polled every second must not burn its quota: well under 200 a minute.
      const perMinute = sim.history.length / (2 + 3 / 60);
      expect(perMinute).toBeLessThan(150);
      await stopUnder(clock, stream);
    });
  }
});

describe('a lookback shorter than the fresh window', () => {
  it('keeps polling and emits every short call with a 60 s lookback (1 s polls, 2 calls a second for 40 s)', async () => {
    const clock = useClock(T0);
    const sim = createSimulator({ seed: 12, settleDelayMs: { min: 200, max: 2_000 } });
    const stream = streamOn(sim, { pollIntervalMs: 1_000, lookbackMs: 60_000, settleMs: 30_000 });
    const { emissions } = record(stream);
    await clock.tickAsync(2 * SECOND);
    const truth: SimulatedCall[] = [];
    for (let i = 0; i <= 80; i++) {
      // IVR and OTP calls: a few seconds each, all well inside the lookback.
      truth.push(sim.addCall({ startAt: Date.now() + i * 500, ringMs: 1_000, talkMs: 2_000 + ((i * 37) % 10) * 1_000 }));
    }
    await clock.tickAsync(40 * SECOND);
    const requestsDuringTraffic = sim.history.length;
    await clock.tickAsync(MINUTE);
    checkDelivery(emissions, truth, Number.POSITIVE_INFINITY, 30_000);
    // It kept reading: about one listing a second while calls came.
    expect(requestsDuringTraffic).toBeGreaterThan(30);
    await stopUnder(clock, stream);
  });
});

describe('one failing read does not stall the others', () => {
  it('held re-reads go on while the long-call sweep fails and retries for a minute', async () => {
    const clock = useClock(T0);
    const sim = createSimulator({ seed: 15, settleDelayMs: { min: 1_000, max: 3_000 } });
    const stream = streamOn(sim, { pollIntervalMs: 1_000, settleMs: 8_000 });
    const { emissions } = record(stream);
    await clock.tickAsync(5 * SECOND);
    // Every listing filtered by Duration (the sweep) fails, and is retried with backoff.
    sim.inject({ kind: 'status', status: 503, persist: true, match: { query: { Duration: /./ } } });
    const truth: SimulatedCall[] = [];
    for (let i = 0; i < 30; i++) truth.push(sim.addCall({ startAt: Date.now() + i * 2_000, ringMs: 1_000, talkMs: 4_000 }));
    await clock.tickAsync(90 * SECOND);
    sim.clearFaults();
    await clock.tickAsync(30 * SECOND);
    const firsts = checkDelivery(emissions, truth, Number.POSITIVE_INFINITY, 8_000);
    const unsettled = truth.filter((t) => firsts.get(t.sid)!.event.call.duration === null);
    expect(unsettled.map((t) => `${t.sid} settled ${t.settledAt - t.endAt} ms after its end, went out unsettled`)).toEqual([]);
    for (const t of truth) expect(firsts.get(t.sid)!.at - t.settledAt, t.sid).toBeLessThanOrEqual(3_000);
    await stopUnder(clock, stream);
  });

  it('a held record that settles within 2.5 s of its end goes out settled, under 503s, 429s, resets and slow answers (1 s polls, settleMs 5 s)', async () => {
    const clock = useClock(T0);
    const sim = createSimulator({ seed: 13, settleDelayMs: { min: 500, max: 2_500 } });
    const stream = streamOn(sim, { pollIntervalMs: 1_000, lookbackMs: 10 * MINUTE, settleMs: 5_000 });
    const { emissions } = record(stream);
    await clock.tickAsync(3 * SECOND);
    sim.inject({ kind: 'status', status: 503, rate: 0.05 });
    sim.inject({ kind: 'rate-limit', retryAfterSeconds: 1, rate: 0.02 });
    sim.inject({ kind: 'reset', rate: 0.01 });
    sim.inject({ kind: 'delay', delayMs: 1_500, rate: 0.02 });
    const truth: SimulatedCall[] = [];
    for (let i = 0; i < 120; i++) {
      truth.push(sim.addCall({ startAt: Date.now() + i * 1_000, ringMs: 1_000, talkMs: 3_000 + ((i * 13) % 7) * 1_000 }));
    }
    await clock.tickAsync(150 * SECOND);
    sim.clearFaults();
    await clock.tickAsync(MINUTE);
    const firsts = checkDelivery(emissions, truth, Number.POSITIVE_INFINITY, 5_000);
    const unsettled = truth.filter((t) => {
      const e = firsts.get(t.sid)!;
      return e.event.call.duration === null;
    });
    expect(unsettled.map((t) => `${t.sid} settled ${t.settledAt - t.endAt} ms after its end`)).toEqual([]);
    await stopUnder(clock, stream);
  });
});

describe('late settlers when the traffic stops', () => {
  it('every call goes out within the documented bound after it settles, the last ones too, though no call follows them (1,000 calls a minute for 45 minutes, settling up to 5 minutes after they end, then none)', async () => {
    const clock = useClock(T0);
    const sim = createSimulator({
      seed: 14,
      settleDelayMs: { min: 30_000, max: 300_000 },
      traffic: { callsPerMinute: 1_000, startAt: T0 - 30 * MINUTE, endAt: T0 + 15 * MINUTE, mix: { longShare: 0.01, veryLongShare: 0 } },
    });
    const options = { pollIntervalMs: 15_000, lookbackMs: 2 * 3_600_000, settleMs: 600_000 };
    const stream = streamOn(sim, options);
    const emitted = new Map<string, number>();
    stream.events$.subscribe((e) => {
      if (e.type !== 'callUpdated' && !emitted.has(e.call.sid)) emitted.set(e.call.sid, Date.now());
    });
    await clock.tickAsync(40 * MINUTE);
    const conditions = { ...options, lagsMs: [10 * MINUTE, 30 * MINUTE, options.lookbackMs], disturbances: [], feasible: true, endAt: Date.now(), coveredFrom: T0, pageSize: 100, callsPerMinute: 1_000 };
    // Calls that started after the stream did (the first start reads back over the lookback once, slower).
    const truth = sim.calls({ from: T0 });
    expect(truth.length).toBeGreaterThan(14_000);
    const problems: string[] = [];
    const latencies: number[] = [];
    for (const t of truth) {
      const by = deadline(t, conditions);
      if (by === null) continue;
      const at = emitted.get(t.sid);
      if (at === undefined) problems.push(`${t.sid} never emitted (settled ${t.settledAt - T0} ms after the start), due by +${by - T0} ms`);
      else if (at > by) problems.push(`${t.sid} emitted ${at - by} ms after its deadline, ${at - t.settledAt} ms after it settled`);
      if (at !== undefined && t.endAt - t.startAt < 5 * MINUTE) latencies.push(at - t.settledAt);
    }
    expect(latencies.length).toBeGreaterThan(12_000);
    // docs/engine.md, "The bound": the first lag at or after its end, a gathering time, a poll and a read; then held until it settles.
    expect(problems.slice(0, 10)).toEqual([]);
    // And short calls go out soon after they settle, however late that is (here up to 5 minutes after their end).
    latencies.sort((a, b) => a - b);
    expect(latencies[Math.floor(latencies.length * 0.95)]).toBeLessThanOrEqual(90_000);
    await stopUnder(clock, stream);
  }, 120_000);
});
