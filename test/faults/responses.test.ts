/**
 * Faults of the API's answers under a running stream, over the in-process simulator on a fake
 * clock: pages larger than asked, broken records, Sids repeated, records that change while a
 * listing is read, redirects, wrong content types, compressed bodies, odd `Retry-After`s and a
 * 429 storm of minutes. Each is counted against the simulator's ground truth.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '@sinonjs/fake-timers';
import { createSimulator } from '../../src/simulator/index.js';
import type { FaultSpec, Simulator, SimulatorOptions } from '../../src/simulator/index.js';
import type { CallStreamOptions } from '../../src/stream/types.js';
import { installClock, record, stopUnder, streamOn } from '../stream/harness.js';
import { MINUTE, expectNoSecret, summarizeErrors, tally } from './helpers.js';
import type { Tally } from './helpers.js';
import { reportFault } from './reliability.js';
import type { FaultRow } from './reliability.js';

const FILE = 'test/faults/responses.test.ts';
const T0 = Date.UTC(2026, 0, 15, 6, 0, 0);
const SETTLE_MS = 120_000;
const SOAK = Boolean(process.env.SOAK);

let clock: Clock | undefined;
afterEach(() => {
  clock?.uninstall();
  clock = undefined;
});

interface Window {
  /** Minutes from the start. */
  from: number;
  to: number;
  faults: FaultSpec[];
}

interface Scenario {
  seed: number;
  minutes: number;
  windows: Window[];
  sim?: SimulatorOptions;
  stream?: Partial<CallStreamOptions>;
  callsPerMinute?: number;
}

/**
 * Runs a stream for `minutes` with each window's faults in force from its `from` to its `to`
 * minute (re-armed each minute, so that `times` counts per minute), then counts.
 */
async function run(s: Scenario) {
  clock = installClock(T0);
  const sim: Simulator = createSimulator({
    seed: s.seed,
    traffic: { callsPerMinute: s.callsPerMinute ?? 4, startAt: T0 - 30 * MINUTE, mix: { correctionRate: 0.1 } },
    settleDelayMs: { min: 20_000, max: 90_000 },
    ...s.sim,
  });
  const stream = streamOn(sim, { settleMs: SETTLE_MS, ...s.stream });
  const log = record(stream);
  let fatal: unknown;
  stream.events$.subscribe({ error: (e: unknown) => (fatal = e) });
  const requestsAt: number[] = [];
  for (let minute = 0; minute < s.minutes; minute++) {
    sim.clearFaults();
    for (const w of s.windows) if (minute >= w.from && minute < w.to) for (const f of w.faults) sim.inject(f);
    await clock.tickAsync(MINUTE);
    requestsAt.push(sim.history.length);
  }
  sim.clearFaults();
  const endedAt = Date.now();
  await stopUnder(clock, stream);
  const t = tally(log.emissions, sim.calls({ to: endedAt }), endedAt - SETTLE_MS - 3 * MINUTE, SETTLE_MS);
  const perMinute = requestsAt.map((n, i) => n - (requestsAt[i - 1] ?? 0));
  expectNoSecret(log.errors, fatal);
  return { sim, log, t, fatal, perMinute };
}

function row(id: string, t: Tally, errors: ReadonlyArray<{ code: string; message: string; fatal?: boolean }>, fields: Pick<FaultRow, 'fault' | 'injected' | 'duration' | 'test'>): void {
  reportFault({ id, ...fields, expected: t.expected, lost: t.lost, duplicated: t.duplicated, early: t.early, userSaw: summarizeErrors(errors), file: FILE, deterministic: true });
}

const expectDelivered = (t: Tally) => {
  expect(t.problems).toEqual([]);
  expect(t.expected).toBeGreaterThan(60);
};

