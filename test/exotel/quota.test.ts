/**
 * The per-account quota against the simulator, under a fake clock: minutes of requests in
 * milliseconds, over real sockets. Each test has its own client (and so its own undici Agent),
 * closed after the clock is uninstalled (see TOOLCHAIN.md, undici under fake timers).
 */
import FakeTimers from '@sinonjs/fake-timers';
import type { Clock } from '@sinonjs/fake-timers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import type { Simulator, SimulatorOptions } from '../../src/simulator/index.js';
import { ExotelClient } from '../../src/exotel/ExotelClient.js';
import type { ExotelClientOptions } from '../../src/exotel/clientOptions.js';
import type { CallPage } from '../../src/exotel/paging.js';

const START = Math.floor(Date.now() / 60_000) * 60_000;
let clock: Clock;
let sim: Simulator | undefined;
let client: ExotelClient | undefined;

beforeEach(() => {
  // setImmediate and nextTick stay real: socket I/O needs them.
  clock = FakeTimers.install({ now: START, toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});
afterEach(async () => {
  clock.uninstall();
  await client?.close();
  await sim?.close();
  client = undefined;
  sim = undefined;
});

async function setup(simOptions: SimulatorOptions, clientOptions: Partial<ExotelClientOptions> = {}): Promise<ExotelClient> {
  // The simulator's default clock reads Date.now(): the fake one.
  sim = createSimulator({ settleDelayMs: 0, ...simOptions });
  for (let i = 0; i < 50; i++) sim.addCall({ startAt: START - 3600_000 + i * 30_000 });
  await sim.listen();
  client = new ExotelClient({ accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token', baseUrl: sim.url, ...clientOptions });
  return client;
}

const realTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Drives the fake clock in small steps, letting real I/O happen between them, until all settle. */
async function drive<T>(promises: Array<Promise<T>>, stepMs = 200): Promise<PromiseSettledResult<T>[]> {
  let done = false;
  const all = Promise.allSettled(promises).finally(() => (done = true));
  for (let i = 0; !done && i < 200_000; i++) {
    await clock.tickAsync(stepMs);
    for (let j = 0; j < 3; j++) await realTurn();
  }
  return all;
}

describe('the quota against the simulator', () => {
  it('sends far more than 200 requests without ever exceeding 200 in any 60-second window', async () => {
    const c = await setup({});
    const query = (priority: number) => ({ dateCreated: { gte: START - 7200_000, lte: START }, pageSize: priority + 1 });
    const requests: Array<Promise<CallPage>> = [];
    for (let i = 0; i < 700; i++) {
      const priority = [5, 9, 0, 7, 3][i % 5]!;
      requests.push(c.listPage(query(priority), { priority }));
    }
    const results = await drive(requests);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const stats = sim!.rateStats();
    expect(stats.total).toBe(700);
    expect(stats.rejected).toBe(0);
    expect(stats.maxInAnyWindow).toBeLessThanOrEqual(200);
    expect(stats.maxInAnyWindow).toBeGreaterThanOrEqual(190);
    // 700 requests at 200 a minute take over three minutes, and not much more.
    const span = sim!.history.at(-1)!.at - sim!.history[0]!.at;
    expect(span).toBeGreaterThan(3 * 60_000);
    expect(span).toBeLessThan(4 * 60_000);
    // Once the first 200 have gone, queued requests leave by priority (pageSize = priority + 1).
    const queued = sim!.history.slice(200).map((r) => Number(r.query.PageSize) - 1);
    const inversions = queued.filter((p, i) => i > 0 && p < queued[i - 1]!).length;
    expect(inversions).toBeLessThanOrEqual(3);
    expect(c.stats()).toMatchObject({ requests: 700, retries: 0, rateLimited: 0 });
  });

  it('honours Retry-After when the server is stricter than the client, and still heals', async () => {
    const retryDelays: number[] = [];
    const c = await setup(
      { rateLimit: { requestsPerMinute: 50, retryAfter: 'seconds' } },
      { retries: 20, onRetry: ({ delayMs, error }) => error.code === 'ERR_EXOTEL_RATE_LIMITED' && retryDelays.push(delayMs) },
    );
    const requests = Array.from({ length: 120 }, () => c.listPage({ pageSize: 5 }));
    const results = await drive(requests);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(c.stats().rateLimited).toBeGreaterThan(0);
    expect(retryDelays.length).toBeGreaterThan(0);
    // Waits come from Retry-After (whole seconds), not from the 1 s backoff.
    expect(retryDelays.every((d) => d % 1000 === 0 && d >= 1000 && d <= 60_000)).toBe(true);
    // Accepted requests never exceed the server's limit; the client never sends more than its own.
    expect(sim!.rateStats().maxInAnyWindow).toBeLessThanOrEqual(200);
    const accepted = sim!.history.filter((r) => r.status === 200).map((r) => r.at);
    let maxAccepted = 0;
    for (let lo = 0, hi = 0; hi < accepted.length; hi++) {
      while (accepted[hi]! - accepted[lo]! >= 60_000) lo++;
      maxAccepted = Math.max(maxAccepted, hi - lo + 1);
    }
    expect(maxAccepted).toBeLessThanOrEqual(50);
  });

  it.each([
    ['an HTTP date', 'http-date' as const],
    ['absent', false as const],
  ])('heals when the Retry-After of a 429 is %s', async (_what, retryAfter) => {
    const retryDelays: number[] = [];
    const c = await setup(
      { rateLimit: { requestsPerMinute: 50, retryAfter } },
      { retries: 20, onRetry: ({ delayMs, error }) => error.code === 'ERR_EXOTEL_RATE_LIMITED' && retryDelays.push(delayMs) },
    );
    const results = await drive(Array.from({ length: 80 }, () => c.listPage({ pageSize: 5 })));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(retryDelays.length).toBeGreaterThan(0);
    if (retryAfter === 'http-date') {
      // Measured against the response's own Date: whole seconds, never negative, never past the window.
      expect(retryDelays.every((d) => d % 1000 === 0 && d >= 1000 && d <= 61_000)).toBe(true);
    } else {
      // No header: the client's own exponential backoff (1 s doubling, capped at 30 s), never 0.
      expect(retryDelays.every((d) => d >= 1000 && d <= 30_000)).toBe(true);
      expect(Math.max(...retryDelays)).toBeGreaterThanOrEqual(8000);
    }
  });

  it("holds every request after a 429 until its Retry-After has passed, not only the one that got it", async () => {
    const c = await setup({}, { retries: 3 });
    sim!.inject({ kind: 'rate-limit', retryAfter: 'seconds', retryAfterSeconds: 20 });
    const results = await drive(Array.from({ length: 6 }, (_, i) => c.listPage({ pageSize: i + 1 })), 100);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const limited = sim!.history.filter((r) => r.status === 429);
    expect(limited).toHaveLength(1);
    const pausedAt = limited[0]!.at;
    // Requests already on their way may land with the 429; nothing is sent in the 20 s after it.
    const during = sim!.history.filter((r) => r.at > pausedAt && r.at < pausedAt + 20_000);
    expect(during).toEqual([]);
    expect(sim!.history.filter((r) => r.at >= pausedAt + 20_000).length).toBeGreaterThanOrEqual(1);
    expect(c.stats().rateLimited).toBe(1);
  });

  it('gives up waiting out a 429 when the client closes', async () => {
    const c = await setup({}, { retries: 3 });
    sim!.inject({ kind: 'rate-limit', retryAfter: 'seconds', retryAfterSeconds: 60 });
    const pending = Array.from({ length: 4 }, (_, i) => c.listPage({ pageSize: i + 1 }));
    for (let i = 0; i < 50 && !sim!.history.some((r) => r.status === 429); i++) {
      await clock.tickAsync(100);
      await realTurn();
    }
    const limited = sim!.history.filter((r) => r.status === 429);
    expect(limited).toHaveLength(1);
    const pausedAt = limited[0]!.at;
    const closing = c.close();
    const results = await drive([...pending, closing.then(() => undefined as never)], 100);
    // Each request gave up without waiting out the minute...
    expect(Date.now() - START).toBeLessThan(60_000);
    for (const r of results.slice(0, 4)) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'ERR_ABORTED' });
    expect(results.slice(0, 4).some((r) => r.status === 'rejected')).toBe(true);
    // ...and none was sent after the 429: not while the pause held them, not once the client had closed.
    await clock.tickAsync(120_000);
    for (let i = 0; i < 5; i++) await realTurn();
    expect(sim!.history.filter((r) => r.at > pausedAt)).toEqual([]);
    expect(c.stats().requests).toBe(sim!.history.length);
  });

  it('backs off exponentially on 5xx, each retry queued again through the limiter', async () => {
    const delays: number[] = [];
    const c = await setup({}, { retries: 4, onRetry: ({ delayMs }) => delays.push(delayMs) });
    sim!.inject({ kind: 'status', status: 503, times: 4 });
    const [result] = await drive([c.listPage({ pageSize: 5 })], 100);
    expect(result?.status).toBe('fulfilled');
    expect(delays).toHaveLength(4);
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(1000 * 2 ** i);
      expect(d).toBeLessThan(2000 * 2 ** i);
    });
    const times = sim!.history.map((r) => r.at);
    // Each attempt came after its backoff delay had passed.
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(delays[i - 1]! - 1);
    expect(c.stats()).toMatchObject({ requests: 5, retries: 4 });
  });
});
