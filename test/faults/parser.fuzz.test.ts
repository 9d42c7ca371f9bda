/**
 * Fuzzing what the API answers: bodies of any JSON, pages with any `Metadata` (or none), records
 * with any fields of any type, statuses, content types and encodings. Whatever comes, nothing is
 * thrown out of the stream: its observables never error on it, every problem is an `ExotelError`
 * on `errors$` with a known code, and `stop()` ends it cleanly. The same for the client's own
 * `listPage`/`listAll`/`getCall`: they reject with an `ExotelError`, never anything else.
 */
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { evenNumber } from '../helpers/arbitraries.js';
import { ExotelClient, createCallStream, isExotelError, memoryStore, normalizeCall } from '../../src/index.js';
import type { ExotelError } from '../../src/index.js';
import { SimulatorDispatcher } from '../../src/simulator/index.js';
import type { Simulator, SimulatorResponse } from '../../src/simulator/index.js';
import { installClock, stopUnder } from '../stream/harness.js';

const RUNS = process.env.SOAK ? 400 : 40;
const TIMEOUT = process.env.SOAK ? 600_000 : 30_000;
const T0 = Date.UTC(2026, 0, 15, 6, 0, 0);
const KNOWN_CODES = new Set([
  'ERR_EXOTEL_BAD_REQUEST', 'ERR_EXOTEL_NOT_FOUND', 'ERR_EXOTEL_CONFLICT', 'ERR_EXOTEL_RATE_LIMITED', 'ERR_EXOTEL_SERVER', 'ERR_EXOTEL_HTTP',
  'ERR_EXOTEL_NETWORK', 'ERR_EXOTEL_TIMEOUT', 'ERR_EXOTEL_MALFORMED_RESPONSE', 'ERR_EXOTEL_MALFORMED_RECORD', 'ERR_QUOTA_PLAN', 'ERR_STORE',
  'ERR_EXOTEL_UNAUTHORIZED', 'ERR_EXOTEL_PAYMENT_REQUIRED', 'ERR_EXOTEL_FORBIDDEN', 'ERR_ABORTED',
]);
const FATAL_STATUSES = new Set([401, 402, 403]);

const naive = fc.date({ min: new Date(T0 - 3 * 3_600_000), max: new Date(T0), noInvalidDate: true }).map((d) => d.toISOString().replace('T', ' ').slice(0, 19));
const garbage = fc.oneof(fc.jsonValue(), fc.string(), fc.constantFrom<unknown>('', null, 'NaN', '-1', '1e400', 'not-a-date', '2026-02-30 10:00:00', '9999-99-99 99:99:99', { x: 1 }, [], true, -0, 1e308));
const field = <T>(plausible: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: plausible as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: garbage });

/** A record whose every field is plausible most of the time, anything now and then, or missing. */
const record = fc.record(
  {
    Sid: field(fc.stringMatching(/^[a-f0-9]{6,32}$/)),
    DateCreated: field(naive),
    DateUpdated: field(naive),
    StartTime: field(naive),
    EndTime: field(fc.oneof(naive, fc.constant(''))),
    Status: field(fc.constantFrom('completed', 'failed', 'busy', 'no-answer', 'canceled', 'in-progress')),
    Direction: field(fc.constantFrom('inbound', 'outbound-api', 'outbound-dial')),
    Duration: field(fc.oneof(fc.nat(100_000), fc.nat(100_000).map(String), fc.constant(''))),
    Price: field(fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }).map((p) => p.toFixed(3)), fc.constant(''))),
    To: field(fc.constant('+919800000001')),
    From: field(fc.constant('+917000000001')),
    PhoneNumberSid: field(fc.constant('+918047000001')),
    AnsweredBy: field(fc.constantFrom('human', 'HUMAN', '', null)),
    RecordingUrl: field(fc.webUrl()),
    Details: field(fc.record({ ConversationDuration: field(fc.nat(1000)), Leg1Status: field(fc.constantFrom('completed', null)), Legs: field(fc.array(fc.record({ Leg: field(fc.record({ Id: field(fc.nat(3)), OnCallDuration: field(fc.nat(1000)) })) }), { maxLength: 3 })) })),
  },
  { requiredKeys: [] },
);
const pageUri = fc.oneof(
  fc.constantFrom<unknown>(null, '', undefined, '   ', '/v1/Accounts/acme1/Calls.json?After=MTIz', '/v1/Accounts/acme1/Calls.json?After=NDU2', '/v1/Accounts/other/Calls.json?After=x', 'https://evil.example/v1/Accounts/acme1/Calls.json', '/v1/Accounts/acme1/Calls.json#frag', 42),
  garbage,
);
const metadata = fc.record({ Total: field(fc.nat(10_000)), PageSize: field(fc.nat(100)), NextPageUri: pageUri, FirstPageUri: pageUri }, { requiredKeys: [] });
/** A list body: mostly a page, sometimes any JSON at all. */
const listBody = fc.oneof(
  { weight: 5, arbitrary: fc.record({ Metadata: fc.oneof(metadata, garbage), Calls: fc.oneof({ weight: 5, arbitrary: fc.array(fc.oneof({ weight: 6, arbitrary: record }, { weight: 1, arbitrary: garbage }), { maxLength: 12 }) }, { weight: 1, arbitrary: garbage }), NextPageUri: pageUri }, { requiredKeys: ['Calls'] }) },
  { weight: 1, arbitrary: fc.jsonValue() },
);

