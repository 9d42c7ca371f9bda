/**
 * The client's injected clock: backoff waits, the 429 pause and a query's "now" run on it, not on
 * `Date.now()` and the global timers. Real sockets (a scripted server), no fake timers: only the
 * injected clock moves time, so nothing here can pass by waiting on the real one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExotelClient } from '../../src/exotel/ExotelClient.js';
import type { ClientClock } from '../../src/exotel/clock.js';
import { InvalidOptionError } from '../../src/exotel/errors.js';
import { json, listBody, startServer } from './helpers/scriptedServer.js';
import type { ScriptedServer } from './helpers/scriptedServer.js';

/** A clock that moves only when told to, and fires its timers then. */
function manualClock(start: number) {
  let now = start;
  let next = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const clock: ClientClock & { advance(ms: number): void; pending(): number[] } = {
    now: () => now,
    setTimeout(callback, ms) {
      timers.set(++next, { at: now + ms, callback });
      return next;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at > now) continue;
        timers.delete(id);
        timer.callback();
      }
    },
    pending: () => [...timers.values()].map((t) => t.at - now),
  };
  return clock;
}

/** Lets real I/O and the client's promise chains run (a few turns of the real event loop). */
const settle = async (turns = 20) => {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !condition(); i++) await settle(1);
  expect(condition()).toBe(true);
}

let server: ScriptedServer;
let client: ExotelClient | undefined;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  await server.close();
});

const make = (clock: ClientClock, options: Record<string, unknown> = {}) =>
  (client = new ExotelClient({ accountSid: 'acme1', apiKey: 'k', apiToken: 't', baseUrl: server.url, clock, ...options }));

describe('the injected clock', () => {
  it('times the backoff before a retry: the retry waits until that clock has moved', async () => {
    const clock = manualClock(Date.now());
    const delays: number[] = [];
    const c = make(clock, { retryMinTimeoutMs: 1_000, retryMaxTimeoutMs: 1_000, onRetry: ({ delayMs }: { delayMs: number }) => delays.push(delayMs) });
    server.next(json(503, { RestException: { Status: 503, Message: 'busy' } }), json(200, listBody(['a'], null)));
    const page = c.listPage({});
    await until(() => clock.pending().length === 1);
    expect(delays).toEqual([1_000]);
    expect(clock.pending()).toEqual([1_000]);
    // However long the real clock runs, nothing is sent until the injected one has moved.
    await settle(200);
    expect(server.requests).toHaveLength(1);
    clock.advance(999);
    await settle();
    expect(server.requests).toHaveLength(1);
    clock.advance(1);
    expect((await page).calls.map((r) => r.Sid)).toEqual(['a']);
    expect(server.requests).toHaveLength(2);
  });

  it("holds every request for a 429's Retry-After on that clock", async () => {
    const clock = manualClock(Date.now());
    const c = make(clock, { retries: 2 });
    server.next(json(429, { RestException: { Status: 429, Message: 'slow down' } }, { 'retry-after': '20' }));
    server.fallback = json(200, listBody(['b'], null));
    const first = c.listPage({ pageSize: 1 });
    await until(() => clock.pending().length > 0);
    const second = c.listPage({ pageSize: 2 });
    await settle(200);
    // The retry of the first and the second request both wait out the 20 s on the injected clock.
    expect(server.requests).toHaveLength(1);
    clock.advance(19_999);
    await settle();
    expect(server.requests).toHaveLength(1);
    clock.advance(1);
    await until(() => server.requests.length === 3);
    for (let i = 0; i < 5 && clock.pending().length > 0; i++) {
      clock.advance(20_000);
      await settle();
    }
    await Promise.all([first, second]);
    expect(c.stats()).toMatchObject({ requests: 3, retries: 1, rateLimited: 1 });
  });

  it("is the 'now' of a query's six-month check, plus the server's offset", async () => {
    const year = 365 * 86_400_000;
    const c = make(manualClock(Date.now() + year));
    // Yesterday on the real clock is a year and a day ago on the client's: older than six months.
    await expect(c.listPage({ dateCreated: { gte: Date.now() - 86_400_000, lte: Date.now() } })).rejects.toThrow(/no older than 6 months/);
    await expect(c.listPage({ dateCreated: { gte: Date.now() - 86_400_000, lte: Date.now() } })).rejects.toBeInstanceOf(InvalidOptionError);
    expect(server.requests).toHaveLength(0);
  });

  it('is an option checked where it enters', () => {
    expect(() => make({ now: () => 0 } as unknown as ClientClock)).toThrow(/`clock` to be a clock with `now\(\)`, `setTimeout\(callback, ms\)` and `clearTimeout\(handle\)`/);
  });
});
