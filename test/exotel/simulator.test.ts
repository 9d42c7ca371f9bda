/**
 * The client against the simulator over real sockets: every filter and operator, paging, and every
 * fault kind. The simulator's clock is frozen at `NOW` (its rate limit is off here; the quota has
 * its own test under fake timers).
 */
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NOW, simulatedClients } from './helpers/simulatedClients.js';
import type { CallSpec, Simulator } from '../../src/simulator/index.js';
import { ExotelClient } from '../../src/exotel/ExotelClient.js';
import type { RetryContext } from '../../src/exotel/withRetries.js';
import { ExotelError, MalformedRecordError } from '../../src/exotel/errors.js';
import { normalizeCall } from '../../src/exotel/normalizeCall.js';
import type { CallQuery } from '../../src/exotel/buildCallQuery.js';
import type { Call, CallDirection, CallStatus, RawCall } from '../../src/exotel/types.js';

const TZ = 'Asia/Kolkata';
const TOKEN = 'tok-9f1c-SECRET-77aa';
const ACCOUNTS = [
  { accountSid: 'acme1', apiKey: 'sim-key', apiToken: TOKEN },
  { accountSid: 'acme2', apiKey: 'other-key', apiToken: 'other-token-0042' },
];
const MIN = 60_000;
const { simulator, clientFor, collect } = simulatedClients({
  simulator: { accounts: ACCOUNTS },
  client: { apiToken: TOKEN, retryMinTimeoutMs: 1, retryMaxTimeoutMs: 5 },
});

function expectNoSecret(value: unknown): void {
  const basic = Buffer.from(`sim-key:${TOKEN}`).toString('base64');
  for (const text of [String(value), JSON.stringify(value), inspect(value, { depth: 10, showHidden: true })]) {
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(basic);
  }
}

async function failure(promise: Promise<unknown>): Promise<ExotelError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ExotelError);
    expectNoSecret(error);
    return error as ExotelError;
  }
  throw new Error('expected a rejection');
}

