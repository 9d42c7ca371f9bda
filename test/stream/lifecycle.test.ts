import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Clock } from '@sinonjs/fake-timers';
import type { Observable } from 'rxjs';
import { createSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/index.js';
import { createCallStream } from '../../src/stream/createCallStream.js';
import type { CallStream } from '../../src/stream/CallStream.js';
import type { CallStreamOptions, CallUpdate, Store, StoreState } from '../../src/stream/types.js';
import type { Call } from '../../src/exotel/types.js';
import type { ExotelError } from '../../src/exotel/errors.js';
import { memoryStore } from '../../src/stores/memoryStore.js';
import { SIM_ACCOUNT, clockPerTest, record, stopUnder, streamOn } from './harness.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 15, 6, 0, 0);

const useClock = clockPerTest();
let clock: Clock | undefined;

function setup(options: Partial<CallStreamOptions> = {}, simOptions: Parameters<typeof createSimulator>[0] = {}) {
  clock = useClock(T0);
  const sim = createSimulator({ seed: 3, settleDelayMs: 30_000, ...simOptions });
  const stream = streamOn(sim, options);
  return { sim, stream, clock };
}

/** Settled calls that ended before T0, and one failed. */
function seed(sim: Simulator) {
  return [
    sim.addCall({ startAt: T0 - 20 * MINUTE, talkMs: 90_000 }),
    sim.addCall({ startAt: T0 - 15 * MINUTE, status: 'busy' }),
    sim.addCall({ startAt: T0 - 10 * MINUTE, talkMs: 30_000 }),
  ];
}

function completion<T>(source: Observable<T>) {
  const state = { values: [] as T[], completed: false, error: undefined as unknown };
  source.subscribe({ next: (v) => state.values.push(v), complete: () => (state.completed = true), error: (e: unknown) => (state.error = e) });
  return state;
}

describe('lazy start', () => {
  it('sends nothing until the first subscription', async () => {
    const { sim, stream, clock } = setup();
    seed(sim);
    await clock.tickAsync(5 * MINUTE);
    expect(sim.history).toHaveLength(0);
    const completed = completion(stream.callCompleted$);
    await clock.tickAsync(1_000);
    expect(sim.history.length).toBeGreaterThan(0);
    // The first start reads back over the lookback in chunks, a few cycles.
    await clock.tickAsync(2 * MINUTE);
    expect(completed.values.map((c) => c.status)).toEqual(['completed', 'completed']);
    await stopUnder(clock!, stream);
  });

  it('starts with an EventEmitter listener too, and with start()', async () => {
    const a = setup();
    seed(a.sim);
    const calls: Call[] = [];
    a.stream.on('callFailed', (call) => calls.push(call));
    await a.clock.tickAsync(2 * MINUTE);
    expect(calls.map((c) => c.status)).toEqual(['busy']);
    await stopUnder(a.clock, a.stream);
    a.clock.uninstall();

    const b = setup();
    seed(b.sim);
    b.stream.start();
    await b.clock.tickAsync(1_000);
    expect(b.sim.history.length).toBeGreaterThan(0);
    await stopUnder(b.clock, b.stream);
  });

  it('runs one poller however many subscribe, and keeps polling when they leave until stop()', async () => {
    const { sim, stream, clock } = setup();
    seed(sim);
    const subs = [stream.events$.subscribe(), stream.callCompleted$.subscribe(), stream.errors$.subscribe()];
    await clock.tickAsync(1_000);
    // One poller: one fresh read per cycle, whoever listens.
    const fresh = () => sim.history.filter((r) => r.query.DateCreated !== undefined && r.query.Duration === undefined).length;
    const before0 = fresh();
    await clock.tickAsync(15_000);
    expect(fresh() - before0).toBeLessThanOrEqual(3);
    for (const s of subs) s.unsubscribe();
    const before = sim.history.length;
    await clock.tickAsync(60_000);
    expect(sim.history.length).toBeGreaterThan(before);
    await stopUnder(clock!, stream);
  });
});

describe('settling', () => {
  it('emits a record held settleMs as it is, when settleMs runs out, and its settled values later as an update', async () => {
    const { sim, stream, clock } = setup({ settleMs: 120_000 });
    const log = record(stream);
    await clock.tickAsync(30_000);
    const late = sim.addCall({ startAt: Date.now(), talkMs: 20_000, settleDelayMs: 6 * MINUTE });
    await clock.tickAsync(12 * MINUTE);
    const [first, update] = log.emissions;
    expect(first?.event.type).toBe('callCompleted');
    expect(first?.event.call.duration).toBeNull();
    // First seen by the first poll after the call ended, emitted settleMs later (between polls).
    const heldFor = first!.at - late.endAt;
    expect(heldFor).toBeGreaterThanOrEqual(120_000);
    expect(heldFor).toBeLessThanOrEqual(120_000 + 15_000 + 1_000);
    expect(update?.event.type).toBe('callUpdated');
    expect(update!.at).toBeGreaterThanOrEqual(late.settledAt);
    expect(update?.event.type === 'callUpdated' && update.event.changes).toEqual(expect.arrayContaining(['duration', 'price', 'endTime']));
    expect(log.emissions).toHaveLength(2);
    await stopUnder(clock, stream);
  });
});

describe('stop()', () => {
  it('completes every observable, clears every timer, and is idempotent', async () => {
    const { sim, stream, clock } = setup();
    seed(sim);
    const all = [stream.events$, stream.callCompleted$, stream.callFailed$, stream.callUpdated$, stream.errors$].map((o) => completion(o as Observable<unknown>));
    await clock.tickAsync(2 * MINUTE);
    expect(all[0]?.values).toHaveLength(3);
    const stopping = stream.stop();
    expect(stream.stop()).toBe(stopping);
    await stopUnder(clock, stream);
    for (const s of all) expect(s.completed).toBe(true);
    // Every fake timer (poll interval, limiter slots, retry sleeps) is gone.
    expect(clock.countTimers()).toBe(0);
    const requests = sim.history.length;
    await clock.tickAsync(10 * MINUTE);
    expect(sim.history.length).toBe(requests);
    // Late subscribers complete at once.
    expect(completion(stream.events$).completed).toBe(true);
  });

  it('aborts a cycle in flight and saves what was emitted', async () => {
    const store = memoryStore();
    const { sim, stream, clock } = setup({ store });
    seed(sim);
    stream.start();
    await clock.tickAsync(2 * MINUTE);
    sim.inject({ kind: 'delay', delayMs: 30_000, persist: true });
    await clock.tickAsync(15_000);
    const requests = sim.history.length;
    await stopUnder(clock, stream);
    expect(sim.history.length).toBe(requests);
    const saved = (await store.load()) as StoreState;
    expect(Object.keys(saved.emitted)).toHaveLength(3);
  });

  it('is safe before start and saves nothing then', async () => {
    const saves: StoreState[] = [];
    const store: Store = { load: async () => undefined, save: async (s) => void saves.push(s) };
    const { stream } = setup({ store });
    const events = completion(stream.events$.pipe());
    await stopUnder(clock!, stream);
    expect(saves).toEqual([]);
    expect(events.completed).toBe(true);
  });
});

describe('fatal errors', () => {
  it('a 401 is reported once, errors the event streams, completes errors$, and is never retried', async () => {
    const { sim, stream, clock } = setup({ apiToken: 'not-the-token' });
    seed(sim);
    const events = completion(stream.events$);
    const completed = completion(stream.callCompleted$);
    const errors = completion(stream.errors$);
    const emitted: ExotelError[] = [];
    stream.on('error', (e) => emitted.push(e));
    await clock.tickAsync(30 * MINUTE);
    expect(errors.values).toHaveLength(1);
    const error = errors.values[0]!;
    expect(error).toMatchObject({ code: 'ERR_EXOTEL_UNAUTHORIZED', status: 401, fatal: true });
    expect(`${error.message} ${error.url} ${error.stack}`).not.toContain('not-the-token');
    expect(errors.completed).toBe(true);
    expect(events.error).toBe(error);
    expect(completed.error).toBe(error);
    expect(emitted).toEqual([error]);
    // Only the first cycle's reads went out, each once: no retries, no further cycles.
    const reads = sim.history.length;
    expect(reads).toBeGreaterThan(0);
    expect(reads).toBeLessThanOrEqual(4);
    expect(new Set(sim.history.map((r) => `${r.path}?${JSON.stringify(r.query)}`)).size).toBe(reads);
    expect(clock.countTimers()).toBe(0);
    await stopUnder(clock!, stream); // resolves at once, changes nothing
  });

  it('a 403 in the middle of polling stops it the same way', async () => {
    const { sim, stream, clock } = setup();
    seed(sim);
    const log = record(stream);
    let failure: unknown;
    stream.events$.subscribe({ error: (e: unknown) => (failure = e) });
    await clock.tickAsync(MINUTE);
    expect(log.emissions).toHaveLength(3);
    sim.inject({ kind: 'status', status: 403, persist: true });
    await clock.tickAsync(MINUTE);
    const before = sim.history.length;
    await clock.tickAsync(10 * MINUTE);
    expect(sim.history.length).toBe(before);
    expect(log.errors.map((e) => e.code)).toEqual(['ERR_EXOTEL_FORBIDDEN']);
    expect(failure).toBe(log.errors[0]);
  });

  it('a store that cannot be loaded is fatal ERR_STORE, before any request', async () => {
    const store: Store = { load: async () => Promise.reject(new Error('EACCES')), save: async () => {} };
    const { sim, stream, clock } = setup({ store });
    const errors = completion(stream.errors$);
    const events = completion(stream.events$);
    await clock.tickAsync(MINUTE);
    expect(errors.values.map((e) => [e.code, e.fatal])).toEqual([['ERR_STORE', true]]);
    expect(events.error).toBe(errors.values[0]);
    expect(sim.history).toHaveLength(0);
  });
});

describe('a saved state that cannot be used', () => {
  it('is fatal ERR_STORE too, rather than emitting everything again', async () => {
    const bad = { version: 1, checkpoint: null, emitted: { CA1: { dateCreated: 'yesterday', fingerprint: '[]' } } } as unknown as StoreState;
    const store: Store = { load: async () => bad, save: async () => {} };
    const { sim, stream, clock } = setup({ store });
    const errors = completion(stream.errors$);
    await clock.tickAsync(MINUTE);
    expect(errors.values.map((e) => [e.code, e.fatal])).toEqual([['ERR_STORE', true]]);
    expect(errors.values[0]?.message).toContain('CA1');
    expect(sim.history).toHaveLength(0);
  });
});

describe('non-fatal errors', () => {
  it('a read that fails past its retries is reported, and its window is read again: nothing lost', async () => {
    const { sim, stream, clock } = setup({ retries: 2 });
    const log = record(stream);
    stream.start();
    await clock.tickAsync(MINUTE);
    sim.inject({ kind: 'status', status: 503, persist: true });
    const during = sim.addCall({ startAt: Date.now(), talkMs: 20_000 });
    await clock.tickAsync(5 * MINUTE);
    expect(log.errors.length).toBeGreaterThan(0);
    expect(log.errors.every((e) => e.code === 'ERR_EXOTEL_SERVER' && !e.fatal)).toBe(true);
    expect(log.emissions).toHaveLength(0);
    sim.clearFaults();
    await clock.tickAsync(2 * MINUTE);
    expect(log.emissions.map((e) => e.event.call.sid)).toEqual([during.sid]);
    await stopUnder(clock!, stream);
  });

  it('a malformed record is reported and skipped; the rest of the page goes on', async () => {
    const { sim, stream, clock } = setup();
    seed(sim);
    sim.inject({ kind: 'bad-record', field: 'Status' });
    const log = record(stream);
    await clock.tickAsync(30_000);
    const malformed = log.errors.filter((e) => e.code === 'ERR_EXOTEL_MALFORMED_RECORD');
    expect(malformed).toHaveLength(1);
    expect(malformed[0]?.message).toContain('Status');
    // The broken row is read again, intact, by the next cycle.
    expect(log.emissions).toHaveLength(3);
    await stopUnder(clock!, stream);
  });

  it('warns once (ERR_QUOTA_PLAN) while the plan cannot fit the quota', async () => {
    // A busy account on a tiny quota: even reading each call once or twice needs more.
    const { sim, stream, clock } = setup({ maxRequestsPerMinute: 2 }, { traffic: { callsPerMinute: 120, startAt: T0 - 30 * MINUTE } });
    const log = record(stream);
    // The first cycle alone takes minutes at this quota; the estimate needs its reads' call rate.
    await clock.tickAsync(30 * MINUTE);
    const warnings = log.errors.filter((e) => e.code === 'ERR_QUOTA_PLAN');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fatal).toBe(false);
    expect(warnings[0]?.message).toContain('`maxRequestsPerMinute` (2)');
    expect(sim.rateStats().maxInAnyWindow).toBeLessThanOrEqual(2);
    await stopUnder(clock, stream);
  });

  it('learns how busy the account is from the first pages of a listing, not only from whole ones: a request a minute, 10,000 calls a minute, warned within minutes', async () => {
    // Each listing is hundreds of pages at this quota and none completes for hours; its first
    // pages (47 calls in a second of start times) already say the plan cannot fit.
    const { stream, clock } = setup({ maxRequestsPerMinute: 1, pageSize: 47, pollIntervalMs: 67_000, lookbackMs: 68_000, settleMs: 0 }, { rateLimit: false, traffic: { callsPerMinute: 10_000, startAt: T0 + 1_000 } });
    const log = record(stream);
    await clock.tickAsync(6 * MINUTE);
    const warnings = log.errors.filter((e) => e.code === 'ERR_QUOTA_PLAN');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain('`maxRequestsPerMinute` (1)');
    expect(stream.status().estimatedRequestsPerMinute).toBeGreaterThan(10);
    await stopUnder(clock, stream);
  });

  it('says nothing of the quota while a plan that fits is still being measured (the first seconds of a busy minute)', async () => {
    // Very short calls, settling within a second, 150 a minute from a minute before the start, 1 s
    // polls: the first plan rests on priors for the calls' lengths until a fresh window was read.
    const { stream, clock } = setup(
      { pollIntervalMs: 1_000, lookbackMs: 5 * MINUTE, settleMs: 5_000 },
      {
        seed: 51,
        settleDelayMs: { min: 200, max: 800 },
        rateLimit: false,
        traffic: { callsPerMinute: 150, startAt: T0 - MINUTE, mix: { status: { completed: 40, busy: 30, failed: 20, 'no-answer': 0, canceled: 10 }, meanTalkSec: 2, shortMaxSec: 4, longShare: 0, veryLongShare: 0, correctionRate: 0 } },
      },
    );
    const log = record(stream);
    await clock.tickAsync(3 * MINUTE);
    expect(stream.status().estimatedRequestsPerMinute).toBeLessThanOrEqual(200);
    expect(log.errors.filter((e) => e.code === 'ERR_QUOTA_PLAN')).toEqual([]);
    expect(log.emissions.length).toBeGreaterThan(300);
    await stopUnder(clock, stream);
  });

  it('a failed save is a non-fatal ERR_STORE; polling goes on', async () => {
    let fail = true;
    const store: Store = { load: async () => undefined, save: async () => (fail ? Promise.reject(new Error('disk full')) : undefined) };
    const { sim, stream, clock } = setup({ store });
    seed(sim);
    const log = record(stream);
    await clock.tickAsync(30_000);
    expect(log.errors.some((e) => e.code === 'ERR_STORE' && !e.fatal && e.message.includes('disk full'))).toBe(true);
    expect(log.emissions).toHaveLength(3);
    fail = false;
    await stopUnder(clock!, stream);
  });
});

describe('types', () => {
  it('types the EventEmitter face and the observables', () => {
    const stream = createCallStream({ ...SIM_ACCOUNT, baseUrl: 'http://127.0.0.1:9' });
    expectTypeOf(stream.on).toBeFunction();
    stream.on('callCompleted', (call) => expectTypeOf(call).toEqualTypeOf<Call>());
    stream.on('callUpdated', (update) => expectTypeOf(update).toEqualTypeOf<CallUpdate>());
    stream.on('error', (error) => expectTypeOf(error).toEqualTypeOf<ExotelError>());
    // @ts-expect-error not an event of the stream
    stream.on('callStarted', () => {});
    expectTypeOf(stream.callCompleted$).toEqualTypeOf<Observable<Call>>();
    expectTypeOf(stream.callUpdated$).toEqualTypeOf<Observable<CallUpdate>>();
    expectTypeOf(stream.errors$).toEqualTypeOf<Observable<ExotelError>>();
    expectTypeOf(createCallStream).returns.toEqualTypeOf<CallStream>();
    expectTypeOf(stream.stop).returns.toEqualTypeOf<Promise<void>>();
    return stream.stop();
  });
});
