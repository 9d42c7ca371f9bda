/**
 * Paging through the simulator over real sockets: large listings in both orders, and every form of
 * "last page" the API may send. The simulator's clock is frozen; its rate limit is off.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import type { Simulator, SimulatorOptions } from '../../src/simulator/index.js';
import { ExotelClient } from '../../src/exotel/client.js';
import type { ExotelClientOptions } from '../../src/exotel/client.js';
import type { CallQuery } from '../../src/exotel/query.js';
import type { RawCall } from '../../src/exotel/types.js';

const NOW = Math.floor(Date.now() / 1000) * 1000 - 60_000;
const MIN = 60_000;
const clients: ExotelClient[] = [];
const sims: Simulator[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function simulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = createSimulator({ clock: { now: () => NOW }, rateLimit: false, settleDelayMs: 0, ...options });
  await sim.listen();
  sims.push(sim);
  return sim;
}

function clientFor(sim: Simulator, options: Partial<ExotelClientOptions> = {}): ExotelClient {
  const c = new ExotelClient({ accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token', baseUrl: sim.url, ...options });
  clients.push(c);
  return c;
}

async function collect(client: ExotelClient, query: CallQuery): Promise<RawCall[]> {
  const out: RawCall[] = [];
  for await (const page of client.listAll(query)) out.push(...page.calls);
  return out;
}

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