describe('filters and operators against the simulator', () => {
  let sim: Simulator;
  let client: ExotelClient;
  /** Every record the API lists at NOW, normalized (ground truth). */
  let listed: Call[];
  const window = { gte: NOW - 3 * 3600_000, lte: NOW };

  beforeAll(async () => {
    sim = await simulator();
    const statuses: CallStatus[] = ['completed', 'completed', 'failed', 'busy', 'no-answer', 'canceled'];
    const directions: CallDirection[] = ['inbound', 'outbound-api', 'outbound-dial'];
    for (let i = 0; i < 90; i++) {
      const status = statuses[i % statuses.length]!;
      const spec: CallSpec = {
        startAt: NOW - 2 * 3600_000 + i * 61_000 + (i % 3) * 1000,
        status,
        direction: directions[i % 3]!,
        from: `+9170000000${String(i % 7).padStart(2, '0')}`,
        to: `+9198000000${String(i % 4).padStart(2, '0')}`,
        phoneNumber: `+91804700000${i % 3}`,
        ringMs: 5_000,
        talkMs: status === 'completed' ? (i % 10) * 15_000 : 0,
        price: status === 'completed' ? (i % 5) * 0.5 : 0,
      };
      sim.addCall(spec);
    }
    // Two calls in the same second, and one still ringing (never listed).
    sim.addCall({ startAt: NOW - 30 * MIN, sid: 'samesecond1' });
    sim.addCall({ startAt: NOW - 30 * MIN, sid: 'samesecond2' });
    sim.addCall({ startAt: NOW - 2_000, sid: 'stillringing', talkMs: 600_000 });
    listed = sim
      .calls()
      .map((c) => c.recordAt(NOW, { details: true }))
      .filter((r): r is RawCall => r !== undefined)
      .map((r) => normalizeCall(r, { timeZone: TZ, details: true }));
    client = new ExotelClient({ accountSid: 'acme1', apiKey: 'sim-key', apiToken: TOKEN, baseUrl: sim.url });
  });
  afterAll(() => client.close());

  const sidsOf = (records: RawCall[]) => records.map((r) => r.Sid).sort();
  const expected = (predicate: (c: Call) => boolean) =>
    listed
      .filter((c) => c.dateCreated.getTime() >= window.gte && c.dateCreated.getTime() <= window.lte && predicate(c))
      .map((c) => c.sid)
      .sort();

  it('lists every ended call of the window, and not the ringing one', async () => {
    const all = await collect(client, { dateCreated: window, pageSize: 100 });
    expect(sidsOf(all)).toEqual(expected(() => true));
    expect(all.length).toBe(92);
    expect(all.map((r) => r.Sid)).not.toContain('stillringing');
  });

  const cases: Array<[string, CallQuery, (c: Call) => boolean]> = [
    ['sid (several)', { sid: ['samesecond1', 'samesecond2'] }, (c) => c.sid.startsWith('samesecond')],
    ['to (one)', { to: '+919800000001' }, (c) => c.to === '+919800000001'],
    ['to (several)', { to: ['+919800000001', '+919800000003'] }, (c) => c.to === '+919800000001' || c.to === '+919800000003'],
    ['from', { from: ['+917000000002', '+917000000005'] }, (c) => c.from === '+917000000002' || c.from === '+917000000005'],
    ['phoneNumber', { phoneNumber: '+918047000002' }, (c) => c.phoneNumber === '+918047000002'],
    ['status (one)', { status: 'busy' }, (c) => c.status === 'busy'],
    ['status (several)', { status: ['failed', 'no-answer', 'canceled'] }, (c) => ['failed', 'no-answer', 'canceled'].includes(c.status)],
    ['direction (one)', { direction: 'outbound-dial' }, (c) => c.direction === 'outbound-dial'],
    ['direction (several)', { direction: ['inbound', 'outbound-api'] }, (c) => c.direction !== 'outbound-dial'],
    ['duration gte', { duration: { gte: 50 } }, (c) => c.duration !== null && c.duration >= 50],
    ['duration lte', { duration: { lte: 20 } }, (c) => c.duration !== null && c.duration <= 20],
    ['duration gte and lte', { duration: { gte: 20, lte: 80 } }, (c) => c.duration !== null && c.duration >= 20 && c.duration <= 80],
    ['duration eq', { duration: { eq: 35 } }, (c) => c.duration === 35],
    ['price gte', { price: { gte: 1.5 } }, (c) => c.price !== null && c.price >= 1.5],
    ['price lte', { price: { lte: 0.5 } }, (c) => c.price !== null && c.price <= 0.5],
    ['price gte and lte', { price: { gte: 0.5, lte: 1.5 } }, (c) => c.price !== null && c.price >= 0.5 && c.price <= 1.5],
    ['price eq', { price: { eq: 1 } }, (c) => c.price === 1],
    [
      'several filters at once',
      { status: 'completed', direction: 'inbound', duration: { gte: 10 } },
      (c) => c.status === 'completed' && c.direction === 'inbound' && c.duration !== null && c.duration >= 10,
    ],
  ];

  it.each(cases)('filters by %s', async (_name, query, predicate) => {
    const want = expected(predicate);
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(92);
    expect(sidsOf(await collect(client, { ...query, dateCreated: window, pageSize: 100 }))).toEqual(want);
  });

  it('filters DateCreated with gte, lte and eq at second resolution, both bounds inclusive', async () => {
    const t = NOW - 30 * MIN;
    const both = await collect(client, { dateCreated: { gte: t, lte: t } });
    expect(sidsOf(both)).toEqual(['samesecond1', 'samesecond2']);
    const eq = await collect(client, { dateCreated: { eq: t + 999 } });
    expect(sidsOf(eq)).toEqual(['samesecond1', 'samesecond2']);
    const from = NOW - 90 * MIN;
    const gte = await collect(client, { dateCreated: { gte: from }, pageSize: 100 });
    expect(sidsOf(gte)).toEqual(listed.filter((c) => c.dateCreated.getTime() >= from).map((c) => c.sid).sort());
    const lte = await collect(client, { dateCreated: { gte: window.gte, lte: from } });
    expect(sidsOf(lte)).toEqual(expected((c) => c.dateCreated.getTime() <= from));
  });

  it('sorts both ways and pages by pageSize', async () => {
    const pages: number[] = [];
    const asc: RawCall[] = [];
    for await (const page of client.listAll({ dateCreated: window, pageSize: 7, sortBy: 'asc' })) {
      pages.push(page.calls.length);
      asc.push(...page.calls);
    }
    expect(pages.slice(0, -1).every((n) => n === 7)).toBe(true);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(92);
    const times = (rs: RawCall[]) => rs.map((r) => normalizeCall(r, { timeZone: TZ }).dateCreated.getTime());
    const ascTimes = times(asc);
    expect(ascTimes).toEqual([...ascTimes].sort((a, b) => a - b));
    const desc = await collect(client, { dateCreated: window, pageSize: 9, sortBy: 'desc' });
    const descTimes = times(desc);
    expect(descTimes).toEqual([...descTimes].sort((a, b) => b - a));
    expect(sidsOf(desc)).toEqual(sidsOf(asc));
  });

  it('sends an After cursor lifted from NextPageUri like the page URI itself', async () => {
    const first = await client.listPage({ dateCreated: window, pageSize: 10, sortBy: 'asc' });
    const after = new URLSearchParams(first.nextPageUri!.split('?')[1]).get('After')!;
    const viaCursor = await client.listPage({ dateCreated: window, pageSize: 10, sortBy: 'asc', after });
    const viaUri = await client.listPage({ pageUri: first.nextPageUri! });
    expect(viaCursor.calls.map((r) => r.Sid)).toEqual(viaUri.calls.map((r) => r.Sid));
    expect(viaCursor.calls[0]?.Sid).not.toBe(first.calls[0]?.Sid);
    expect(viaCursor.total).toBe(92);
  });

  it('asks for details, and reads one call by Sid', async () => {
    const [withDetails] = (await client.listPage({ sid: 'samesecond1', details: true })).calls;
    expect(normalizeCall(withDetails, { timeZone: TZ, details: true }).details?.legs.length).toBeGreaterThan(0);
    const [without] = (await client.listPage({ sid: 'samesecond1' })).calls;
    expect(without?.Details).toBeUndefined();
    const one = await client.getCall('samesecond1', { details: true });
    expect(one.Sid).toBe('samesecond1');
    expect(one.Details).toBeDefined();
    expect((await failure(client.getCall('nosuchcall'))).code).toBe('ERR_EXOTEL_NOT_FOUND');
  });
});

