/**
 * `errors$` as the contract states it: a fatal 401/402/403 carries `status` and a stable `code`,
 * never the token; polling stops without retrying and the observables error. Transient faults are
 * retried and reported only when retries run out, and polling goes on. A malformed record is
 * reported and skipped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '@sinonjs/fake-timers';
import type { Observable } from 'rxjs';
import { ExotelError, MalformedRecordError, isExotelHttpError, isMalformedRecordError } from 'exotel-call-stream';
import type { ExotelErrorCode } from 'exotel-call-stream';
import type { RequestRecord, Simulator } from 'exotel-call-stream/simulator';
import { MINUTE, T0, everythingAbout, installClock, record, simulatedStream, stopUnder, watch } from './helpers.js';

let clock: Clock | undefined;
afterEach(() => {
  clock?.uninstall();
  clock = undefined;
});

const KEY = 'key-7d1e';
const TOKEN = 'token-a9c4e2f0b7';
const accounts = [{ accountSid: 'acme1', apiKey: KEY, apiToken: TOKEN }];
const credentials = { apiKey: KEY, apiToken: TOKEN };

/** A few settled calls that ended before T0. */
function seed(sim: Simulator) {
  return [
    sim.addCall({ startAt: T0 - 20 * MINUTE, talkMs: 90_000 }),
    sim.addCall({ startAt: T0 - 15 * MINUTE, status: 'busy' }),
    sim.addCall({ startAt: T0 - 10 * MINUTE, talkMs: 30_000 }),
  ];
}

/** The requests the simulator saw for the URL an error names, up to `at`. */
function attemptsOf(sim: Simulator, error: ExotelError, at: number): RequestRecord[] {
  const url = new URL(error.url!);
  const query = Object.fromEntries(url.searchParams);
  return sim.history.filter((r) => r.at <= at && r.path === url.pathname && JSON.stringify(r.query) === JSON.stringify(query));
}

describe('fatal errors', () => {
  const fatal: Array<[string, number, ExotelErrorCode]> = [
    ['a wrong token (401)', 401, 'ERR_EXOTEL_UNAUTHORIZED'],
    ['402 (plan or usage limit)', 402, 'ERR_EXOTEL_PAYMENT_REQUIRED'],
    ['403', 403, 'ERR_EXOTEL_FORBIDDEN'],
  ];
  for (const [what, status, code] of fatal) {
    it(`${what}: \`${code}\` with its status on errors$, no token, no retry, polling stops, the observables error`, async () => {
      clock = installClock();
      const wrongToken = status === 401;
      const { sim, stream } = simulatedStream({ ...credentials, ...(wrongToken ? { apiToken: `${TOKEN}-old` } : {}) }, { accounts });
      seed(sim);
      if (!wrongToken) sim.inject({ kind: 'status', status, persist: true });
      const observables = { events$: stream.events$, callCompleted$: stream.callCompleted$, callFailed$: stream.callFailed$, callUpdated$: stream.callUpdated$ };
      const watched = Object.fromEntries(Object.entries(observables).map(([name, o]) => [name, watch(o as Observable<unknown>)]));
      const errors = watch(stream.errors$);
      const viaEmitter: ExotelError[] = [];
      stream.on('error', (error) => viaEmitter.push(error));

      await clock.tickAsync(30 * MINUTE);

      expect(errors.values).toHaveLength(1);
      const error = errors.values[0]!;
      expect(error).toBeInstanceOf(ExotelError);
      expect(isExotelHttpError(error)).toBe(true);
      expect(error).toMatchObject({ code, status, fatal: true, method: 'GET' });
      expect(error.url).toMatch(/^http:\/\/127\.0\.0\.1:9\/v1\/Accounts\/acme1\/Calls\.json\?/);
      const leaked = everythingAbout(error);
      expect(leaked).not.toContain(TOKEN);
      expect(leaked).not.toContain(Buffer.from(`${KEY}:${TOKEN}`).toString('base64'));
      expect(errors.completed).toBe(true);
      for (const [name, state] of Object.entries(watched)) {
        expect(state.error, `${name} errors with it`).toBe(error);
        expect(state.completed, `${name} does not complete`).toBe(false);
      }
      expect(viaEmitter).toEqual([error]);

      // The first cycle's reads went out once each; nothing after them: no retry, no next cycle.
      const sent = sim.history.length;
      expect(sent).toBeGreaterThan(0);
      expect(sim.history.every((r) => r.status === status)).toBe(true);
      expect(new Set(sim.history.map((r) => `${r.path}?${JSON.stringify(r.query)}`)).size).toBe(sent);
      expect(clock.countTimers()).toBe(0);
      await clock.tickAsync(30 * MINUTE);
      expect(sim.history.length).toBe(sent);
      await stream.stop();
    });
  }

  it('a fatal error in the middle of polling stops it the same way', async () => {
    clock = installClock();
    const { sim, stream } = simulatedStream({ ...credentials }, { accounts });
    seed(sim);
    const log = record(stream);
    const completed = watch(stream.callCompleted$);
    await clock.tickAsync(2 * MINUTE);
    expect(log.events).toHaveLength(3);
    sim.inject({ kind: 'status', status: 403, persist: true });
    await clock.tickAsync(2 * MINUTE);
    const sent = sim.history.length;
    await clock.tickAsync(30 * MINUTE);
    expect(sim.history.length).toBe(sent);
    expect(log.errors.map((e) => [e.code, e.status, e.fatal])).toEqual([['ERR_EXOTEL_FORBIDDEN', 403, true]]);
    expect(completed.error).toBe(log.errors[0]);
    expect(completed.values).toHaveLength(2);
    // stop() afterwards resolves at once.
    await stream.stop();
  });
});

