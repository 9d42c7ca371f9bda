import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedCall } from '../../src/simulator/index.js';
import { LIST, T0, dateCreated, start } from './helpers.js';
import type { Harness } from './helpers.js';

let h: Harness;
const calls: SimulatedCall[] = [];
const MIN = 60_000;

beforeAll(async () => {
  h = await start({ rateLimit: false });
  const add = (spec: Parameters<Harness['sim']['addCall']>[0]) => {
    const c = h.sim.addCall({ settleDelayMs: 0, ...spec });
    calls.push(c);
    return c;
  };
  add({ startAt: T0 - 50 * MIN, talkMs: 5_000, ringMs: 5_000, status: 'completed', direction: 'inbound', from: '+917000000001', to: '+919800000001', phoneNumber: '+918047000001', price: 0.1 });
  add({ startAt: T0 - 40 * MIN, talkMs: 25_000, ringMs: 5_000, status: 'completed', direction: 'outbound-api', from: '+919800000002', to: '+917000000002', phoneNumber: '+918047000002', price: 0.3 });
  add({ startAt: T0 - 30 * MIN, talkMs: 0, ringMs: 30_000, status: 'no-answer', direction: 'outbound-dial', from: '+919800000003', to: '+917000000003', phoneNumber: '+918047000001', price: 0 });
  add({ startAt: T0 - 20 * MIN, talkMs: 0, ringMs: 4_000, status: 'busy', direction: 'inbound', from: '+917000000004', to: '+919800000001', phoneNumber: '+918047000003', price: 0 });
  add({ startAt: T0 - 10 * MIN, talkMs: 50_000, ringMs: 10_000, status: 'completed', direction: 'inbound', from: '+917000000005', to: '+919800000002', phoneNumber: '+918047000002', price: 1.0 });
  add({ startAt: T0 - 5 * MIN, talkMs: 0, ringMs: 2_000, status: 'failed', direction: 'outbound-api', from: '+919800000001', to: '+917000000001', phoneNumber: '+918047000001', price: 0 });
  add({ startAt: T0 - 4 * MIN, talkMs: 0, ringMs: 8_000, status: 'canceled', direction: 'inbound', from: '+917000000006', to: '+919800000003', phoneNumber: '+918047000004', price: 0 });
  // Ended but not settled: no Duration or Price yet.
  add({ startAt: T0 - 2 * MIN, talkMs: 30_000, ringMs: 5_000, status: 'completed', settleDelayMs: 10 * MIN, price: 0.5 });
  // Not ended: never listed.
  add({ startAt: T0 - 1 * MIN, talkMs: 10 * MIN, status: 'completed' });
  // Older than the default 31 days.
  add({ startAt: T0 - 40 * 86_400_000, talkMs: 10_000, status: 'completed' });
});
afterAll(() => h.close());

async function sids(query: string): Promise<string[]> {
  const res = await h.get(`${LIST}?PageSize=100&SortBy=DateCreated:asc&${query}`);
  expect(res.status, res.text).toBe(200);
  expect(res.json.Metadata.Total).toBe(res.json.Calls.length);
  return res.json.Calls.map((c: { Sid: string }) => c.Sid);
}
const pick = (...i: number[]) => i.map((n) => calls[n]!.sid);
const q = (o: Record<string, string>) => new URLSearchParams(o).toString();

