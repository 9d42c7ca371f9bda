import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSimulator } from '../../src/simulator/index.js';
import type { SimulatorOptions } from '../../src/simulator/index.js';
import { AUTH, LIST, T0, dateCreated, start } from './helpers.js';
import type { Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const MIN = 60_000;

/** Follows NextPageUri verbatim; `between` runs before each next page. */
async function follow(harness: Harness, first: string, between?: () => void): Promise<{ sids: string[]; pages: number; totals: number[] }> {
  const sids: string[] = [];
  const totals: number[] = [];
  let next: string | null = first;
  let pages = 0;
  while (next) {
    const res = await harness.get(next);
    expect(res.status, res.text).toBe(200);
    pages++;
    totals.push(res.json.Metadata.Total);
    for (const c of res.json.Calls) sids.push(c.Sid);
    next = res.json.Metadata.NextPageUri;
    if (next) expect(next.startsWith('/v1/Accounts/acme1/Calls.json?')).toBe(true);
    between?.();
  }
  return { sids, pages, totals };
}

function expected(harness: Harness, from: number, to: number, now: number): string[] {
  return harness.sim
    .calls()
    .filter((c) => c.endAt <= now && Math.floor(c.startAt / 1000) >= Math.floor(from / 1000) && Math.floor(c.startAt / 1000) <= Math.floor(to / 1000))
    .map((c) => c.sid);
}

describe('paging', () => {
  it('pages through more than 10,000 records in both orders via NextPageUri, none lost or repeated', async () => {
    h = await start({ rateLimit: false, traffic: { callsPerMinute: 600, startAt: T0 } });
    h.clock.set(T0 + 20 * MIN);
    const now = h.clock.now();
    const window = dateCreated(T0, now);
    const truth = expected(h, T0, now, now);
    expect(truth.length).toBeGreaterThan(10_000);

    const asc = await follow(h, `${LIST}?${window}&PageSize=100&SortBy=DateCreated:asc`);
    expect(asc.sids).toEqual(truth);
    expect(asc.pages).toBe(Math.ceil(truth.length / 100));
    expect(new Set(asc.totals)).toEqual(new Set([truth.length]));

    const desc = await follow(h, `${LIST}?${window}&PageSize=100`);
    expect(desc.sids).toEqual([...truth].reverse());
  });

  it('stays stable while calls end during the listing (ascending and descending)', async () => {
    h = await start({ rateLimit: false, traffic: { callsPerMinute: 150, startAt: T0 - 30 * MIN } });
    const from = T0 - 30 * MIN;
    const window = dateCreated(from, T0 + 30 * MIN);
    for (const sort of ['DateCreated:asc', 'DateCreated:desc']) {
      const before = new Set(expected(h, from, T0 + 30 * MIN, h.clock.now()));
      // Every page is read 3 s later: calls end behind and ahead of the cursor meanwhile.
      const got = await follow(h, `${LIST}?${window}&PageSize=100&SortBy=${sort}`, () => h!.clock.advance(3_000));
      const listed = new Set(got.sids);
      expect(listed.size).toBe(got.sids.length);
      expect(before.size).toBeGreaterThan(2_000);
      expect([...before].filter((sid) => !listed.has(sid))).toEqual([]);
      // Calls that ended during the listing show up when they sort after the cursor.
      expect(listed.size).toBeGreaterThan(before.size);
      const order = got.sids.map((sid) => h!.sim.call(sid)!).map((c) => Math.floor(c.startAt / 1000));
      const sorted = [...order].sort((a, b) => (sort === 'DateCreated:asc' ? a - b : b - a));
      expect(order).toEqual(sorted);
      h.clock.advance(5 * MIN);
    }
  });

  it('carries every filter and an opaque cursor "<unix seconds>,<Sid>" in the page URIs', async () => {
    h = await start({ rateLimit: false });
    const made = Array.from({ length: 5 }, (_, i) => h!.sim.addCall({ startAt: T0 - (10 - i) * MIN, settleDelayMs: 0 }));
    const query = `${dateCreated(T0 - 3_600_000, T0)}&PageSize=2&Status=completed&details=true&SortBy=DateCreated:asc`;
    const page1 = await h.get(`${LIST}?${query}`);
    const m = page1.json.Metadata;
    expect(m.FirstPageUri).toBe(`${LIST}?${new URLSearchParams(query).toString()}`);
    expect(m.PrevPageUri).toBeNull();
    const next = new URL(m.NextPageUri, 'http://x');
    for (const [k, v] of new URLSearchParams(query)) expect(next.searchParams.get(k)).toBe(v);
    const cursor = Buffer.from(next.searchParams.get('After')!, 'base64').toString();
    expect(cursor).toBe(`${Math.floor(made[1]!.startAt / 1000)},${made[1]!.sid}`);

    // A client that lifts After out and sends its own filters gets the same page.
    const own = await h.get(`${LIST}?${query}&After=${encodeURIComponent(next.searchParams.get('After')!)}`);
    const verbatim = await h.get(m.NextPageUri);
    expect(own.json.Calls).toEqual(verbatim.json.Calls);
    expect(verbatim.json.Calls.map((c: { Sid: string }) => c.Sid)).toEqual([made[2]!.sid, made[3]!.sid]);

    // PrevPageUri (Before) leads back to the first page.
    const prev = await h.get(verbatim.json.Metadata.PrevPageUri);
    expect(prev.json.Calls).toEqual(page1.json.Calls);
    expect(prev.json.Metadata.PrevPageUri).toBeNull();
  });

  it('orders calls of one second by Sid', async () => {
    h = await start({ rateLimit: false });
    const made = ['c', 'a', 'b'].map((s) => h!.sim.addCall({ sid: `${s}${'0'.repeat(31)}`, startAt: T0 - MIN + 400, talkMs: 0, settleDelayMs: 0 }));
    const res = await h.get(`${LIST}?SortBy=DateCreated:asc`);
    expect(res.json.Calls.map((c: { Sid: string }) => c.Sid)).toEqual(made.map((c) => c.sid).sort());
  });

  const lastPages: Array<[SimulatorOptions['lastPage'], unknown]> = [
    ['null', null],
    ['empty-string', ''],
    ['omitted', undefined],
  ];
  it.each(lastPages)('the last page with lastPage=%s', async (lastPage, value) => {
    h = await start({ lastPage });
    for (let i = 0; i < 4; i++) h.sim.addCall({ startAt: T0 - (10 - i) * MIN, settleDelayMs: 0 });
    const page2 = await h.get((await h.get(`${LIST}?PageSize=2`)).json.Metadata.NextPageUri);
    expect(page2.json.Calls).toHaveLength(2);
    expect('NextPageUri' in page2.json.Metadata).toBe(value !== undefined);
    expect(page2.json.Metadata.NextPageUri).toBe(value);
  });

  it('lastPage=link-to-empty-page: a full last page links to an empty page', async () => {
    h = await start({ lastPage: 'link-to-empty-page' });
    for (let i = 0; i < 4; i++) h.sim.addCall({ startAt: T0 - (10 - i) * MIN, settleDelayMs: 0 });
    const got = await follow(h, `${LIST}?PageSize=2`);
    expect(got.pages).toBe(3);
    expect(got.sids).toHaveLength(4);
    const last = h.sim.history.at(-1)!;
    expect(last.records).toBe(0);
    expect(last.query.After).toBeDefined();
  });

  it('pageUris=top-level puts the URIs beside Metadata', async () => {
    h = await start({ pageUris: 'top-level' });
    for (let i = 0; i < 3; i++) h.sim.addCall({ startAt: T0 - (10 - i) * MIN, settleDelayMs: 0 });
    const res = await h.get(`${LIST}?PageSize=2`);
    expect(res.json.Metadata).toEqual({ Total: 3, PageSize: 2 });
    expect(res.json.FirstPageUri).toBe(`${LIST}?PageSize=2`);
    expect(res.json.NextPageUri).toMatch(/After=/);
    expect(Object.keys(res.json)).toEqual(['Metadata', 'FirstPageUri', 'PrevPageUri', 'NextPageUri', 'Calls']);
  });

  it('property: concatenated pages equal the whole listing, for any page size and order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        async (offsets, pageSize, asc) => {
          const sim = createSimulator({ clock: { now: () => T0 }, rateLimit: false });
          // Few distinct seconds, so many calls share one.
          const made = offsets.map((s) => sim.addCall({ startAt: T0 - 100_000 + s * 1000 + (s % 3) * 100, ringMs: 1000, talkMs: 0, status: 'busy' }));
          const all = await sim.handle({ method: 'GET', url: `${LIST}?PageSize=100${asc ? '&SortBy=DateCreated:asc' : ''}`, headers: { authorization: AUTH } });
          const full = JSON.parse(all.body).Calls.map((c: { Sid: string }) => c.Sid);
          expect(new Set(full)).toEqual(new Set(made.map((c) => c.sid)));
          const seen: string[][] = [];
          let next: string | null = `${LIST}?PageSize=${pageSize}${asc ? '&SortBy=DateCreated:asc' : ''}`;
          let prev: string | null = null;
          while (next) {
            const res = await sim.handle({ method: 'GET', url: next, headers: { authorization: AUTH } });
            const body = JSON.parse(res.body);
            seen.push(body.Calls.map((c: { Sid: string }) => c.Sid));
            expect(body.Metadata.Total).toBe(full.length);
            next = body.Metadata.NextPageUri;
            prev = body.Metadata.PrevPageUri;
          }
          expect(seen.flat()).toEqual(full);
          // Back from the last page through PrevPageUri: the same pages in reverse.
          const back: string[][] = [];
          while (prev) {
            const res = await sim.handle({ method: 'GET', url: prev, headers: { authorization: AUTH } });
            const body = JSON.parse(res.body);
            back.unshift(body.Calls.map((c: { Sid: string }) => c.Sid));
            prev = body.Metadata.PrevPageUri;
          }
          expect(back).toEqual(seen.slice(0, -1));
        },
      ),
      { numRuns: 60 },
    );
  });
});
