import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import type { SimulatorOptions } from '../../src/simulator/index.js';
import { AUTH, LIST, T0, TZ, dateCreated, manualClock } from './helpers.js';
import { formatNaive } from '../../src/exotel/time.js';

const MIN = 60_000;
const get = async (sim: ReturnType<typeof createSimulator>, url: string) => {
  const res = await sim.handle({ method: 'GET', url, headers: { authorization: AUTH } });
  expect(res.status, res.body).toBe(200);
  return res.body;
};

async function listAll(sim: ReturnType<typeof createSimulator>, query: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let next: string | null = `${LIST}?PageSize=100&SortBy=DateCreated:asc&${query}`;
  while (next) {
    const body = JSON.parse(await get(sim, next));
    out.push(...body.Calls);
    next = body.Metadata.NextPageUri;
  }
  return out;
}

describe('generated traffic', () => {
  it('is deterministic: same seed and clock give the same bodies, byte for byte', async () => {
    const run = async (seed: number) => {
      const clock = manualClock(T0);
      const sim = createSimulator({ clock, seed, rateLimit: false, traffic: { callsPerMinute: 120 } });
      const bodies: string[] = [];
      for (let i = 1; i <= 5; i++) {
        clock.set(T0 + i * 7 * MIN);
        bodies.push(await get(sim, `${LIST}?PageSize=100&details=true&${dateCreated(T0, clock.now())}`));
        bodies.push(await get(sim, `/v1/Accounts/acme1/Calls?PageSize=20&SortBy=DateCreated:asc`));
      }
      return bodies;
    };
    const a = await run(42);
    expect(await run(42)).toEqual(a);
    expect(await run(43)).not.toEqual(a);
  });

  it('generates lazily: a call does not depend on when anyone asked', () => {
    const options: SimulatorOptions = { seed: 9, traffic: { callsPerMinute: 200, startAt: T0 } };
    const stepped = manualClock(T0);
    const a = createSimulator({ ...options, clock: stepped });
    for (let t = T0; t <= T0 + 30 * MIN; t += 97_000) {
      stepped.set(t);
      a.calls();
    }
    stepped.set(T0 + 30 * MIN);
    const b = createSimulator({ ...options, clock: { now: () => T0 + 30 * MIN } });
    // Scripted calls in between do not move generated ones either.
    const scripted = b.addCall({ startAt: T0 + 5 * MIN });
    const strip = (calls: ReturnType<typeof a.calls>) => calls.map(({ recordAt, ...rest }) => ({ ...rest, record: recordAt(T0 + 30 * MIN, { details: true }) }));
    const fromB = strip(b.calls()).filter((c) => c.sid !== scripted.sid);
    expect(fromB.length).toBeGreaterThan(5_000);
    expect(strip(a.calls())).toEqual(fromB);
  });

  it('follows the mix: statuses, directions, durations, corrections, numbers, Sids', () => {
    const sim = createSimulator({ clock: { now: () => T0 + 300 * MIN }, traffic: { callsPerMinute: 100, startAt: T0 } });
    const calls = sim.calls();
    expect(calls.length).toBeGreaterThan(28_000);
    expect(calls.length).toBeLessThan(32_000);
    const share = (f: (c: (typeof calls)[number]) => boolean) => calls.filter(f).length / calls.length;
    expect(share((c) => c.status === 'completed')).toBeCloseTo(0.65, 1);
    expect(share((c) => c.direction === 'inbound')).toBeCloseTo(0.5, 1);
    const completed = calls.filter((c) => c.status === 'completed');
    const long = completed.filter((c) => c.endAt - c.startAt > 320_000).length / completed.length;
    expect(long).toBeGreaterThan(0.015);
    expect(long).toBeLessThan(0.05);
    expect(completed.some((c) => c.endAt - c.startAt > 2 * 3_600_000)).toBe(true);
    expect(share((c) => c.corrections.length > 0)).toBeCloseTo(0.03, 2);
    for (const c of calls.slice(0, 500)) {
      expect(c.sid).toMatch(/^[0-9a-f]{32}$/);
      expect(c.phoneNumber).toMatch(/^\+918047\d{6}$/);
      expect(c.from).toMatch(/^\+91\d{10}$/);
      expect(c.settledAt - c.endAt).toBeGreaterThanOrEqual(60_000);
      expect(c.settledAt - c.endAt).toBeLessThanOrEqual(180_000);
    }
    expect(new Set(calls.map((c) => c.sid)).size).toBe(calls.length);
  });

  it('filters on generated calls agree with the ground truth (long-call sweep, Status, To, Sid)', async () => {
    const now = T0 + 180 * MIN;
    const sim = createSimulator({ clock: { now: () => now }, rateLimit: false, traffic: { callsPerMinute: 60, startAt: T0 } });
    // A scripted call ahead of the traffic generated so far, and one behind it.
    sim.addCall({ startAt: T0 + 170 * MIN, talkMs: 400_000, settleDelayMs: 0 });
    sim.addCall({ startAt: T0 + 10 * MIN, talkMs: 4_000_000, settleDelayMs: 0 });
    const truth = sim.calls().map((c) => c.recordAt(now)).filter((r) => r !== undefined);
    const from = T0;
    const window = dateCreated(from, now);
    const dur = (r: Record<string, unknown>) => (r.Duration === '' ? -1 : Number(r.Duration));
    for (const min of [45, 300, 1500, 3600]) {
      const got = await listAll(sim, `${window}&Duration=gte:${min}s`);
      expect(got.map((r) => r.Sid)).toEqual(truth.filter((r) => dur(r) >= min).map((r) => r.Sid));
    }
    const lte = await listAll(sim, `${window}&Duration=gte:20s;lte:40s`);
    expect(lte.map((r) => r.Sid)).toEqual(truth.filter((r) => dur(r) >= 20 && dur(r) <= 40).map((r) => r.Sid));
    const busy = await listAll(sim, `${window}&Status=busy,failed`);
    expect(busy.map((r) => r.Sid)).toEqual(truth.filter((r) => r.Status === 'busy' || r.Status === 'failed').map((r) => r.Sid));
    const agent = truth[5]!.To as string;
    const to = await listAll(sim, `${window}&To=${encodeURIComponent(agent)}`);
    expect(to.map((r) => r.Sid)).toEqual(truth.filter((r) => r.To === agent).map((r) => r.Sid));
    const sids = truth.filter((_, i) => i % 37 === 0).slice(0, 100).map((r) => r.Sid as string);
    const bySid = await listAll(sim, `Sid=${sids.join(',')}`);
    expect(bySid.map((r) => r.Sid)).toEqual(sids);
    const one = JSON.parse(await get(sim, `/v1/Accounts/acme1/Calls/${sids[3]}.json`));
    expect(one.Call).toEqual(truth.find((r) => r.Sid === sids[3]));
    // Total counts what matches now, over every page.
    const page = JSON.parse(await get(sim, `${LIST}?${window}&Status=completed`));
    expect(page.Metadata.Total).toBe(truth.filter((r) => r.Status === 'completed').length);
  });

  it('calls(range) narrows the ground truth by start and account; accounts have separate worlds', async () => {
    const accounts = [
      { accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token' },
      { accountSid: 'b2', apiKey: 'b-key', apiToken: 'b-token' },
    ];
    const sim = createSimulator({ accounts, clock: { now: () => T0 + 60 * MIN }, traffic: { callsPerMinute: 30, startAt: T0 } });
    const other = sim.addCall({ startAt: T0 + 10 * MIN, accountSid: 'b2', settleDelayMs: 0 });
    const all = sim.calls();
    const mid = sim.calls({ from: T0 + 20 * MIN, to: T0 + 30 * MIN, accountSid: 'acme1' });
    expect(mid.length).toBeGreaterThan(100);
    const sidsOf = (list: typeof all) => list.map((c) => c.sid);
    expect(sidsOf(mid)).toEqual(sidsOf(all.filter((c) => c.accountSid === 'acme1' && c.startAt >= T0 + 20 * MIN && c.startAt <= T0 + 30 * MIN)));
    expect(sim.calls({ accountSid: 'b2' }).map((c) => c.sid)).toEqual([other.sid]);
    expect(sim.call(other.sid)!.accountSid).toBe('b2');
    const b = await sim.handle({ method: 'GET', url: '/v1/Accounts/b2/Calls.json', headers: { authorization: `Basic ${Buffer.from('b-key:b-token').toString('base64')}` } });
    expect(JSON.parse(b.body).Calls.map((c: { Sid: string }) => c.Sid)).toEqual([other.sid]);
    expect(() => sim.calls({ accountSid: 'zz' })).toThrow(/`range.accountSid`/);
  });

  it('uses the account time zone for naive timestamps', async () => {
    const sim = createSimulator({ clock: { now: () => T0 }, timeZone: 'UTC' });
    const call = sim.addCall({ startAt: T0 - 10 * MIN, settleDelayMs: 0 });
    expect(call.recordAt(T0)!.DateCreated).toBe(formatNaive(T0 - 10 * MIN, 'UTC'));
    expect(call.recordAt(T0)!.DateCreated).not.toBe(formatNaive(T0 - 10 * MIN, TZ));
    const body = JSON.parse(await get(sim, `${LIST}?${new URLSearchParams({ DateCreated: `eq:${formatNaive(T0 - 10 * MIN, 'UTC')}` })}`));
    expect(body.Calls).toHaveLength(1);
  });
});

describe('options', () => {
  const bad: Array<[SimulatorOptions, RegExp]> = [
    [{ timeZone: 'Mars/Olympus' }, /`timeZone`.*`Mars\/Olympus`/],
    [{ seed: 1.5 }, /`seed`.*`1.5` \(number\)/],
    [{ accounts: [] }, /`accounts`.*`\[\]` \(array\)/],
    [{ accounts: [{ accountSid: 'a b', apiKey: 'k', apiToken: 't' }] }, /`accounts\[0\].accountSid`.*`a b`/],
    [{ clock: {} as never }, /`clock`.*now\(\)/],
    [{ traffic: { callsPerMinute: 0 } }, /`traffic.callsPerMinute`.*`0` \(number\)/],
    [{ traffic: { callsPerMinute: 1, accountSid: 'nope' } }, /`traffic.accountSid`.*`nope`/],
    [{ traffic: { callsPerMinute: 1, mix: { correctionRate: 2 } } }, /`traffic.mix.correctionRate`.*`2`/],
    [{ settleDelayMs: { min: 5, max: 1 } }, /`settleDelayMs`/],
    [{ numbersAsStrings: 'yes' as never }, /`numbersAsStrings`.*`yes` \(string\)/],
    [{ rateLimit: { requestsPerMinute: 0 } }, /`rateLimit.requestsPerMinute`.*`0`/],
    [{ rateLimit: { retryAfter: 'minutes' as never } }, /`rateLimit.retryAfter`.*`minutes`/],
    [{ lastPage: 'none' as never }, /`lastPage`.*`none`/],
    [{ pageUris: 'inline' as never }, /`pageUris`.*`inline`/],
    [{ emptyValue: 'nil' as never }, /`emptyValue`.*`nil`/],
  ];
  it.each(bad)('rejects %j', (options, message) => {
    expect(() => createSimulator(options)).toThrow(message);
  });

  it('never shows a token in an option error', () => {
    expect(() => createSimulator({ accounts: [{ accountSid: 'a', apiKey: 'k', apiToken: '' }] })).toThrow(/`accounts\[0\].apiToken`/);
  });

  it('validates addCall specs', () => {
    const sim = createSimulator();
    expect(() => sim.addCall({ startAt: Number.NaN })).toThrow(/`startAt`/);
    expect(() => sim.addCall({ startAt: T0, status: 'ringing' as never })).toThrow(/`status`.*`ringing`/);
    expect(() => sim.addCall({ startAt: T0, accountSid: 'zzz' })).toThrow(/`accountSid`.*`zzz`/);
    expect(() => sim.addCall({ startAt: T0, corrections: [{ afterMs: 1, fields: { Foo: 1 } as never }] })).toThrow(/`corrections\[0\].fields`.*`Foo`/);
    sim.addCall({ startAt: T0, sid: 'abc' });
    expect(() => sim.addCall({ startAt: T0, sid: 'abc' })).toThrow(/`sid`.*`abc`/);
  });
});

describe('traffic that stops', () => {
  it('generates no call that starts at or after traffic.endAt, and refuses an end before the start', () => {
    const T = Date.UTC(2026, 2, 1, 6, 0, 0);
    const sim = createSimulator({ seed: 5, clock: { now: () => T + 60 * 60_000 }, traffic: { callsPerMinute: 300, startAt: T, endAt: T + 10 * 60_000 } });
    const calls = sim.calls();
    expect(calls.length).toBeGreaterThan(2_000);
    expect(calls.every((c) => c.startAt < T + 10 * 60_000)).toBe(true);
    expect(calls.some((c) => c.startAt > T + 9 * 60_000)).toBe(true);
    expect(() => createSimulator({ traffic: { callsPerMinute: 1, startAt: T, endAt: T - 1 } })).toThrow(/`traffic.endAt`/);
  });
});
