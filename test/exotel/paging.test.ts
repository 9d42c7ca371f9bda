/**
 * Paging through the simulator over real sockets: large listings in both orders, and every form of
 * "last page" the API may send. The simulator's clock is frozen; its rate limit is off.
 */
import { describe, expect, it } from 'vitest';
import { NOW, simulatedClients } from './helpers/simulatedClients.js';

const MIN = 60_000;
const { simulator, clientFor, collect } = simulatedClients();

describe('paging a large listing', () => {
  it('reads more than 10,000 records in both orders, none lost, none repeated', async () => {
    const sim = await simulator({ traffic: { callsPerMinute: 150, startAt: NOW - 80 * MIN } });
    // Two listings take over 200 requests: the quota (tested under fake timers) would pause this one a minute.
    const client = clientFor(sim, { maxRequestsPerMinute: 10_000 });
    const window = { gte: NOW - 85 * MIN, lte: NOW };
    const truth = sim
      .calls()
      .filter((c) => c.recordAt(NOW) !== undefined && c.startAt >= window.gte)
      .map((c) => c.sid)
      .sort();
    expect(truth.length).toBeGreaterThan(10_000);
    for (const sortBy of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      let pages = 0;
      let total: number | null = null;
      for await (const page of client.listAll({ dateCreated: window, pageSize: 100, sortBy })) {
        pages++;
        total ??= page.total;
        for (const r of page.calls) seen.push(r.Sid);
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.sort()).toEqual(truth);
      expect(total).toBe(truth.length);
      expect(pages).toBe(Math.ceil(truth.length / 100));
    }
  });

  it.each(['link-to-empty-page', 'null', 'empty-string', 'omitted'] as const)('stops after the last page when it is %s, page URIs anywhere', async (lastPage) => {
    const sim = await simulator({ lastPage, pageUris: lastPage === 'omitted' ? 'top-level' : 'metadata' });
    for (let i = 0; i < 25; i++) sim.addCall({ startAt: NOW - 20 * MIN + i * 1000 });
    const client = clientFor(sim);
    const before = sim.history.length;
    const all = await collect(client, { dateCreated: { gte: NOW - 30 * MIN, lte: NOW }, pageSize: 5, sortBy: 'asc' });
    expect(all).toHaveLength(25);
    expect(sim.history.length - before).toBe(lastPage === 'link-to-empty-page' ? 6 : 5);
  });
});

