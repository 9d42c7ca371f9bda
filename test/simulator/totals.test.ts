import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import { AUTH, LIST, T0, dateCreated, manualClock } from './helpers.js';

const MIN = 60_000;
const get = async (sim: ReturnType<typeof createSimulator>, url: string) => {
  const res = await sim.handle({ method: 'GET', url, headers: { authorization: AUTH } });
  expect(res.status, res.body).toBe(200);
  return res.body;
};

describe('Total', () => {
  it('Total agrees with the ground truth over many blocks, as time passes and calls are inserted', async () => {
    const clock = manualClock(T0 + 150 * MIN);
    const sim = createSimulator({ clock, rateLimit: false, settleDelayMs: { min: 60_000, max: 600_000 }, traffic: { callsPerMinute: 150, startAt: T0 } });
    const queries = [
      '',
      'Status=completed',
      'Status=busy,no-answer&Direction=inbound',
      'Duration=gte:45s',
      'Duration=gte:300s',
      'Duration=lte:30s',
      'Price=gte:1',
      'PhoneNumber=%2B918047000003',
    ];
    const check = async () => {
      const now = clock.now();
      const from = now - 140 * MIN;
      const truth = sim.calls({ from: Math.floor(from / 1000) * 1000 }).map((c) => c.recordAt(now)).filter((r) => r !== undefined);
      const num = (v: unknown) => (v === '' ? null : Number(v));
      const preds: Array<(r: (typeof truth)[number]) => boolean> = [
        () => true,
        (r) => r.Status === 'completed',
        (r) => (r.Status === 'busy' || r.Status === 'no-answer') && r.Direction === 'inbound',
        (r) => num(r.Duration) !== null && num(r.Duration)! >= 45,
        (r) => num(r.Duration) !== null && num(r.Duration)! >= 300,
        (r) => num(r.Duration) !== null && num(r.Duration)! <= 30,
        (r) => num(r.Price) !== null && num(r.Price)! >= 1,
        (r) => r.PhoneNumber === '+918047000003',
      ];
      for (const [i, query] of queries.entries()) {
        const body = JSON.parse(await get(sim, `${LIST}?${dateCreated(from, now)}&${query}`));
        expect(body.Metadata.Total, query).toBe(truth.filter(preds[i]!).length);
      }
    };
    await check(); // fills the block caches
    clock.advance(7 * MIN);
    await check();
    // A scripted call in the middle moves every id behind it.
    sim.addCall({ startAt: T0 + 60 * MIN, talkMs: 400_000, settleDelayMs: 0, corrections: [{ afterMs: 30 * MIN, fields: { Duration: 9 } }] });
    await check();
    clock.advance(40 * MIN);
    await check();
  });

});
