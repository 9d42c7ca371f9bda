import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '@sinonjs/fake-timers';
import { createSimulator } from '../../src/simulator/index.js';
import type { FaultSpec } from '../../src/simulator/index.js';
import { createCallStream } from '../../src/stream/createCallStream.js';
import { SimulatorDispatcher } from '../../src/simulator/SimulatorDispatcher.js';
import { SIM_ACCOUNT, checkDelivery, installClock, record, stopUnder } from './harness.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let clock: Clock | undefined;
afterEach(() => {
  clock?.uninstall();
  clock = undefined;
});

describe('a simulated day of a busy account', () => {
  it('emits every call once, on the right stream, after it settled; sees corrections; stays within quota and bounded memory', async () => {
    const dayStart = Date.UTC(2026, 0, 15, 0, 0, 0);
    clock = installClock(dayStart);
    const settleMs = 300_000;
    const lookbackMs = 4 * HOUR + 30 * MINUTE;
    const sim = createSimulator({
      seed: 11,
      traffic: { callsPerMinute: 3, mix: { longShare: 0.04, veryLongShare: 0.004, correctionRate: 0.05 } },
      settleDelayMs: { min: 20_000, max: 200_000 },
    });
    // A few calls settle late: after settleMs, so they go out unsettled and come back as updates.
    const late = [2, 9, 17].map((h) => sim.addCall({ startAt: dayStart + h * HOUR, talkMs: 20_000, settleDelayMs: 8 * MINUTE }));

    const stream = createCallStream({
      ...SIM_ACCOUNT,
      baseUrl: 'http://127.0.0.1:9',
      dispatcher: new SimulatorDispatcher(sim),
      pollIntervalMs: 20_000,
      lookbackMs,
      settleMs,
      // Narrower than the planner would pick at this rate, and a sweep every 10 minutes: each call
      // is read fewer times, which keeps a day's test fast. Calls over a minute are the sweep's.
      freshWindowMs: 120_000,
      sweepIntervalMs: 600_000,
      // The simulator shares our clock: a small margin re-reads each call fewer times.
      skewMarginMs: 10_000,
      saveIntervalMs: 120_000,
    });
    const log = record(stream);
    const sizes: number[] = [];

    const faults: Array<[number, FaultSpec]> = [
      [1, { kind: 'status', status: 503, times: 4 }],
      [3, { kind: 'rate-limit', times: 2, retryAfterSeconds: 2 }],
      [5, { kind: 'reset', times: 3 }],
      [7, { kind: 'truncated', times: 1 }],
      [8, { kind: 'bad-record', times: 1 }],
      [10, { kind: 'duplicate-row', times: 3 }],
      [12, { kind: 'status', status: 500, persist: true }], // cleared after 10 minutes: reads fail past their retries, are reported, and read again later
      [14, { kind: 'malformed', times: 1 }],
      [16, { kind: 'status', status: 502, rate: 0.05 }],
    ];
    for (let minute = 0; minute < 24 * 60; minute += 10) {
      for (const [hour, fault] of faults) if (minute === hour * 60) sim.inject(fault);
      if (minute === 12 * 60 + 10 || minute === 17 * 60) sim.clearFaults();
      await clock.tickAsync(10 * MINUTE);
      if (minute % 60 === 0) sizes.push(stream.trackedCalls);
    }
    const end = Date.now();
    await stopUnder(clock!, stream);

    const truth = sim.calls();
    expect(truth.length).toBeGreaterThan(4_000);
    // Every call that ended with time to settle (200 s at most) and then be found, before the day's
    // end: held ones within settleMs, long ones by the next sweep (10 minutes) or slice.
    const firsts = checkDelivery(log.emissions, truth, end - 200_000 - 12 * MINUTE, settleMs);
    expect(firsts.size).toBeGreaterThan(4_000);

    // The late settlers went out unsettled after settleMs, then came back settled as an update.
    for (const t of late) {
      const first = firsts.get(t.sid);
      expect(first?.event.call.duration).toBeNull();
      const update = log.emissions.find((e) => e.event.type === 'callUpdated' && e.event.call.sid === t.sid);
      expect(update?.event.type === 'callUpdated' && update.event.changes).toEqual(expect.arrayContaining(['duration', 'price', 'endTime']));
    }

    // Corrections made after emission are updates (those the slices can still see).
    // (A correction can leave the value as it was, e.g. a 0 s duration corrected down: no update then.)
    const changes = (t: (typeof truth)[number]) =>
      t.corrections.some((c) => (c.fields.Duration !== undefined && Number(c.fields.Duration) !== t.durationSec) || (c.fields.Price !== undefined && Number(c.fields.Price) !== t.price));
    const corrected = truth.filter((t) => t.corrections.length > 0 && changes(t) && t.corrections.every((c) => c.at < t.startAt + lookbackMs - 10 * MINUTE && c.at < end - HOUR));
    expect(corrected.length).toBeGreaterThan(20);
    for (const t of corrected) {
      const first = firsts.get(t.sid)!;
      const lastCorrection = Math.max(...t.corrections.map((c) => c.at));
      if (first.at >= lastCorrection) continue; // emitted with the correction already in it
      const updates = log.emissions.filter((e) => e.event.type === 'callUpdated' && e.event.call.sid === t.sid && e.at >= lastCorrection);
      expect(updates.length, `an update for ${t.sid} corrected at ${lastCorrection}`).toBeGreaterThan(0);
    }
    // No update is ever a repeat of what was already known.
    for (const e of log.emissions) if (e.event.type === 'callUpdated') expect(e.event.changes.length).toBeGreaterThan(0);

    expect(sim.rateStats().maxInAnyWindow).toBeLessThanOrEqual(200);
    // Faults were reported, none fatal; the malformed record was reported and skipped.
    expect(log.errors.some((e) => e.code === 'ERR_EXOTEL_MALFORMED_RECORD')).toBe(true);
    expect(log.errors.some((e) => e.code === 'ERR_EXOTEL_SERVER')).toBe(true);
    expect(log.errors.every((e) => !e.fatal)).toBe(true);

    // Memory is bounded by the horizon: after the first lookback, the tracker neither grows nor shrinks much.
    const steady = sizes.slice(Math.ceil(lookbackMs / HOUR) + 2);
    expect(Math.max(...steady)).toBeLessThan(Math.min(...steady) * 1.6);
    expect(Math.max(...steady)).toBeLessThan(3 * ((lookbackMs + 20 * MINUTE) / MINUTE) * 1.5);
  }, 180_000);
});
