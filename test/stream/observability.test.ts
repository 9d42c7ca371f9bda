import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import { clockPerTest, record, stopUnder, streamOn } from './harness.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 15, 6, 0, 0);
const useClock = clockPerTest();

describe('stats() and status(): what a stream did and is doing, for metrics and health checks', () => {
  it('counts reads by tier, HTTP answers, events by type, errors by code and saves', async () => {
    const clock = useClock(T0);
    const sim = createSimulator({ seed: 4, settleDelayMs: 20_000 });
    sim.addCall({ startAt: T0 - 20 * MINUTE, talkMs: 60_000 });
    sim.addCall({ startAt: T0 - 15 * MINUTE, status: 'busy' });
    const stream = streamOn(sim, { saveIntervalMs: 0 });
    expect(stream.status().phase).toBe('idle');
    expect(stream.status().lagMs).toBeNull();
    const { emissions, errors } = record(stream);
    sim.addCall({ startAt: T0 + 10_000, talkMs: 30_000 });
    // Between two poll cycles (every 15 s): no read in flight.
    await clock.tickAsync(3 * MINUTE + 7_000);
    const stats = stream.stats();
    const byType = (type: string) => emissions.filter((e) => e.event.type === type).length;
    expect(stats.events).toEqual({ callCompleted: byType('callCompleted'), callFailed: byType('callFailed'), callUpdated: byType('callUpdated') });
    expect(stats.events.callCompleted).toBe(2);
    expect(stats.events.callFailed).toBe(1);
    // Every answered page was counted under the tier of its read, and the client saw as many 2xx.
    const tiers = Object.values(stats.reads);
    const pages = tiers.reduce((sum, t) => sum + t.requests, 0);
    expect(pages).toBe(stats.http.responses['2xx']);
    expect(sim.history.length).toBe(stats.http.requests);
    expect(Object.keys(stats.reads)).toContain('catchup');
    expect(stats.reads.fresh!.ok).toBeGreaterThan(0);
    expect(stats.errors).toEqual({});
    expect(stats.saves.ok).toBeGreaterThan(0);
    expect(stats.saves.failed).toBe(0);
    // A fresh object: changing it changes nothing.
    stats.events.callCompleted = 99;
    expect(stream.stats().events.callCompleted).toBe(2);

    sim.inject({ kind: 'status', status: 401, times: 1 });
    await clock.tickAsync(MINUTE);
    expect(stream.stats().errors).toEqual({ ERR_EXOTEL_UNAUTHORIZED: 1 });
    expect(errors.map((e) => e.code)).toEqual(['ERR_EXOTEL_UNAUTHORIZED']);
    expect(stream.stats().http.responses['4xx']).toBe(1);
    const status = stream.status();
    expect(status.phase).toBe('failed');
    expect(Object.isFrozen(status)).toBe(true);
    await stopUnder(clock, stream);
  });

  it('status() follows the API clock, the held records and the lag of the reads that decide latency', async () => {
    const clock = useClock(T0);
    const sim = createSimulator({ seed: 5, settleDelayMs: 90_000, clock: { now: () => Date.now() - 5 * MINUTE } });
    const stream = streamOn(sim, { pollIntervalMs: 15_000 });
    stream.start();
    await clock.tickAsync(20_000);
    let status = stream.status();
    expect(status.phase).toBe('running');
    // The simulator's Date header is 5 minutes behind this machine's clock.
    expect(Math.abs(status.clockOffsetMs + 5 * MINUTE)).toBeLessThanOrEqual(1_000);
    expect(Math.abs(status.apiTime - (Date.now() - 5 * MINUTE))).toBeLessThanOrEqual(1_000);
    expect(status.maxRequestsPerMinute).toBe(200);
    expect(status.estimatedRequestsPerMinute).toBeGreaterThan(0);
    expect(status.lagMs).not.toBeNull();
    expect(status.lagMs!).toBeLessThanOrEqual(2 * 15_000);
    expect(status.lastReadAt).not.toBeNull();

    // A call that ended, not yet settled: held.
    sim.addCall({ startAt: Date.now() - 5 * MINUTE, talkMs: 10_000 });
    await clock.tickAsync(45_000);
    expect(stream.status().heldCalls).toBe(1);
    expect(stream.status().trackedCalls).toBeGreaterThanOrEqual(1);

    // An outage: every answer a 503 for 3 minutes; the lag grows, and shrinks again after.
    sim.inject({ kind: 'status', status: 503, persist: true });
    await clock.tickAsync(3 * MINUTE);
    status = stream.status();
    expect(status.lagMs!).toBeGreaterThan(2 * MINUTE);
    sim.clearFaults();
    await clock.tickAsync(2 * MINUTE);
    expect(stream.status().lagMs!).toBeLessThanOrEqual(2 * 15_000);
    await stopUnder(clock, stream);
    expect(stream.status().phase).toBe('stopped');
    expect(stream.stats().errors.ERR_EXOTEL_SERVER).toBeGreaterThan(0);
  });
  it('learns the settle spread from the reads that decide latency: calls an outage let it see late do not stretch it', async () => {
    const clock = useClock(T0);
    // 100 short calls a minute, settling 5 to 15 s after they end.
    const sim = createSimulator({ seed: 8, settleDelayMs: { min: 5_000, max: 15_000 }, traffic: { callsPerMinute: 100, startAt: T0, mix: { longShare: 0, veryLongShare: 0, correctionRate: 0 } } });
    const stream = streamOn(sim, { settleMs: 30 * MINUTE });
    record(stream);
    await clock.tickAsync(30 * MINUTE);
    const before = stream.status().settleSpreadMs!;
    expect(before).toBeLessThanOrEqual(45_000);
    // Twenty minutes of 503s: the calls of those minutes are first seen settled when it ends, by
    // the catch-up and the lags, up to twenty minutes after they settled.
    sim.inject({ kind: 'status', status: 503, rate: 1 });
    await clock.tickAsync(20 * MINUTE);
    sim.clearFaults();
    // Within the last 500 calls seen (what the spread is measured over) the outage's are most.
    await clock.tickAsync(2 * MINUTE);
    expect(stream.status().settleSpreadMs).toBeLessThanOrEqual(Math.max(45_000, before * 1.5));
    await stopUnder(clock, stream);
  });
});