/** One answer: a status, a content type, an encoding, and a body (JSON, or cut, or not JSON). */
const answer = fc.record({
  status: fc.oneof({ weight: 8, arbitrary: fc.constant(200) }, { weight: 1, arbitrary: fc.constantFrom(204, 301, 400, 404, 409, 418, 429, 500, 503) }),
  contentType: fc.constantFrom('application/json', 'text/html', 'text/plain; charset=utf-8', 'application/xml', ''),
  encoding: fc.constantFrom<'none' | 'gzip' | 'bogus' | 'gzip-corrupt'>('none', 'none', 'gzip', 'bogus', 'gzip-corrupt'),
  body: listBody,
  cut: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: evenNumber(0, 1) }),
});
type Answer = typeof answer extends fc.Arbitrary<infer A> ? A : never;

/** A stand-in for the simulator that plays the answers in turn (each request the next one). */
function scripted(answers: Answer[]): { sim: Simulator; served: () => number } {
  let i = 0;
  const handle = async (): Promise<SimulatorResponse> => {
    const a = answers[i++ % answers.length]!;
    let text = JSON.stringify(a.body) ?? 'undefined';
    if (a.cut !== undefined) text = text.slice(0, Math.floor(text.length * a.cut));
    const headers: Record<string, string> = { date: new Date(Date.now()).toUTCString() };
    if (a.contentType) headers['content-type'] = a.contentType;
    if (a.status === 301) headers.location = 'https://elsewhere.example/';
    if (a.status === 429) headers['retry-after'] = '1';
    if (a.encoding === 'gzip') return { status: a.status, headers, body: text, encoding: 'gzip' };
    if (a.encoding === 'bogus') headers['content-encoding'] = 'zstd';
    if (a.encoding === 'gzip-corrupt') {
      headers['content-encoding'] = 'gzip';
      text = gzipSync(text).subarray(0, 12).toString('latin1');
    }
    return { status: a.status, headers, body: text };
  };
  return { sim: { handle } as unknown as Simulator, served: () => i };
}

describe('fuzz: the answers, as the stream and the client read them', () => {
  it('nothing the API answers is thrown out of the stream', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { minLength: 1, maxLength: 12 }), async (answers) => {
        const clock = installClock(T0);
        try {
          const { sim, served } = scripted(answers);
          const stream = createCallStream({
            accountSid: 'acme1', apiKey: 'k', apiToken: 't', baseUrl: 'http://127.0.0.1:9', dispatcher: new SimulatorDispatcher(sim),
            pollIntervalMs: 15_000, lookbackMs: 3_600_000, settleMs: 60_000, retries: 1, store: memoryStore(),
          });
          const errors: ExotelError[] = [];
          let failure: unknown;
          let events = 0;
          stream.errors$.subscribe((e) => errors.push(e));
          stream.events$.subscribe({ next: () => events++, error: (e: unknown) => (failure = e) });
          for (let i = 0; i < 8; i++) await clock.tickAsync(15_000);
          await stopUnder(clock, stream);
          expect(served()).toBeGreaterThan(0);
          for (const e of errors) {
            expect(isExotelError(e), String(e)).toBe(true);
            expect(KNOWN_CODES, e.message).toContain(e.code);
            // What the stream wraps when a read throws something that is not an ExotelError: a crash inside.
            expect(e.message).not.toMatch(/^A read failed:/);
          }
          // Only an answer that is fatal by contract (401, 402, 403) may end the stream; none is scripted.
          expect(failure, String((failure as Error | undefined)?.stack)).toBeUndefined();
          expect(events).toBeGreaterThanOrEqual(0);
        } finally {
          clock.uninstall();
        }
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT);

  it('the client rejects with an ExotelError, whatever comes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { minLength: 1, maxLength: 6 }), async (answers) => {
        const { sim } = scripted(answers);
        const client = new ExotelClient({ accountSid: 'acme1', apiKey: 'k', apiToken: 't', baseUrl: 'http://127.0.0.1:9', dispatcher: new SimulatorDispatcher(sim), retries: 0 });
        try {
          for (const attempt of [
            () => client.listPage({ sortBy: 'asc' }),
            async () => {
              for await (const page of client.listAll({ sortBy: 'asc' })) for (const raw of page.calls) void raw;
            },
            () => client.getCall('abc'),
          ]) {
            try {
              await attempt();
            } catch (error) {
              expect(isExotelError(error), String((error as Error)?.stack)).toBe(true);
              expect(KNOWN_CODES).toContain((error as ExotelError).code);
              if (FATAL_STATUSES.has((error as ExotelError).status ?? 0)) expect((error as ExotelError).fatal).toBe(true);
            }
          }
        } finally {
          await client.close();
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('normalizeCall of any record: a Call, or a MalformedRecordError naming the field', () => {
    fc.assert(
      fc.property(fc.oneof(record, garbage), fc.boolean(), (raw, details) => {
        try {
          const call = normalizeCall(raw as never, { timeZone: 'Asia/Kolkata', details });
          expect(typeof call.sid).toBe('string');
          expect(call.raw).toBe(raw);
        } catch (error) {
          expect((error as ExotelError).code, String((error as Error).stack)).toBe('ERR_EXOTEL_MALFORMED_RECORD');
          expect((error as { field?: unknown }).field).toEqual(expect.any(String));
        }
      }),
      { numRuns: RUNS * 25 },
    );
  });
});