describe('filters', () => {
  it('lists ended calls of the last 31 days by default, ordered by DateCreated', async () => {
    expect(await sids('')).toEqual(pick(0, 1, 2, 3, 4, 5, 6, 7));
    const desc = await h.get(`${LIST}?PageSize=100`);
    expect(desc.json.Calls.map((c: { Sid: string }) => c.Sid)).toEqual(pick(7, 6, 5, 4, 3, 2, 1, 0));
  });

  it('DateCreated: gte, lte, eq and both separators for spaces and `;`', async () => {
    expect(await sids(dateCreated(T0 - 45 * MIN, T0 - 15 * MIN))).toEqual(pick(1, 2, 3));
    expect(await sids(q({ DateCreated: `gte:2025-01-15 11:00:00` }))).toEqual(pick(2, 3, 4, 5, 6, 7));
    expect(await sids(q({ DateCreated: `lte:2025-01-15 10:50:00` }))).toEqual(pick(1, 0).reverse());
    expect(await sids(q({ DateCreated: `eq:2025-01-15 11:10:00` }))).toEqual(pick(3));
    // %20 for spaces and a raw `;`, as some clients send.
    expect(await sids('DateCreated=gte:2025-01-15%2010:45:00;lte:2025-01-15%2011:00:00')).toEqual(pick(1, 2));
    expect(await sids('DateCreated=gte%3A2025-01-15+10%3A45%3A00%3Blte%3A2025-01-15+11%3A00%3A00')).toEqual(pick(1, 2));
    // Edges are inclusive to the second.
    expect(await sids(q({ DateCreated: 'gte:2025-01-15 10:50:00;lte:2025-01-15 11:00:00' }))).toEqual(pick(1, 2));
    // An explicit range reaches past the default 31 days.
    expect(await sids(dateCreated(T0 - 41 * 86_400_000, T0 - 39 * 86_400_000))).toEqual(pick(9));
  });

  it('Sid: a comma list, checked against the last 31 days unless DateCreated is given', async () => {
    expect(await sids(q({ Sid: pick(4, 0, 9).join(',') }))).toEqual(pick(0, 4));
    expect(await sids(q({ Sid: pick(9).join(','), ...Object.fromEntries(new URLSearchParams(dateCreated(T0 - 41 * 86_400_000, T0 - 39 * 86_400_000))) }))).toEqual(pick(9));
    expect(await sids(q({ Sid: 'ffffffffffffffffffffffffffffffff' }))).toEqual([]);
    expect(await sids(q({ Sid: pick(8).join(',') }))).toEqual([]); // not ended
  });

  it('To, From, PhoneNumber: E.164 comma lists (OR), `+` encoded or not', async () => {
    expect(await sids(q({ To: '+919800000001' }))).toEqual(pick(0, 3, 7)); // 7 has the default numbers
    expect(await sids(q({ To: '+919800000001,+917000000001' }))).toEqual(pick(0, 3, 5, 7));
    expect(await sids(q({ From: '+919800000002,+917000000005' }))).toEqual(pick(1, 4));
    expect(await sids(q({ PhoneNumber: '+918047000001' }))).toEqual(pick(0, 2, 5, 7));
    expect(await sids('PhoneNumber=+918047000003')).toEqual(pick(3)); // an unencoded `+` arrives as a space
  });

  it('Status (comma OR; ongoing statuses match nothing) and Direction', async () => {
    expect(await sids(q({ Status: 'completed' }))).toEqual(pick(0, 1, 4, 7));
    expect(await sids(q({ Status: 'busy,no-answer' }))).toEqual(pick(2, 3));
    expect(await sids(q({ Status: 'failed,canceled' }))).toEqual(pick(5, 6));
    expect(await sids(q({ Status: 'in-progress,queued,ringing' }))).toEqual([]);
    expect(await sids(q({ Direction: 'inbound' }))).toEqual(pick(0, 3, 4, 6, 7));
    expect(await sids(q({ Direction: 'outbound-api,outbound-dial' }))).toEqual(pick(1, 2, 5));
  });

  it('Duration: eq, bare, gte, lte, ranges; only filled-in Durations match', async () => {
    expect(await sids(q({ Duration: 'eq:10s' }))).toEqual(pick(0));
    expect(await sids(q({ Duration: '10s' }))).toEqual(pick(0));
    expect(await sids(q({ Duration: 'gte:30s' }))).toEqual(pick(1, 2, 4)); // call 7 (35 s) has not settled
    expect(await sids(q({ Duration: 'lte:8s' }))).toEqual(pick(3, 5, 6));
    expect(await sids(q({ Duration: 'gte:10s;lte:45s' }))).toEqual(pick(0, 1, 2));
    h.clock.advance(10 * MIN); // call 7 settles
    expect(await sids(q({ Duration: 'eq:35s' }))).toEqual(pick(7));
    h.clock.advance(-10 * MIN);
  });

  it('Price: gte, lte, eq (decimals)', async () => {
    expect(await sids(q({ Price: 'gte:0.10;lte:1.0' }))).toEqual(pick(0, 1, 4));
    expect(await sids(q({ Price: 'eq:0.300000' }))).toEqual(pick(1));
    expect(await sids(q({ Price: 'lte:0' }))).toEqual(pick(2, 3, 5, 6));
  });

  it('combines filters with AND', async () => {
    expect(await sids(q({ Status: 'completed', Direction: 'inbound', PhoneNumber: '+918047000002' }))).toEqual(pick(4));
  });

  it('details=true adds leg details', async () => {
    const res = await h.get(`${LIST}?details=true&${q({ Sid: pick(3)[0]! })}`);
    expect(res.json.Calls[0].Details).toEqual({
      ConversationDuration: 0,
      Legs: [{ Leg: { Id: 1, OnCallDuration: 4 } }, { Leg: { Id: 2, OnCallDuration: 0 } }],
      Leg1Status: 'completed',
      Leg2Status: 'busy',
    });
  });
});

