import { afterEach, describe, expect, it } from 'vitest';
import { LIST, T0, start } from './helpers.js';
import type { Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function burst(harness: Harness, n: number, stepMs = 0): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    statuses.push((await harness.get(LIST)).status);
    harness.clock.advance(stepMs);
  }
  return statuses;
}

describe('rate limit', () => {
  it('answers 429 with a RestException and Retry-After in seconds past 200 requests in 60 s', async () => {
    h = await start();
    const statuses = await burst(h, 200, 100); // 200 requests over 20 s
    expect(statuses.every((s) => s === 200)).toBe(true);
    const res = await h.get(LIST);
    expect(res.status).toBe(429);
    expect(res.json.RestException.Status).toBe(429);
    // The oldest request (at T0) leaves the window at T0 + 60 s; now is T0 + 20 s.
    expect(res.headers.get('retry-after')).toBe('40');
  });

  it('Retry-After as an HTTP date, or absent', async () => {
    h = await start({ rateLimit: { requestsPerMinute: 2, retryAfter: 'http-date' } });
    await burst(h, 2);
    const res = await h.get(LIST);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe(new Date(T0 + 60_000).toUTCString());
    await h.close();

    h = await start({ rateLimit: { requestsPerMinute: 2, retryAfter: false } });
    await burst(h, 2);
    const none = await h.get(LIST);
    expect(none.status).toBe(429);
    expect(none.headers.get('retry-after')).toBeNull();
  });

  it('slides the 60 s window by the simulator clock', async () => {
    h = await start({ rateLimit: { requestsPerMinute: 3 } });
    await burst(h, 3, 20_000); // at 0 s, 20 s, 40 s; now 60 s
    h.clock.set(T0 + 59_999);
    expect((await h.get(LIST)).status).toBe(429); // the one at 0 s is still inside
    h.clock.set(T0 + 60_000);
    expect((await h.get(LIST)).status).toBe(200); // it has left: room for one
    expect((await h.get(LIST)).status).toBe(429);
    h.clock.set(T0 + 80_000);
    expect((await h.get(LIST)).status).toBe(200);
    expect(h.sim.rateStats()).toEqual({ total: 7, rejected: 2, maxInAnyWindow: 5 });
  });

  it('counts per account, and rejected requests do not use the quota', async () => {
    h = await start({
      rateLimit: { requestsPerMinute: 2 },
      accounts: [
        { accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token' },
        { accountSid: 'b2', apiKey: 'b-key', apiToken: 'b-token' },
      ],
    });
    expect(await burst(h, 4)).toEqual([200, 200, 429, 429]);
    const b = await h.get('/v1/Accounts/b2/Calls.json', { auth: `Basic ${Buffer.from('b-key:b-token').toString('base64')}` });
    expect(b.status).toBe(200);
    h.clock.advance(60_000);
    expect(await burst(h, 3)).toEqual([200, 200, 429]);
    expect(h.sim.history.filter((r) => r.status === 429)).toHaveLength(3);
  });

  it('rateStats().maxInAnyWindow counts accepted and rejected requests of one account', async () => {
    h = await start({ rateLimit: false });
    await burst(h, 30, 3_000); // 30 requests over 90 s: 20 in any 60 s window
    expect(h.sim.rateStats()).toEqual({ total: 30, rejected: 0, maxInAnyWindow: 20 });
  });
});
