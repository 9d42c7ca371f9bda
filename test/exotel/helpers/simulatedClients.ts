/**
 * Clients against simulators on real loopback sockets, with the simulator's clock frozen at `NOW`
 * and its rate limit off (the quota has its own tests under fake timers). Registers the hooks that
 * close every client after each test and every simulator after the file.
 */
import { afterAll, afterEach } from 'vitest';
import { createSimulator } from '../../../src/simulator/index.js';
import type { Simulator, SimulatorOptions } from '../../../src/simulator/index.js';
import { ExotelClient } from '../../../src/exotel/ExotelClient.js';
import type { ExotelClientOptions } from '../../../src/exotel/clientOptions.js';
import type { CallQuery } from '../../../src/exotel/buildCallQuery.js';
import type { RawCall } from '../../../src/exotel/types.js';

/** Whole seconds: the API has one-second resolution. */
export const NOW = Math.floor(Date.now() / 1000) * 1000 - 60_000;

export function simulatedClients(defaults: { simulator?: SimulatorOptions; client?: Partial<ExotelClientOptions> } = {}) {
  const clients: ExotelClient[] = [];
  const sims: Simulator[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
  });

  async function simulator(options: SimulatorOptions = {}): Promise<Simulator> {
    const sim = createSimulator({ clock: { now: () => NOW }, rateLimit: false, settleDelayMs: 0, ...defaults.simulator, ...options });
    await sim.listen();
    sims.push(sim);
    return sim;
  }

  function clientFor(sim: Simulator, options: Partial<ExotelClientOptions> = {}): ExotelClient {
    const c = new ExotelClient({ accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token', baseUrl: sim.url, ...defaults.client, ...options });
    clients.push(c);
    return c;
  }

  /** Every record of a listing, page after page. */
  async function collect(client: ExotelClient, query: CallQuery): Promise<RawCall[]> {
    const out: RawCall[] = [];
    for await (const page of client.listAll(query)) out.push(...page.calls);
    return out;
  }

  return { simulator, clientFor, collect };
}