describe('faults against the simulator', () => {
  let sim: Simulator;
  const query: CallQuery = { dateCreated: { gte: NOW - 60 * MIN, lte: NOW }, pageSize: 10, sortBy: 'asc' };

  beforeAll(async () => {
    sim = await simulator();
    for (let i = 0; i < 30; i++) sim.addCall({ startAt: NOW - 50 * MIN + i * 60_000 });
  });
  afterEach(() => sim.clearFaults());

  const statusesSince = (from: number) => sim.history.slice(from).map((r) => r.status);

  it.each([
    ['status 500', { kind: 'status', status: 500, times: 2 }, 'ERR_EXOTEL_SERVER'],
    ['status 503', { kind: 'status', status: 503 }, 'ERR_EXOTEL_SERVER'],
    ['rate-limit', { kind: 'rate-limit', retryAfterSeconds: 2 }, 'ERR_EXOTEL_RATE_LIMITED'],
    ['rate-limit with an HTTP date', { kind: 'rate-limit', retryAfter: 'http-date', retryAfterSeconds: 2 }, 'ERR_EXOTEL_RATE_LIMITED'],
    ['reset', { kind: 'reset', times: 2 }, 'ERR_EXOTEL_NETWORK'],
    ['truncated', { kind: 'truncated' }, 'ERR_EXOTEL_MALFORMED_RESPONSE'],
    ['malformed', { kind: 'malformed' }, 'ERR_EXOTEL_MALFORMED_RESPONSE'],
    ['delay past the headers timeout', { kind: 'delay', delayMs: 1500 }, 'ERR_EXOTEL_TIMEOUT'],
  ] as const)('heals %s by retrying', async (_name, fault, code) => {
    const retries: RetryContext[] = [];
    const client = clientFor(sim, { onRetry: (ctx) => retries.push(ctx), maxRetryAfterMs: 30, headersTimeoutMs: 200 });
    sim.inject(fault);
    const start = sim.history.length;
    const page = await client.listPage(query);
    expect(page.calls).toHaveLength(10);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries.every((r) => r.error.code === code)).toBe(true);
    for (const r of retries) expectNoSecret(r.error);
    if (fault.kind === 'rate-limit') expect(retries[0]?.delayMs).toBe(30); // Retry-After (2 s) cut to maxRetryAfterMs
    expect(statusesSince(start).at(-1)).toBe(200);
    sim.assertNoPendingFaults();
  });

  it('reports a persistent 5xx as the right error when retries run out', async () => {
    sim.inject({ kind: 'status', status: 502, persist: true });
    const start = sim.history.length;
    const e = await failure(clientFor(sim, { retries: 3 }).listPage(query));
    expect(e).toMatchObject({ code: 'ERR_EXOTEL_SERVER', status: 502, apiMessage: 'Simulated error 502', fatal: false });
    expect(statusesSince(start)).toEqual([502, 502, 502, 502]);
  });

  it('reports persistent truncation and malformed bodies after retries', async () => {
    sim.inject({ kind: 'malformed', persist: true });
    expect((await failure(clientFor(sim, { retries: 1 }).listPage(query))).code).toBe('ERR_EXOTEL_MALFORMED_RESPONSE');
    sim.clearFaults();
    sim.inject({ kind: 'truncated', persist: true });
    const e = await failure(clientFor(sim, { retries: 1 }).listPage(query));
    expect(e).toMatchObject({ code: 'ERR_EXOTEL_MALFORMED_RESPONSE', status: 200 });
    expect(e.name).toBe('ExotelResponseError');
    expect(e.message).toContain('truncated');
  });

  it.each([
    [400, 'ERR_EXOTEL_BAD_REQUEST', false],
    [402, 'ERR_EXOTEL_PAYMENT_REQUIRED', true],
    [404, 'ERR_EXOTEL_NOT_FOUND', false],
    [409, 'ERR_EXOTEL_CONFLICT', false],
  ] as const)('does not retry an injected %i', async (status, code, fatal) => {
    sim.inject({ kind: 'status', status, times: 3 });
    const start = sim.history.length;
    const e = await failure(clientFor(sim).listPage(query));
    expect(e).toMatchObject({ code, status, fatal });
    expect(statusesSince(start)).toEqual([status]);
  });

  it('maps a wrong token to a fatal 401 and another account to a fatal 403, never showing the token', async () => {
    const start = sim.history.length;
    const wrong = clientFor(sim, { apiToken: `${TOKEN}-wrong` });
    const e401 = await failure(wrong.listPage(query));
    expect(e401).toMatchObject({ code: 'ERR_EXOTEL_UNAUTHORIZED', status: 401, fatal: true });
    expect(String(e401)).not.toContain(`${TOKEN}-wrong`);
    const other = clientFor(sim, { accountSid: 'acme2' });
    const e403 = await failure(other.listPage(query));
    expect(e403).toMatchObject({ code: 'ERR_EXOTEL_FORBIDDEN', status: 403, fatal: true });
    expect(e403.message).toContain('403');
    expect(e403.message).toContain('GET /v1/Accounts/acme2/Calls.json');
    expect(statusesSince(start)).toEqual([401, 403]);
  });

  it('drops a row the API repeats across pages', async () => {
    sim.inject({ kind: 'duplicate-row', times: 2 });
    const client = clientFor(sim);
    const raw: string[] = [];
    const start = sim.history.length;
    for await (const page of client.listAll(query)) raw.push(...page.calls.map((r) => r.Sid));
    expect(sim.history.slice(start).some((r) => r.fault === 'duplicate-row')).toBe(true);
    expect(new Set(raw).size).toBe(raw.length);
    expect(raw).toHaveLength(30);
  });

  it.each(['DateCreated', 'Sid', 'Status', 'Duration'] as const)('leaves a bad record (%s) to normalizeCall, which names it', async (field) => {
    sim.inject({ kind: 'bad-record', field });
    const page = await clientFor(sim).listPage(query);
    const errors: MalformedRecordError[] = [];
    let good = 0;
    for (const r of page.calls) {
      try {
        normalizeCall(r, { timeZone: TZ });
        good++;
      } catch (error) {
        expect(error).toBeInstanceOf(MalformedRecordError);
        errors.push(error as MalformedRecordError);
      }
    }
    expect(good).toBe(9);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(field);
  });

  it('aborts a delayed request with ERR_ABORTED and does not retry it', async () => {
    sim.inject({ kind: 'delay', delayMs: 300 });
    const controller = new AbortController();
    const start = sim.history.length;
    const pending = clientFor(sim).listPage(query, { signal: controller.signal });
    // Abort once the request is held by the delay (on a busy machine it may take a while to arrive).
    for (let i = 0; i < 500 && sim.history.length === start; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sim.history.length - start).toBe(1);
    controller.abort();
    expect((await failure(pending)).code).toBe('ERR_ABORTED');
    expect(sim.history.length - start).toBe(1);
  });
});