describe('the EventEmitter face alone', () => {
  it('a fatal error with no `error` listener throws nothing; the stream stops all the same', async () => {
    clock = installClock();
    const { sim, stream } = simulatedStream({ ...credentials, apiToken: 'wrong' }, { accounts });
    seed(sim);
    const calls: string[] = [];
    stream.on('callCompleted', (call) => calls.push(call.sid));
    await clock.tickAsync(10 * MINUTE);
    const sent = sim.history.length;
    expect(sent).toBeGreaterThan(0);
    await clock.tickAsync(10 * MINUTE);
    expect(sim.history.length).toBe(sent);
    expect(calls).toEqual([]);
    expect(clock.countTimers()).toBe(0);
  });
});

describe('transient faults', () => {
  it('are retried and not reported when a retry succeeds', async () => {
    clock = installClock();
    const { sim, stream } = simulatedStream({ ...credentials }, { accounts });
    const truth = seed(sim);
    sim.inject({ kind: 'status', status: 503, times: 2 });
    sim.inject({ kind: 'rate-limit', retryAfterSeconds: 2, times: 1 });
    sim.inject({ kind: 'reset', times: 1 });
    const log = record(stream);
    await clock.tickAsync(3 * MINUTE);
    expect(log.errors).toEqual([]);
    expect(log.events.map((e) => e.event.call.sid).sort()).toEqual(truth.map((t) => t.sid).sort());
    expect(sim.history.map((r) => r.status)).toEqual(expect.arrayContaining([503, 503, 429, 0]));
    sim.assertNoPendingFaults();
    await stopUnder(clock, stream);
  });

  const lasting: Array<[string, Parameters<Simulator['inject']>[0], ExotelErrorCode, number | undefined]> = [
    ['a 503', { kind: 'status', status: 503, persist: true }, 'ERR_EXOTEL_SERVER', 503],
    ['a 429', { kind: 'rate-limit', retryAfterSeconds: 1, persist: true }, 'ERR_EXOTEL_RATE_LIMITED', 429],
    ['a connection reset', { kind: 'reset', persist: true }, 'ERR_EXOTEL_NETWORK', undefined],
    ['a body that is not JSON', { kind: 'malformed', persist: true }, 'ERR_EXOTEL_MALFORMED_RESPONSE', 200],
  ];
  for (const [what, fault, code, status] of lasting) {
    it(`${what} that lasts: reported as non-fatal \`${code}\` once retries run out; polling goes on and recovers`, async () => {
      clock = installClock();
      const retries = 2;
      const { sim, stream } = simulatedStream({ ...credentials, retries }, { accounts });
      const log = record(stream);
      const events = watch(stream.events$);
      stream.start();
      await clock.tickAsync(MINUTE);
      sim.inject(fault);
      const during = sim.addCall({ startAt: Date.now(), talkMs: 20_000 });
      await clock.tickAsync(5 * MINUTE);

      expect(log.errors.length).toBeGreaterThan(0);
      for (const error of log.errors) {
        expect(error).toMatchObject({ code, fatal: false });
        expect(error.status).toBe(status);
        expect(everythingAbout(error)).not.toContain(TOKEN);
      }
      // Reported only after the first attempt and every retry failed.
      const first = log.errors[0]!;
      const reportedAt = Date.now(); // an upper bound; attempts of later cycles carry later times
      expect(attemptsOf(sim, first, reportedAt).length).toBeGreaterThanOrEqual(retries + 1);
      expect(log.events).toHaveLength(0);
      expect(events.error).toBeUndefined();

      // The stream kept polling; once the fault clears, the call is delivered.
      const sent = sim.history.length;
      await clock.tickAsync(MINUTE);
      expect(sim.history.length).toBeGreaterThan(sent);
      sim.clearFaults();
      await clock.tickAsync(3 * MINUTE);
      expect(log.events.map((e) => e.event.call.sid)).toEqual([during.sid]);
      await stopUnder(clock, stream);
    });
  }

  it('are tried exactly retries + 1 times before being reported', async () => {
    clock = installClock();
    const { sim, stream } = simulatedStream({ ...credentials, retries: 3, readConcurrency: 1 }, { accounts });
    sim.inject({ kind: 'status', status: 500, persist: true });
    const reported: Array<{ error: ExotelError; at: number }> = [];
    stream.errors$.subscribe((error) => reported.push({ error, at: Date.now() }));
    await clock.tickAsync(2 * MINUTE);
    const first = reported[0]!;
    expect(first.error).toMatchObject({ code: 'ERR_EXOTEL_SERVER', status: 500, fatal: false });
    expect(attemptsOf(sim, first.error, first.at)).toHaveLength(4);
    await stopUnder(clock, stream);
  });
});

