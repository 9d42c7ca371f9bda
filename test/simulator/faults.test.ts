import { afterEach, describe, expect, it } from 'vitest';
import FakeTimers from '@sinonjs/fake-timers';
import { Agent, request } from 'undici';
import { SimulatorResetError, createSimulator, isSimulatorResetError } from '../../src/simulator/index.js';
import type { FaultSpec } from '../../src/simulator/index.js';
import { AUTH, LIST, T0, manualClock, start } from './helpers.js';
import type { Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const MIN = 60_000;
async function withCalls(n: number, options = {}): Promise<Harness> {
  const harness = await start({ rateLimit: false, ...options });
  for (let i = 0; i < n; i++) harness.sim.addCall({ startAt: T0 - (30 - i) * MIN, settleDelayMs: 0 });
  return harness;
}

describe('faults', () => {
  it('status: answers the given status for `times` requests, then heals', async () => {
    h = await withCalls(1);
    h.sim.inject({ kind: 'status', status: 503, times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await h.get(LIST)).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(h.sim.history.map((r) => r.fault)).toEqual(['status', 'status', undefined]);
    const body = (await (async () => {
      h!.sim.inject({ kind: 'status' });
      return h!.get(LIST);
    })()).json;
    expect(body).toEqual({ RestException: { Status: 500, Message: expect.any(String) } });
  });

  it('rate-limit: a scripted 429 with each Retry-After form', async () => {
    h = await withCalls(1);
    h.sim.inject({ kind: 'rate-limit', retryAfterSeconds: 7 });
    h.sim.inject({ kind: 'rate-limit', retryAfter: 'http-date', retryAfterSeconds: 2 });
    h.sim.inject({ kind: 'rate-limit', retryAfter: false });
    const a = await h.get(LIST);
    const b = await h.get(LIST);
    const c = await h.get(LIST);
    expect([a.status, b.status, c.status]).toEqual([429, 429, 429]);
    expect(a.headers.get('retry-after')).toBe('7');
    expect(b.headers.get('retry-after')).toBe(new Date(T0 + 2_000).toUTCString());
    expect(c.headers.get('retry-after')).toBeNull();
    expect((await h.get(LIST)).status).toBe(200);
  });

  it('reset: destroys the socket; handle() throws a SimulatorResetError', async () => {
    h = await withCalls(1);
    h.sim.inject({ kind: 'reset' });
    await expect(fetch(`${h.url}${LIST}`, { headers: { authorization: AUTH } })).rejects.toThrow();
    expect((await h.get(LIST)).status).toBe(200);
    h.sim.inject({ kind: 'reset' });
    const err = await h.sim.handle({ method: 'GET', url: LIST, headers: { authorization: AUTH } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimulatorResetError);
    expect(isSimulatorResetError(err)).toBe(true);
    expect(h.sim.history.filter((r) => r.fault === 'reset')).toHaveLength(2);
  });

  it("delay: holds the answer until the simulator's clock has moved delayMs, however long real time runs", async () => {
    const clock = manualClock(T0);
    const sim = createSimulator({ clock });
    sim.inject({ kind: 'delay', delayMs: 30_000 });
    let done = false;
    const pending = sim.handle({ method: 'GET', url: LIST, headers: { authorization: AUTH } }).then((r) => {
      done = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(done).toBe(false);
    clock.advance(29_999);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(done).toBe(false);
    clock.advance(1);
    expect((await pending).status).toBe(200);
    expect(sim.history[0]!.fault).toBe('delay');
  });

  it('delay: with the default clock, fake timers that fake Date drive it', async () => {
    const clock = FakeTimers.withGlobal(globalThis).install({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: T0 });
    try {
      const sim = createSimulator();
      sim.inject({ kind: 'delay', delayMs: 30_000 });
      let done = false;
      const pending = sim.handle({ method: 'GET', url: LIST, headers: { authorization: AUTH } }).then((r) => {
        done = true;
        return r;
      });
      await clock.tickAsync(29_000);
      expect(done).toBe(false);
      await clock.tickAsync(1_000);
      expect(done).toBe(true);
      expect((await pending).status).toBe(200);
      expect(clock.countTimers()).toBe(0);
    } finally {
      clock.uninstall();
    }
  });

  it('delay: a request whose caller gave up ends its delay and is answered with a reset', async () => {
    const sim = createSimulator({ clock: manualClock(T0) });
    sim.inject({ kind: 'delay', delayMs: 30_000 });
    const gone = new AbortController();
    const pending = sim.handle({ method: 'GET', url: LIST, headers: { authorization: AUTH }, signal: gone.signal }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 20));
    gone.abort();
    expect(await pending).toBeInstanceOf(SimulatorResetError);
    expect(sim.history[0]).toMatchObject({ status: 0, fault: 'delay' });
  });

  it('delay over real HTTP combines with another fault, on the simulator clock', async () => {
    h = await withCalls(1);
    h.sim.inject({ kind: 'delay', delayMs: 20 });
    h.sim.inject({ kind: 'status', status: 502 });
    const answer = h.get(LIST);
    await new Promise((resolve) => setTimeout(resolve, 30));
    h.clock.advance(20);
    expect((await answer).status).toBe(502);
    expect(h.sim.history[0]!.fault).toBe('delay,status');
  });

  it('delay over real HTTP in real time, with the default clock', async () => {
    const sim = createSimulator({ rateLimit: false });
    const { url } = await sim.listen();
    try {
      sim.inject({ kind: 'delay', delayMs: 40 });
      const started = performance.now();
      const res = await fetch(`${url}${LIST}`, { headers: { authorization: AUTH } });
      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(39);
    } finally {
      await sim.close();
    }
  });

  it('truncated: promises the whole body, sends half, cuts the connection', async () => {
    h = await withCalls(3);
    h.sim.inject({ kind: 'truncated' });
    const agent = new Agent();
    try {
      const res = await request(`${h.url}${LIST}`, { headers: { authorization: AUTH }, dispatcher: agent });
      expect(res.statusCode).toBe(200);
      await expect(res.body.text()).rejects.toThrow();
    } finally {
      await agent.close();
    }
    h.sim.inject({ kind: 'truncated' });
    const viaHandle = await h.sim.handle({ method: 'GET', url: LIST, headers: { authorization: AUTH } });
    expect(() => JSON.parse(viaHandle.body)).toThrow();
    expect(h.sim.history.map((r) => r.fault)).toEqual(['truncated', 'truncated']);
  });

  it('malformed: a 200 whose body is not JSON', async () => {
    h = await withCalls(3);
    h.sim.inject({ kind: 'malformed' });
    const res = await h.get(LIST);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/json/);
    expect(() => JSON.parse(res.text)).toThrow();
  });

  it('duplicate-row: the next page starts with this page\'s last row', async () => {
    h = await withCalls(6);
    h.sim.inject({ kind: 'duplicate-row' });
    const p1 = await h.get(`${LIST}?PageSize=3&SortBy=DateCreated:asc`);
    const p2 = await h.get(p1.json.Metadata.NextPageUri);
    const s1 = p1.json.Calls.map((c: { Sid: string }) => c.Sid);
    const s2 = p2.json.Calls.map((c: { Sid: string }) => c.Sid);
    expect(s2[0]).toBe(s1[2]);
    expect(new Set([...s1, ...s2]).size).toBe(5);
    expect(h.sim.history[0]!.fault).toBe('duplicate-row');
  });

  it('bad-record: one record with a broken field', async () => {
    h = await withCalls(4);
    h.sim.inject({ kind: 'bad-record' });
    h.sim.inject({ kind: 'bad-record', field: 'Status', match: { path: /\/Calls\/[^/]+\.json$/ } });
    const res = await h.get(LIST);
    const broken = res.json.Calls.filter((c: { DateCreated: string }) => c.DateCreated === 'not-a-date');
    expect(broken).toHaveLength(1);
    const one = await h.get(`/v1/Accounts/acme1/Calls/${h.sim.calls()[0]!.sid}.json`);
    expect(one.json.Call.Status).toBe('exploded');
  });

  it('matches by path, account and query; persist lasts until clearFaults()', async () => {
    h = await withCalls(2);
    h.sim.inject({ kind: 'status', status: 500, persist: true, match: { query: { SortBy: 'DateCreated:asc' }, accountSid: 'acme1', path: LIST } });
    expect((await h.get(LIST)).status).toBe(200);
    expect((await h.get(`${LIST}?SortBy=DateCreated:asc`)).status).toBe(500);
    expect((await h.get(`${LIST}?SortBy=DateCreated:asc`)).status).toBe(500);
    expect(h.sim.pendingFaults()).toHaveLength(1);
    h.sim.clearFaults();
    expect((await h.get(`${LIST}?SortBy=DateCreated:asc`)).status).toBe(200);
    expect(h.sim.pendingFaults()).toEqual([]);
  });

  it('rate: a seeded probability per request, the same for the same seed', async () => {
    const pattern = async (seed: number) => {
      const sim = createSimulator({ clock: { now: () => T0 }, seed, rateLimit: false });
      sim.inject({ kind: 'status', status: 503, rate: 0.3 });
      const out: number[] = [];
      for (let i = 0; i < 200; i++) out.push((await sim.handle({ method: 'GET', url: LIST, headers: { authorization: AUTH } })).status);
      return out;
    };
    const a = await pattern(7);
    expect(await pattern(7)).toEqual(a);
    expect(await pattern(8)).not.toEqual(a);
    const hits = a.filter((s) => s === 503).length;
    expect(hits).toBeGreaterThan(35);
    expect(hits).toBeLessThan(85);
  });

  it('assertNoPendingFaults() says which part of the last request did not match', async () => {
    h = await withCalls(1);
    h.sim.inject({ kind: 'status', times: 2, match: { query: { Status: /^failed/ } } });
    await h.get(`${LIST}?Status=completed`);
    expect(() => h!.sim.assertNoPendingFaults()).toThrow(/status fault \(0 of 2 hits\): the last request did not match: query Status=completed does not match \/\^failed\//);
    h.sim.inject({ kind: 'delay', persist: true });
    h.sim.clearFaults();
    expect(() => h!.sim.assertNoPendingFaults()).not.toThrow();
  });

  it('validates fault specs, naming the field', () => {
    const sim = createSimulator();
    const bad: Array<[unknown, RegExp]> = [
      [{ kind: 'explode' }, /`fault.kind`.*got `explode`/],
      [{ kind: 'status', status: 42 }, /`fault.status`.*got `42`/],
      [{ kind: 'status', times: 0 }, /`fault.times`.*got `0`/],
      [{ kind: 'status', rate: 2 }, /`fault.rate`.*got `2`/],
      [{ kind: 'delay', delayMs: -1 }, /`fault.delayMs`.*got `-1`/],
      [{ kind: 'bad-record', field: 'a b' }, /`fault.field`.*got `a b`/],
      [{ kind: 'bad-record', break: 'shred' }, /`fault.break`.*got `shred`/],
      [{ kind: 'redirect', redirectStatus: 304 }, /`fault.redirectStatus`.*got `304`/],
      [{ kind: 'encoding', encoding: 'zstd' }, /`fault.encoding`.*got `zstd`/],
      [{ kind: 'oversized-page', extraRecords: 0 }, /`fault.extraRecords`.*got `0`/],
      [{ kind: 'content-type', body: 'xml' }, /`fault.body`.*got `xml`/],
      [{ kind: 'rate-limit', retryAfterHeader: 'a\nb' }, /`fault.retryAfterHeader`/],
    ];
    for (const [spec, message] of bad) expect(() => sim.inject(spec as FaultSpec)).toThrow(message);
  });
});

describe('faults of the shape of an answer', () => {
  const sids = (body: { Calls: Array<{ Sid: string }> }) => body.Calls.map((c) => c.Sid);

  it('bad-record: any field left out, or of the wrong type', async () => {
    h = await withCalls(3);
    h.sim.inject({ kind: 'bad-record', field: 'Status', break: 'missing' });
    h.sim.inject({ kind: 'bad-record', field: 'Price', break: 'mistyped' });
    h.sim.inject({ kind: 'bad-record', field: 'EndTime' });
    const missing = (await h.get(LIST)).json.Calls;
    expect(missing.filter((c: object) => !('Status' in c))).toHaveLength(1);
    const mistyped = (await h.get(LIST)).json.Calls;
    expect(mistyped.filter((c: { Price: unknown }) => Array.isArray(c.Price))).toEqual([expect.objectContaining({ Price: [expect.any(String)] })]);
    const invalid = (await h.get(LIST)).json.Calls;
    expect(invalid.filter((c: { EndTime: unknown }) => c.EndTime === 'not-a-date')).toHaveLength(1);
  });

  it('duplicate-sid: one record twice on one page', async () => {
    h = await withCalls(4);
    h.sim.inject({ kind: 'duplicate-sid' });
    const page = (await h.get(`${LIST}?SortBy=DateCreated:asc`)).json;
    expect(page.Calls).toHaveLength(5);
    expect(new Set(sids(page)).size).toBe(4);
    expect(h.sim.history[0]!.fault).toBe('duplicate-sid');
  });

  it('oversized-page: more records than PageSize, and the cursor follows the last one listed', async () => {
    h = await withCalls(8);
    h.sim.inject({ kind: 'oversized-page', extraRecords: 3 });
    const p1 = (await h.get(`${LIST}?PageSize=2&SortBy=DateCreated:asc`)).json;
    expect(p1.Calls).toHaveLength(5);
    const p2 = (await h.get(p1.Metadata.NextPageUri)).json;
    expect(p2.Calls).toHaveLength(2);
    expect(new Set([...sids(p1), ...sids(p2)]).size).toBe(7);
  });

  it('redirect: a 3xx with a Location, the same path on another host by default', async () => {
    h = await withCalls(1);
    h.sim.inject({ kind: 'redirect' });
    h.sim.inject({ kind: 'redirect', redirectStatus: 308, location: 'https://elsewhere.example/v1/' });
    const agent = new Agent();
    try {
      const a = await request(`${h.url}${LIST}?PageSize=5`, { headers: { authorization: AUTH }, dispatcher: agent });
      await a.body.text();
      expect(a.statusCode).toBe(302);
      expect(a.headers.location).toBe(`https://api.exotel.com${LIST}?PageSize=5`);
      const b = await request(`${h.url}${LIST}`, { headers: { authorization: AUTH }, dispatcher: agent });
      await b.body.text();
      expect([b.statusCode, b.headers.location]).toEqual([308, 'https://elsewhere.example/v1/']);
    } finally {
      await agent.close();
    }
  });

  it('content-type: a 200 as text/html, a proxy page by default or the body unchanged', async () => {
    h = await withCalls(2);
    h.sim.inject({ kind: 'content-type' });
    h.sim.inject({ kind: 'content-type', contentType: 'text/plain', body: 'same' });
    const page = await h.get(LIST);
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(page.text).toMatch(/^<!DOCTYPE html>/);
    const same = await h.get(LIST);
    expect(same.headers.get('content-type')).toBe('text/plain');
    expect(same.json.Calls).toHaveLength(2);
  });

  it('encoding: a compressed body the request did not ask for', async () => {
    h = await withCalls(2);
    h.sim.inject({ kind: 'encoding', encoding: 'deflate' });
    const agent = new Agent();
    try {
      const res = await request(`${h.url}${LIST}`, { headers: { authorization: AUTH }, dispatcher: agent });
      expect(res.headers['content-encoding']).toBe('deflate');
      const { inflateSync } = await import('node:zlib');
      expect(JSON.parse(inflateSync(Buffer.from(await res.body.arrayBuffer())).toString()).Calls).toHaveLength(2);
    } finally {
      await agent.close();
    }
  });

  it('rate-limit with retryAfterHeader: the header exactly as given', async () => {
    h = await withCalls(1);
    for (const value of ['86400', 'soon', 'Wed, 01 Jan 2020 00:00:00 GMT']) h.sim.inject({ kind: 'rate-limit', retryAfterHeader: value });
    const got: Array<string | null> = [];
    for (let i = 0; i < 3; i++) got.push((await h.get(LIST)).headers.get('retry-after'));
    expect(got).toEqual(['86400', 'soon', 'Wed, 01 Jan 2020 00:00:00 GMT']);
  });
});
