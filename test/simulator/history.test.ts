import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import { AUTH, LIST, manualClock } from './helpers.js';

describe('history', () => {
  it('keeps the newest `historyLimit` requests, so a long-running simulator stays bounded', async () => {
    const clock = manualClock();
    const sim = createSimulator({ clock, historyLimit: 10, rateLimit: false });
    for (let i = 1; i <= 45; i++) {
      await sim.handle({ method: 'GET', url: `${LIST}?PageSize=${i}`, headers: { authorization: AUTH } });
    }
    expect(sim.history.length).toBeGreaterThanOrEqual(10);
    expect(sim.history.length).toBeLessThanOrEqual(11);
    expect(sim.history.at(-1)?.query.PageSize).toBe('45');
    expect(sim.rateStats().total).toBe(45);
  });

  it('keeps everything with Infinity, past the default limit (100,000, trimmed beyond 110,000)', async () => {
    const sim = createSimulator({ clock: manualClock(), historyLimit: Infinity, rateLimit: false });
    // Unrouted paths: the cheapest requests the history records.
    const requests = 110_001;
    for (let i = 0; i < requests; i++) await sim.handle({ method: 'GET', url: `/nowhere/${i}`, headers: {} });
    expect(sim.history).toHaveLength(requests);
    expect(sim.history[0]!.path).toBe('/nowhere/0');
    expect(sim.history.at(-1)!.path).toBe(`/nowhere/${requests - 1}`);
  });

  it('rejects a limit that is not a positive integer or Infinity', () => {
    expect(() => createSimulator({ historyLimit: 0 })).toThrow(/`historyLimit`.*`0`/);
    expect(() => createSimulator({ historyLimit: 2.5 })).toThrow(/`historyLimit`/);
  });
});