describe('a malformed record', () => {
  it('is reported (field, value, sid) and skipped; the rest of the page goes on', async () => {
    clock = installClock();
    const { sim, stream } = simulatedStream({ ...credentials }, { accounts });
    // Three calls on one page of the first read.
    const truth = [12, 11, 10].map((ago) => sim.addCall({ startAt: T0 - ago * MINUTE, talkMs: 30_000 }));
    sim.inject({ kind: 'bad-record', field: 'Duration' });
    const log = record(stream);
    const events = watch(stream.events$);
    await clock.tickAsync(5_000);
    expect(log.errors).toHaveLength(1);
    const error = log.errors[0]!;
    expect(isMalformedRecordError(error)).toBe(true);
    expect(error).toBeInstanceOf(MalformedRecordError);
    const malformed = error as MalformedRecordError;
    expect(malformed).toMatchObject({ code: 'ERR_EXOTEL_MALFORMED_RECORD', fatal: false, field: 'Duration', value: 'NaN' });
    expect(truth.map((t) => t.sid)).toContain(malformed.sid);
    expect(malformed.message).toContain('`Duration`');
    expect(malformed.message).toContain('NaN');
    expect(sim.history[0]).toMatchObject({ fault: 'bad-record', records: 3 });
    // The two good records of that page are emitted; the broken one is not (yet).
    expect(log.events.map((e) => e.event.call.sid).sort()).toEqual(truth.map((t) => t.sid).filter((sid) => sid !== malformed.sid).sort());
    // The stream goes on: the record is read again, intact, by a later cycle.
    await clock.tickAsync(2 * MINUTE);
    expect(log.events.map((e) => e.event.call.sid).sort()).toEqual(truth.map((t) => t.sid).sort());
    expect(events.error).toBeUndefined();
    await stopUnder(clock, stream);
  });
});
