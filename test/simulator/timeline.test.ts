import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import { AUTH, LIST, T0, manualClock } from './helpers.js';

const MIN = 60_000;

async function list(sim: ReturnType<typeof createSimulator>, query = '') {
  const res = await sim.handle({ method: 'GET', url: `${LIST}?${query}`, headers: { authorization: AUTH } });
  expect(res.status, res.body).toBe(200);
  return JSON.parse(res.body) as { Metadata: { Total: number }; Calls: Array<Record<string, unknown>> };
}

describe('settle and correction timeline', () => {
  it('lists a call once it ends; fills Duration, Price, EndTime, RecordingUrl, details when it settles; corrections move DateUpdated', async () => {
    const clock = manualClock(T0);
    const sim = createSimulator({ clock, rateLimit: false });
    const call = sim.addCall({
      startAt: T0,
      ringMs: 10_000,
      talkMs: 50_000,
      settleDelayMs: 2 * MIN,
      price: 1,
      corrections: [
        { afterMs: 5 * MIN, fields: { Price: 1.25 } },
        { afterMs: 10 * MIN, fields: { Duration: 58, RecordingUrl: null } },
      ],
    });
    expect(call).toMatchObject({ startAt: T0, endAt: T0 + MIN, settledAt: T0 + 3 * MIN, status: 'completed', direction: 'inbound', durationSec: 60, price: 1 });
    expect(call.corrections).toEqual([
      { at: T0 + 8 * MIN, fields: { Price: 1.25 } },
      { at: T0 + 13 * MIN, fields: { Duration: 58, RecordingUrl: null } },
    ]);

    clock.set(T0 + MIN - 1);
    expect((await list(sim)).Calls).toEqual([]);
    expect(call.recordAt(clock.now())).toBeUndefined();

    clock.set(T0 + MIN);
    const ended = (await list(sim, 'details=true')).Calls[0]!;
    expect(ended).toMatchObject({ Status: 'completed', EndTime: '', Duration: '', Price: '', RecordingUrl: '', DateUpdated: '2025-01-15 11:31:00' });
    expect(ended.Details).toEqual({
      ConversationDuration: '',
      Legs: [{ Leg: { Id: 1, OnCallDuration: '' } }, { Leg: { Id: 2, OnCallDuration: '' } }],
      Leg1Status: null,
      Leg2Status: null,
    });
    expect(ended).toEqual(call.recordAt(clock.now(), { details: true }));

    clock.set(T0 + 3 * MIN);
    const settled = (await list(sim, 'details=true')).Calls[0]!;
    expect(settled).toMatchObject({
      EndTime: '2025-01-15 11:31:00',
      Duration: '60',
      Price: '1.000',
      DateUpdated: '2025-01-15 11:33:00',
      RecordingUrl: `https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/acme1/${call.sid}.mp3`,
    });
    expect(settled.Details).toMatchObject({ ConversationDuration: 50, Leg1Status: 'completed', Leg2Status: 'completed' });

    clock.set(T0 + 8 * MIN);
    expect((await list(sim)).Calls[0]).toMatchObject({ Price: '1.250', Duration: '60', DateUpdated: '2025-01-15 11:38:00' });
    expect((await list(sim, 'Price=eq:1.25')).Metadata.Total).toBe(1);

    clock.set(T0 + 13 * MIN);
    expect((await list(sim)).Calls[0]).toMatchObject({ Price: '1.250', Duration: '58', RecordingUrl: '', DateUpdated: '2025-01-15 11:43:00' });
    expect((await list(sim, 'Duration=eq:58s')).Metadata.Total).toBe(1);
    expect((await list(sim, 'Duration=eq:60s')).Metadata.Total).toBe(0);
  });

  it('a Status correction changes what the Status filter matches', async () => {
    const clock = manualClock(T0 + 20 * MIN);
    const sim = createSimulator({ clock });
    sim.addCall({ startAt: T0, status: 'completed', settleDelayMs: 0, corrections: [{ afterMs: 10 * MIN, fields: { Status: 'failed' } }] });
    clock.set(T0 + 5 * MIN);
    expect((await list(sim, 'Status=completed')).Metadata.Total).toBe(1);
    clock.set(T0 + 12 * MIN);
    expect((await list(sim, 'Status=completed')).Metadata.Total).toBe(0);
    expect((await list(sim, 'Status=failed')).Calls[0]!.Status).toBe('failed');
  });

  it('numbersAsStrings: false and emptyValue: null', async () => {
    const clock = manualClock(T0);
    const sim = createSimulator({ clock, numbersAsStrings: false, emptyValue: 'null' });
    sim.addCall({ startAt: T0 - 10 * MIN, ringMs: 2_000, talkMs: 15_000, settleDelayMs: 0, price: 0.75 });
    sim.addCall({ startAt: T0 - 2 * MIN, settleDelayMs: 10 * MIN });
    const [unsettled, settled] = (await list(sim)).Calls;
    expect(settled).toMatchObject({ Duration: 17, Price: 0.75 });
    expect(unsettled).toMatchObject({ Duration: null, Price: null, EndTime: null, RecordingUrl: null });
  });

  it('settleDelayMs as a range is seeded: the same seed settles the same calls at the same times', () => {
    const settle = (seed: number) => {
      const sim = createSimulator({ clock: { now: () => T0 }, seed, settleDelayMs: { min: 1_000, max: 100_000 } });
      return Array.from({ length: 20 }, (_, i) => sim.addCall({ startAt: T0 - i * 1000 }).settledAt - (T0 - i * 1000));
    };
    const a = settle(3);
    expect(settle(3)).toEqual(a);
    expect(settle(4)).not.toEqual(a);
    for (const d of a) {
      expect(d).toBeGreaterThanOrEqual(65_000 + 1_000);
      expect(d).toBeLessThanOrEqual(65_000 + 100_000);
    }
  });
});
