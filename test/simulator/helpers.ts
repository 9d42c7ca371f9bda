import { formatNaive } from '../../src/exotel/time.js';
import { createSimulator } from '../../src/simulator/index.js';
import type { Simulator, SimulatorOptions } from '../../src/simulator/index.js';

export const T0 = Date.UTC(2025, 0, 15, 6, 0, 0); // 11:30 in Asia/Kolkata
export const AUTH = `Basic ${Buffer.from('sim-key:sim-token').toString('base64')}`;
export const TZ = 'Asia/Kolkata';

/** A clock tests move by hand. */
export function manualClock(start = T0) {
  let t = start;
  return {
    now: () => t,
    set: (ms: number) => {
      t = ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

export interface Harness {
  sim: Simulator;
  clock: ReturnType<typeof manualClock>;
  url: string;
  get(path: string, init?: { auth?: string | null }): Promise<{ status: number; headers: Headers; text: string; json: any }>;
  close(): Promise<void>;
}

export async function start(options: SimulatorOptions = {}, startAt = T0): Promise<Harness> {
  const clock = manualClock(startAt);
  const sim = createSimulator({ clock, ...options });
  const { url } = await sim.listen();
  return {
    sim,
    clock,
    url,
    async get(path, init = {}) {
      const auth = init.auth === undefined ? AUTH : init.auth;
      const res = await fetch(`${url}${path}`, { headers: auth === null ? {} : { authorization: auth } });
      const text = await res.text();
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, text, json };
    },
    close: () => sim.close(),
  };
}

/** `DateCreated=gte:...;lte:...` encoded as URLSearchParams would (spaces as `+`). */
export function dateCreated(fromMs: number, toMs: number): string {
  return new URLSearchParams({ DateCreated: `gte:${formatNaive(fromMs, TZ)};lte:${formatNaive(toMs, TZ)}` }).toString();
}

export const LIST = '/v1/Accounts/acme1/Calls.json';