describe('validation', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['PageSize', 'PageSize=101', /`101` for query parameter `PageSize`/],
    ['PageSize', 'PageSize=0', /`0` for query parameter `PageSize`/],
    ['PageSize', 'PageSize=ten', /`ten` for query parameter `PageSize`/],
    ['SortBy', 'SortBy=Duration:asc', /`Duration:asc` for query parameter `SortBy`/],
    ['DateCreated', q({ DateCreated: 'gte:2025-01-01 00:00:00;lte:2025-02-15 00:00:00' }), /query parameter `DateCreated`: expected a range of at most 1 month/],
    ['DateCreated', q({ DateCreated: 'gte:2024-06-01 00:00:00;lte:2024-06-20 00:00:00' }), /`DateCreated`: expected records at most 6 months old/],
    ['DateCreated', q({ DateCreated: 'gte:yesterday' }), /`gte:yesterday` for query parameter `DateCreated`/],
    ['DateCreated', q({ DateCreated: 'gte:2025-01-15 11:00:00;lte:2025-01-15 10:00:00' }), /`DateCreated`: expected a range whose `gte:` is not after its `lte:`/],
    ['Duration', q({ Duration: 'gt:10s' }), /`gt:10s` for query parameter `Duration`/],
    ['Duration', q({ Duration: 'gte:ten' }), /`gte:ten` for query parameter `Duration`/],
    ['Price', q({ Price: 'gte:cheap' }), /`gte:cheap` for query parameter `Price`/],
    ['Status', q({ Status: 'done' }), /`done` for query parameter `Status`/],
    ['Direction', q({ Direction: 'outbound' }), /`outbound` for query parameter `Direction`/],
    ['To', q({ To: '9800000001' }), /`9800000001` for query parameter `To`/],
    ['From', q({ From: Array.from({ length: 6 }, (_, i) => `+91980000000${i}`).join(',') }), /query parameter `From`: expected at most 5/],
    ['PhoneNumber', q({ PhoneNumber: '+91abc' }), /`\+91abc` for query parameter `PhoneNumber`/],
    ['Sid', q({ Sid: Array.from({ length: 101 }, (_, i) => `s${i}`).join(',') }), /query parameter `Sid`: expected at most 100/],
    ['After', q({ After: 'bm90IGEgY3Vyc29y' }), /`bm90IGEgY3Vyc29y` for query parameter `After`/],
    ['details', q({ details: 'yes' }), /`yes` for query parameter `details`/],
  ];
  it.each(cases)('rejects a bad %s with a 400 naming it', async (_name, query, message) => {
    const res = await h.get(`${LIST}?${query}`);
    expect(res.status).toBe(400);
    expect(res.json.RestException.Status).toBe(400);
    expect(res.json.RestException.Message).toMatch(message);
  });

  it('rejects After and Before together', async () => {
    const res = await h.get(`${LIST}?After=MSxh&Before=MSxh`);
    expect(res.status).toBe(400);
    expect(res.json.RestException.Message).toContain('`After` and `Before`');
  });

  it('answers errors in XML on the XML endpoint', async () => {
    const res = await h.get('/v1/Accounts/acme1/Calls?PageSize=500');
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/<TwilioResponse><RestException><Status>400<\/Status><Message>Invalid value `500` for query parameter `PageSize`/);
  });
});
