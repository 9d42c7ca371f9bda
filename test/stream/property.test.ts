import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSimulator } from '../../src/simulator/index.js';
import type { FaultSpec, SimulatedCall } from '../../src/simulator/index.js';
import { createCallStream } from '../../src/stream/createCallStream.js';
import { memoryStore } from '../../src/stores/memoryStore.js';
import { SimulatorDispatcher } from '../../src/simulator/SimulatorDispatcher.js';
import { SIM_ACCOUNT, checkDelivery, installClock, record, stopUnder } from './harness.js';
import type { Emission } from './harness.js';
import type { ExotelError } from '../../src/exotel/errors.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);
const SETTLE_MS = 120_000;
const LOOKBACK_MS = 3_600_000;
const POLL_MS = 30_000;

const callArb = fc.record({
  startSec: fc.integer({ min: 0, max: 100 * 60 }),
  ringSec: fc.integer({ min: 0, max: 40 }),
  talkSec: fc.oneof(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 120, max: 50 * 60 })),
  status: fc.constantFrom('completed', 'completed', 'busy', 'no-answer', 'failed', 'canceled'),
  // Up to 6.5 minutes: some settle after settleMs and go out unsettled.
  settleSec: fc.integer({ min: 0, max: 390 }),
  correction: fc.option(fc.record({ afterSec: fc.integer({ min: 1, max: 900 }), priceMilli: fc.integer({ min: 1, max: 9_000 }) }), { nil: undefined }),
});

const faultArb = fc.record({
  atMin: fc.integer({ min: 0, max: 150 }),
  kind: fc.constantFrom<FaultSpec['kind']>('status', 'rate-limit', 'reset', 'truncated', 'malformed', 'duplicate-row', 'bad-record'),
  times: fc.integer({ min: 1, max: 4 }),
});

const restartArb = fc.record({ atMin: fc.integer({ min: 5, max: 140 }), downMin: fc.integer({ min: 0, max: 40 }) });

const scenarioArb = fc.record({
  calls: fc.array(callArb, { minLength: 1, maxLength: 25 }),
  faults: fc.array(faultArb, { maxLength: 5 }),
  restarts: fc.uniqueArray(restartArb, { maxLength: 3, selector: (r) => r.atMin }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

async function run(scenario: Scenario) {
  const clock = installClock(T0);
  try {
    const sim = createSimulator({ seed: 9 });
    const truth: SimulatedCall[] = scenario.calls.map((c) =>
      sim.addCall({
        startAt: T0 + c.startSec * 1000,
        ringMs: c.ringSec * 1000,
        talkMs: c.status === 'completed' ? Math.max(1, c.talkSec) * 1000 : 0,
        status: c.status,
        settleDelayMs: c.settleSec * 1000,
        ...(c.correction ? { corrections: [{ afterMs: c.correction.afterSec * 1000, fields: { Price: c.correction.priceMilli / 1000 } }] } : {}),
      }),
    );
    const store = memoryStore();
    const emissions: Emission[] = [];
    const errors: ExotelError[] = [];
    const faults = [...scenario.faults].sort((a, b) => a.atMin - b.atMin);
    const restarts = [...scenario.restarts].sort((a, b) => a.atMin - b.atMin);
    const horizonMin = 170;

    let minute = 0;
    let session = 0;
    const startStream = () => {
      const stream = createCallStream({
        ...SIM_ACCOUNT,
        baseUrl: 'http://127.0.0.1:9',
        dispatcher: new SimulatorDispatcher(sim),
        pollIntervalMs: POLL_MS,
        lookbackMs: LOOKBACK_MS,
        settleMs: SETTLE_MS,
        store,
        retries: 3,
      });
      record(stream, { emissions, errors });
      session += 1;
      return stream;
    };
    let stream = startStream();
    while (minute < horizonMin) {
      for (const f of faults) {
        if (f.atMin === minute) sim.inject({ kind: f.kind, times: f.times, ...(f.kind === 'status' ? { status: 503 } : {}), ...(f.kind === 'rate-limit' ? { retryAfterSeconds: 1 } : {}) });
      }
      await clock.tickAsync(MINUTE);
      minute += 1;
      const restart = restarts.find((r) => r.atMin === minute);
      if (restart) {
        await stopUnder(clock, stream);
        await clock.tickAsync(restart.downMin * MINUTE);
        stream = startStream();
      }
    }
    await stopUnder(clock, stream);
    const end = Date.now();

    // Delivery: once per Sid across every session, on the right stream, never before settled or held settleMs.
    // Due: calls that ended with time to settle (6.5 min at most) and be found by a sweep or slice.
    checkDelivery(emissions, truth, end - 390_000 - 10 * MINUTE, SETTLE_MS);
    expect(errors.filter((e) => e.fatal)).toEqual([]);
    for (const e of emissions) if (e.event.type === 'callUpdated') expect(e.event.changes.length).toBeGreaterThan(0);
    // The last thing emitted about a call carries its latest price, when the price moved in time to be read again.
    for (const t of truth) {
      const finalPrice = t.corrections.length > 0 ? Number(t.corrections.at(-1)!.fields.Price) : t.price;
      const lastChange = Math.max(t.settledAt, ...t.corrections.map((c) => c.at));
      if (lastChange > end - 40 * MINUTE || lastChange > t.startAt + LOOKBACK_MS - 10 * MINUTE) continue;
      const last = emissions.filter((e) => e.event.call.sid === t.sid).at(-1);
      expect(last?.event.call.price, `latest price of ${t.sid}`).toBe(finalPrice);
    }
    return session;
  } finally {
    clock.uninstall();
  }
}

describe('property: random schedules, settle delays, corrections, faults and restarts', () => {
  it('every ended call once, on the right stream, never early, corrections as updates', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        await run(scenario);
      }),
      { numRuns: 6, seed: Number(process.env.FC_SEED ?? 20260115), endOnFailure: true },
    );
  }, 120_000);
});