describe('faults of the answers, under a running stream', () => {
  it('pages larger than asked', async () => {
    const r = await run({ seed: 41, minutes: 25, stream: { pageSize: 10 }, windows: [{ from: 0, to: 20, faults: [{ kind: 'oversized-page', extraRecords: 15, rate: 0.5 }] }] });
    row('http.oversized-page', r.t, r.log.errors, {
      fault: 'a page larger than asked (PageSize 10, 25 records)',
      injected: 'simulator `oversized-page` fault on half the list requests (`extraRecords: 15`), `pageSize: 10`',
      duration: '20 min of 25',
      test: 'pages larger than asked',
    });
    expectDelivered(r.t);
    expect(r.sim.history.filter((h) => h.fault === 'oversized-page').length).toBeGreaterThan(20);
    expect(r.log.errors).toEqual([]);
  });

  it('records with missing or mistyped fields', async () => {
    const broken: FaultSpec[] = [
      { kind: 'bad-record', field: 'Status', break: 'missing', rate: 0.1 },
      { kind: 'bad-record', field: 'DateCreated', break: 'missing', rate: 0.1 },
      { kind: 'bad-record', field: 'Price', break: 'mistyped', rate: 0.1 },
      { kind: 'bad-record', field: 'Duration', break: 'mistyped', rate: 0.1 },
      { kind: 'bad-record', field: 'EndTime', rate: 0.1 },
      { kind: 'bad-record', field: 'Sid', break: 'mistyped', rate: 0.1 },
    ];
    const r = await run({ seed: 42, minutes: 25, windows: [{ from: 0, to: 20, faults: broken }] });
    row('http.bad-records', r.t, r.log.errors, {
      fault: 'records with missing or mistyped fields',
      injected: 'simulator `bad-record` faults, each on 10 % of requests: Status and DateCreated missing, Price, Duration and Sid wrapped in an array, EndTime `not-a-date`',
      duration: '20 min of 25',
      test: 'missing or mistyped fields',
    });
    expectDelivered(r.t);
    const malformed = r.log.errors.filter((e) => e.code === 'ERR_EXOTEL_MALFORMED_RECORD');
    expect(malformed.length).toBeGreaterThan(10);
    expect(r.log.errors.filter((e) => e.code !== 'ERR_EXOTEL_MALFORMED_RECORD')).toEqual([]);
    for (const e of malformed) expect(e.message).toMatch(/`(Status|DateCreated|Price|Duration|EndTime|Sid)`/);
  });

  it('the same Sid twice in one page and across pages', async () => {
    const r = await run({
      seed: 43,
      minutes: 25,
      stream: { pageSize: 5 },
      windows: [{ from: 0, to: 20, faults: [{ kind: 'duplicate-sid', rate: 0.4 }, { kind: 'duplicate-row', rate: 0.4 }] }],
    });
    row('http.duplicate-sids', r.t, r.log.errors, {
      fault: 'the same Sid twice in one page, and across pages of one listing',
      injected: 'simulator `duplicate-sid` (a record twice on a page) and `duplicate-row` (next page repeats the last row), each on 40 % of requests, `pageSize: 5`',
      duration: '20 min of 25',
      test: 'the same Sid twice',
    });
    expectDelivered(r.t);
    expect(r.sim.history.filter((h) => h.fault?.includes('duplicate')).length).toBeGreaterThan(50);
    expect(r.log.errors).toEqual([]);
  });

  it('records that change between the pages of one listing', async () => {
    // Each answer takes 20 s of the (fake) clock: a listing of several pages spans a minute or more,
    // during which calls end, settle and are corrected; the cursor must neither skip nor repeat.
    const r = await run({
      seed: 44,
      minutes: 30,
      callsPerMinute: 6,
      sim: { settleDelayMs: { min: 5_000, max: 30_000 }, traffic: { callsPerMinute: 6, startAt: T0 - 30 * MINUTE, mix: { correctionRate: 0.3, correctionDelayMs: { min: 5_000, max: 60_000 } } } },
      stream: { pageSize: 5 },
      windows: [{ from: 0, to: 25, faults: [{ kind: 'delay', delayMs: 20_000, persist: true }, { kind: 'duplicate-row', rate: 0.3 }] }],
    });
    row('http.changing-pages', r.t, r.log.errors, {
      fault: 'records that change between pages of one listing',
      injected: 'every answer delayed 20 s on the fake clock (`delay` fault), `pageSize: 5`, calls settling 5–30 s after their end and 30 % corrected within a minute, plus `duplicate-row` on 30 % (a changed record seen again on the next page)',
      duration: '25 min of 30',
      test: 'change between the pages',
    });
    expectDelivered(r.t);
    expect(r.log.emissions.filter((e) => e.event.type === 'callUpdated').length).toBeGreaterThan(5);
  });

  it('a 3xx redirect for 3 minutes', async () => {
    const r = await run({ seed: 45, minutes: 25, windows: [{ from: 5, to: 8, faults: [{ kind: 'redirect', redirectStatus: 301, persist: true }] }] });
    row('http.redirect', r.t, r.log.errors, {
      fault: 'a 3xx (301 to another host)',
      injected: 'simulator `redirect` fault on every request',
      duration: '3 min of 25',
      test: 'a 3xx redirect',
    });
    expectDelivered(r.t);
    expect(r.log.errors.length).toBeGreaterThan(0);
    for (const e of r.log.errors) {
      expect(e).toMatchObject({ code: 'ERR_EXOTEL_HTTP', status: 301, fatal: false });
      expect(e.message).toMatch(/^Exotel API answered 301 to GET \/v1\/Accounts\/acme1\/Calls\.json: Moved \(a redirect to https:\/\/api\.exotel\.com\/v1\/Accounts\/acme1\/Calls\.json\): redirects are not followed/);
    }
    // Not retried: one request per read while it lasts.
    expect(r.sim.history.filter((h) => h.status === 301).length).toBe(r.log.errors.length);
  });

  it('a 200 with a wrong content type: a proxy page, and JSON labelled text/plain', async () => {
    const r = await run({
      seed: 46,
      minutes: 25,
      windows: [
        { from: 0, to: 20, faults: [{ kind: 'content-type', rate: 0.2 }] },
        { from: 0, to: 20, faults: [{ kind: 'content-type', contentType: 'text/plain', body: 'same', rate: 0.3 }] },
      ],
    });
    row('http.wrong-content-type', r.t, r.log.errors, {
      fault: 'a 200 with a wrong content type',
      injected: 'simulator `content-type` faults: an HTML page as `text/html` on 20 % of requests (retried), the JSON itself as `text/plain` on 30 % (read)',
      duration: '20 min of 25',
      test: 'a wrong content type',
    });
    expectDelivered(r.t);
    expect(r.sim.history.filter((h) => h.fault === 'content-type').length).toBeGreaterThan(50);
    for (const e of r.log.errors) expect(e.message).toMatch(/a body that is not JSON \("text\/html; charset=utf-8", \d+ characters; expected application\/json\)/);
  });

  it('gzip, deflate and br bodies, asked for and not', async () => {
    const r = await run({
      seed: 47,
      minutes: 25,
      sim: { contentEncoding: 'negotiate' },
      windows: [{ from: 0, to: 20, faults: [{ kind: 'encoding', encoding: 'deflate', rate: 0.3 }, { kind: 'encoding', encoding: 'gzip', rate: 0.3 }] }],
    });
    row('http.compressed', r.t, r.log.errors, {
      fault: 'gzip-, deflate- and br-encoded bodies',
      injected: 'simulator `contentEncoding: negotiate` (the client asks `gzip, deflate, br`: br chosen), plus `encoding` faults forcing deflate or gzip on 30 % each',
      duration: '20 min of 25',
      test: 'gzip, deflate and br',
    });
    expectDelivered(r.t);
    expect(r.log.errors).toEqual([]);
    expect(r.sim.history.filter((h) => h.fault === 'encoding').length).toBeGreaterThan(50);
  });

  describe('Retry-After', () => {
    const cases: Array<[string, string, string, string]> = [
      ['http.retry-after-day', 'of a day', '86400', '`Retry-After: 86400` (a day): honoured up to `maxRetryAfterMs` (2 min), every request held meanwhile'],
      ['http.retry-after-garbage', 'of garbage', 'soon', '`Retry-After: soon`: unreadable, the backoff decides'],
      ['http.retry-after-past', 'an HTTP date in the past', 'Wed, 01 Jan 2020 00:00:00 GMT', '`Retry-After` an HTTP date of 2020: the backoff decides, not a retry at once'],
    ];
    it.each(cases)('%s: a 429 with a Retry-After %s', async (id, what, header, how) => {
      const r = await run({ seed: 48, minutes: 25, windows: [{ from: 5, to: 7, faults: [{ kind: 'rate-limit', retryAfterHeader: header, times: 4 }] }] });
      row(id, r.t, r.log.errors, { fault: `a 429 with a Retry-After ${what}`, injected: `simulator \`rate-limit\` fault, 4 times a minute: ${how}`, duration: '2 min of 25', test: what });
      expectDelivered(r.t);
      expect(r.log.errors).toEqual([]);
      const limited = r.sim.history.filter((h) => h.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      // Each 429 is retried, never at once: after the capped wait (2 min) for a day, after the
      // backoff (at least retryMinTimeoutMs, 1 s) otherwise.
      const least = header === '86400' ? 120_000 : 1_000;
      for (const h of limited) {
        const retry = r.sim.history.find((n) => n.at > h.at && n.path === h.path && JSON.stringify(n.query) === JSON.stringify(h.query));
        expect(retry, `the retry of the 429 at ${h.at}`).toBeDefined();
        expect(retry!.at - h.at).toBeGreaterThanOrEqual(least);
      }
      // A day is held for everything: no request at all in the two minutes after the first 429.
      if (header === '86400') expect(r.sim.history.filter((n) => n.at > limited[0]!.at && n.at < limited[0]!.at + 119_000)).toEqual([]);
    });
  });

  it('a 429 storm lasting 5 minutes', async () => {
    const stormMinutes = SOAK ? 60 : 5;
    const r = await run({
      seed: 49,
      minutes: stormMinutes + 20,
      windows: [{ from: 5, to: 5 + stormMinutes, faults: [{ kind: 'rate-limit', retryAfterSeconds: 1, persist: true }] }],
    });
    row('quota.429-storm', r.t, r.log.errors, {
      fault: 'a 429 storm',
      injected: 'every request answered 429 with `Retry-After: 1` (simulator `rate-limit` fault, persist)',
      duration: `${stormMinutes} min of ${stormMinutes + 20}`,
      test: 'a 429 storm',
    });
    expectDelivered(r.t);
    expect(r.log.errors.length).toBeGreaterThan(0);
    for (const e of r.log.errors) expect(e).toMatchObject({ code: 'ERR_EXOTEL_RATE_LIMITED', status: 429, fatal: false });
    // The storm is not fed: within the quota every minute, 429s included.
    for (const n of r.perMinute) expect(n).toBeLessThanOrEqual(200);
    expect(r.fatal).toBeUndefined();
  });
});
