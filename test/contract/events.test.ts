/**
 * What a subscriber receives: the `Call` shape, once per Sid on the right stream, `callUpdated$`
 * with `{ call, previous, changes }`, `events$` with a `type`, the EventEmitter face carrying the
 * same, and the options that shape the reads (`filters`, `details`, `timeZone`, `limiter`, `store`).
 * Hours of an account run under a fake clock against the simulator, in process.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '@sinonjs/fake-timers';
import Bottleneck from 'bottleneck';
import { createCallStream, fileStore } from 'exotel-call-stream';
import { SimulatorDispatcher } from 'exotel-call-stream/simulator';
import type { Call, CallStreamEvent, CallUpdate } from 'exotel-call-stream';
import { ACCOUNT, MINUTE, T0, advance, installClock, ioAwareStore, record, simulatedStream, stopUnder, streamOf, watch } from './helpers.js';

let clock: Clock | undefined;
afterEach(() => {
  clock?.uninstall();
  clock = undefined;
});
const dir = mkdtempSync(join(tmpdir(), 'contract-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CALL_KEYS = [
  'sid', 'parentCallSid', 'accountSid', 'to', 'from', 'phoneNumber', 'phoneNumberSid', 'status', 'direction', 'dateCreated',
  'dateUpdated', 'startTime', 'endTime', 'duration', 'price', 'answeredBy', 'forwardedFrom', 'callerName', 'uri', 'recordingUrl', 'raw',
];
const seconds = (ms: number) => Math.floor(ms / 1000) * 1000;

describe('the Call', () => {
  it('is normalized: camelCase keys, numbers or null, Dates read in `timeZone`, `details`, and `raw` as received', async () => {
    clock = installClock();
    // A zone other than the default, in the simulator and the stream alike.
    const timeZone = 'America/New_York';
    const { sim, stream } = simulatedStream({ timeZone, details: true }, { timeZone });
    const answered = sim.addCall({ startAt: T0 - 20 * MINUTE + 700, ringMs: 4_000, talkMs: 95_000, settleDelayMs: 40_000 });
    const busy = sim.addCall({ startAt: T0 - 12 * MINUTE, status: 'busy', direction: 'outbound-api', settleDelayMs: 40_000 });
    const completed = watch(stream.callCompleted$);
    const failed = watch(stream.callFailed$);
    await clock.tickAsync(2 * MINUTE);

    expect(completed.values).toHaveLength(1);
    expect(failed.values).toHaveLength(1);
    const call = completed.values[0]!;
    const failure = failed.values[0]!;
    expect(Object.keys(call).filter((k) => k !== 'details').sort()).toEqual([...CALL_KEYS].sort());
    expect(Object.keys(call).every((k) => /^[a-z][A-Za-z]*$/.test(k))).toBe(true);

    expect(call).toMatchObject({ sid: answered.sid, status: 'completed', direction: 'inbound', accountSid: 'acme1', phoneNumber: '+918047000001' });
    expect(call.duration).toBe(answered.durationSec);
    expect(call.price).toBe(answered.price);
    expect(typeof call.duration).toBe('number');
    expect(typeof call.price).toBe('number');
    // The naive wall-clock text was read in New York time: the instant is the call's real start.
    expect(call.dateCreated).toBeInstanceOf(Date);
    expect(call.dateCreated.getTime()).toBe(seconds(answered.startAt));
    expect(call.startTime?.getTime()).toBe(seconds(answered.startAt));
    expect(call.endTime?.getTime()).toBe(seconds(answered.endAt));
    expect(call.dateUpdated).toBeInstanceOf(Date);
    expect(call.details).toMatchObject({ conversationDuration: 95, leg1Status: 'completed', leg2Status: 'completed' });
    expect(call.details?.legs.length).toBeGreaterThan(0);

    // raw: the record exactly as the API sent it (Exotel's sample sends numbers as strings).
    expect(call.raw).toStrictEqual(answered.recordAt(Date.now(), { details: true }));
    expect(typeof call.raw.Duration).toBe('string');
    expect(call.raw.DateCreated).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    expect(failure).toMatchObject({ sid: busy.sid, status: 'busy', direction: 'outbound-api', price: 0 });
    expect(failure.dateCreated.getTime()).toBe(seconds(busy.startAt));
    expect(failure.raw).toStrictEqual(busy.recordAt(Date.now(), { details: true }));
    await stopUnder(clock, stream);
  });

  it('has no `details` unless asked, and asks the API for none', async () => {
    clock = installClock();
    const { sim, stream } = simulatedStream();
    sim.addCall({ startAt: T0 - 10 * MINUTE, talkMs: 30_000 });
    const completed = watch(stream.callCompleted$);
    await clock.tickAsync(MINUTE);
    expect(completed.values).toHaveLength(1);
    expect('details' in completed.values[0]!).toBe(false);
    expect(completed.values[0]!.raw.Details).toBeUndefined();
    expect(sim.history.some((r) => r.query.details === 'true')).toBe(false);
    await stopUnder(clock, stream);
  });

  it('reads empty fields as null, and numbers sent as numbers as numbers', async () => {
    clock = installClock();
    const { sim, stream } = simulatedStream({ settleMs: 60_000 }, { numbersAsStrings: false, emptyValue: 'null' });
    // Never settles within the test: emitted as it is once held settleMs.
    const unsettled = sim.addCall({ startAt: T0 - 3 * MINUTE, talkMs: 20_000, settleDelayMs: 3_600_000 });
    const settled = sim.addCall({ startAt: T0 - 10 * MINUTE, talkMs: 20_000 });
    const completed = watch(stream.callCompleted$);
    await clock.tickAsync(3 * MINUTE);
    const bySid = new Map(completed.values.map((c) => [c.sid, c]));
    expect(bySid.get(unsettled.sid)).toMatchObject({ duration: null, price: null, endTime: null, recordingUrl: null });
    expect(bySid.get(unsettled.sid)?.raw.Duration).toBeNull();
    expect(bySid.get(settled.sid)?.duration).toBe(settled.durationSec);
    expect(typeof bySid.get(settled.sid)?.raw.Duration).toBe('number');
    await stopUnder(clock, stream);
  });
});

describe('once per Sid, on the right stream', () => {
  it('over 30 busy minutes: every ended call exactly once, completed on callCompleted$, the rest on callFailed$', async () => {
    clock = installClock();
    const start = T0 - 30 * MINUTE;
    const settleMs = 120_000;
    const { sim, stream } = simulatedStream(
      { settleMs, pollIntervalMs: 15_000 },
      { traffic: { callsPerMinute: 15, startAt: start, mix: { correctionRate: 0.2, longShare: 0.05 } }, settleDelayMs: { min: 20_000, max: 200_000 } },
    );
    const completed = watch(stream.callCompleted$);
    const failed = watch(stream.callFailed$);
    const updated = watch(stream.callUpdated$);
    const events = watch(stream.events$);
    const viaEmitter: CallStreamEvent[] = [];
    stream.on('callCompleted', (call) => viaEmitter.push({ type: 'callCompleted', call }));
    stream.on('callFailed', (call) => viaEmitter.push({ type: 'callFailed', call }));
    stream.on('callUpdated', (update) => viaEmitter.push({ type: 'callUpdated', ...update }));
    await clock.tickAsync(30 * MINUTE);
    const end = Date.now();
    await stopUnder(clock, stream);

    const truth = sim.calls({ from: start, to: end });
    const bySid = new Map(truth.map((t) => [t.sid, t]));
    const firsts = [...completed.values, ...failed.values];
    const sids = firsts.map((c) => c.sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const call of completed.values) expect(bySid.get(call.sid)?.status).toBe('completed');
    for (const call of failed.values) {
      expect(['failed', 'busy', 'no-answer', 'canceled']).toContain(call.status);
      expect(streamOf(bySid.get(call.sid)!)).toBe('callFailed');
    }
    // Every call that ended in time to be read and held settleMs was emitted.
    const due = truth.filter((t) => t.endAt <= end - settleMs - 30_000);
    expect(due.length).toBeGreaterThan(400);
    const emitted = new Set(sids);
    expect(due.filter((t) => !emitted.has(t.sid)).map((t) => t.sid)).toEqual([]);
    expect(failed.values.length).toBeGreaterThan(80);

    // callUpdated$ only for Sids emitted before; never a second callCompleted.
    expect(updated.values.length).toBeGreaterThan(0);
    const seen = new Set<string>();
    for (const event of events.values) {
      if (event.type === 'callUpdated') expect(seen.has(event.call.sid)).toBe(true);
      else seen.add(event.call.sid);
    }
    // events$ is the three streams, in order, with a `type`; the EventEmitter face says the same.
    expect(events.values.filter((e) => e.type === 'callCompleted').map((e) => e.call)).toEqual(completed.values);
    expect(events.values.filter((e) => e.type === 'callFailed').map((e) => e.call)).toEqual(failed.values);
    expect(events.values.filter((e) => e.type === 'callUpdated').map((e) => e.type === 'callUpdated' && { call: e.call, previous: e.previous, changes: e.changes })).toEqual(updated.values);
    expect(viaEmitter).toEqual(events.values);
    for (const s of [completed, failed, updated, events]) expect(s.completed).toBe(true);
  });
});

describe('callUpdated$', () => {
  it('carries { call, previous, changes } for a correction after emission', async () => {
    clock = installClock();
    const { sim, stream } = simulatedStream();
    const truth = sim.addCall({ startAt: T0 - 10 * MINUTE, talkMs: 60_000, corrections: [{ afterMs: 12 * MINUTE, fields: { Price: 2.25, RecordingUrl: 'https://recordings.example/r1.mp3' } }] });
    const completed = watch(stream.callCompleted$);
    const updated = watch(stream.callUpdated$);
    const emitted: CallUpdate[] = [];
    stream.on('callUpdated', (update) => emitted.push(update));
    await clock.tickAsync(2 * MINUTE);
    expect(completed.values.map((c) => c.price)).toEqual([truth.price]);
    expect(updated.values).toHaveLength(0);

    await clock.tickAsync(10 * MINUTE);
    expect(completed.values).toHaveLength(1);
    expect(updated.values).toHaveLength(1);
    const { call, previous, changes } = updated.values[0]!;
    expect(call.sid).toBe(truth.sid);
    expect(previous.sid).toBe(truth.sid);
    expect(previous.price).toBe(truth.price);
    expect(call.price).toBe(2.25);
    expect(call.recordingUrl).toBe('https://recordings.example/r1.mp3');
    expect([...changes].sort()).toEqual(['dateUpdated', 'price', 'recordingUrl']);
    expect(call.dateUpdated!.getTime()).toBeGreaterThan(previous.dateUpdated!.getTime());
    expect(emitted).toEqual(updated.values);
    // Only a fingerprint is kept per emitted Sid: `previous` has the old tracked values, and the
    // current record as its `raw` (documented on `CallUpdate.previous`).
    expect(previous.raw).toBe(call.raw);

    // Nothing more once the values stop moving.
    await clock.tickAsync(30 * MINUTE);
    expect(completed.values).toHaveLength(1);
    expect(updated.values).toHaveLength(1);
    await stopUnder(clock, stream);
  });
});

describe('options that shape the reads', () => {
  it('`maxRequestsPerMinute` and `pageSize`: a busy account is read within the quota, page by page', async () => {
    clock = installClock();
    const quota = 30;
    const { sim, stream } = simulatedStream(
      { maxRequestsPerMinute: quota, pageSize: 20 },
      { traffic: { callsPerMinute: 12, startAt: T0 - 20 * MINUTE }, rateLimit: { requestsPerMinute: quota } },
    );
    const events = watch(stream.events$);
    await clock.tickAsync(20 * MINUTE);
    await stopUnder(clock, stream);
    const stats = sim.rateStats();
    expect(stats.total).toBeGreaterThan(quota);
    expect(stats.maxInAnyWindow).toBeLessThanOrEqual(quota);
    expect(stats.rejected).toBe(0);
    const lists = sim.history.filter((r) => r.query.Sid === undefined);
    expect(lists.every((r) => r.query.PageSize === '20')).toBe(true);
    // Pages were followed: some listings needed more than one.
    expect(lists.some((r) => r.query.After !== undefined)).toBe(true);
    const sids = events.values.filter((e) => e.type !== 'callUpdated').map((e) => e.call.sid);
    expect(sids.length).toBeGreaterThan(100);
    expect(new Set(sids).size).toBe(sids.length);
  });

  it('`settleMs`: a record that does not settle is emitted as it is once held that long', async () => {
    clock = installClock();
    const settleMs = 90_000;
    const pollIntervalMs = 15_000;
    const { sim, stream } = simulatedStream({ settleMs, pollIntervalMs });
    const log = record(stream);
    await clock.tickAsync(30_000);
    const truth = sim.addCall({ startAt: Date.now(), talkMs: 20_000, settleDelayMs: 30 * MINUTE });
    await clock.tickAsync(10 * MINUTE);
    expect(log.events).toHaveLength(1);
    const [{ at, event }] = log.events as [(typeof log.events)[number]];
    expect(event).toMatchObject({ type: 'callCompleted', call: { sid: truth.sid, duration: null } });
    // First seen by the first poll after the call ended, emitted settleMs later.
    expect(at - truth.endAt).toBeGreaterThanOrEqual(settleMs);
    expect(at - truth.endAt).toBeLessThanOrEqual(settleMs + pollIntervalMs + 1_000);
    await stopUnder(clock, stream);
  });


  it('`filters: { direction, phoneNumber }` go on every request and only matching calls are emitted', async () => {
    clock = installClock();
    const { sim, stream } = simulatedStream({ filters: { direction: 'inbound', phoneNumber: ['+918047000001'] } });
    const match = sim.addCall({ startAt: T0 - 10 * MINUTE, direction: 'inbound', phoneNumber: '+918047000001' });
    sim.addCall({ startAt: T0 - 9 * MINUTE, direction: 'outbound-api', phoneNumber: '+918047000001' });
    sim.addCall({ startAt: T0 - 8 * MINUTE, direction: 'inbound', phoneNumber: '+918047000002' });
    const events = watch(stream.events$);
    await clock.tickAsync(5 * MINUTE);
    expect(events.values.map((e) => e.call.sid)).toEqual([match.sid]);
    expect(sim.history.length).toBeGreaterThan(0);
    for (const request of sim.history) expect(request.query).toMatchObject({ Direction: 'inbound', PhoneNumber: '+918047000001' });
    await stopUnder(clock, stream);
  });

  it('`limiter: new Bottleneck(...)` schedules every request', async () => {
    clock = installClock();
    const limiter = new Bottleneck({ maxConcurrent: 1, minTime: 100 });
    let scheduled = 0;
    limiter.on('scheduled', () => (scheduled += 1));
    const { sim, stream } = simulatedStream({ limiter });
    sim.addCall({ startAt: T0 - 10 * MINUTE });
    const completed = watch(stream.callCompleted$);
    await clock.tickAsync(3 * MINUTE);
    expect(completed.values).toHaveLength(1);
    expect(sim.history.length).toBeGreaterThan(0);
    expect(scheduled).toBe(sim.history.length);
    await stopUnder(clock, stream);
    // The caller's limiter is the caller's: it is still open after stop().
    let stopped = false;
    const stopping = limiter.stop().then(() => (stopped = true));
    for (let i = 0; !stopped && i < 1000; i++) await clock.tickAsync(1);
    await stopping;
  });

  it('`store: fileStore(path)` survives a restart: nothing emitted twice, nothing that ended while down missed', async () => {
    clock = installClock();
    const path = join(dir, 'restart.checkpoint.json');
    const io1 = ioAwareStore(fileStore(path));
    const first = simulatedStream({ store: io1.store });
    const before = [first.sim.addCall({ startAt: T0 - 10 * MINUTE }), first.sim.addCall({ startAt: T0 - 8 * MINUTE, status: 'no-answer' })];
    const log1 = record(first.stream);
    await advance(clock, 2 * MINUTE, io1.idle);
    expect(log1.events.map((e) => e.event.call.sid).sort()).toEqual(before.map((t) => t.sid).sort());
    await stopUnder(clock, first.stream);

    // Down for 20 minutes, during which another call starts and ends.
    const during = first.sim.addCall({ startAt: Date.now() + 5 * MINUTE, talkMs: 40_000 });
    clock.setSystemTime(Date.now() + 20 * MINUTE);
    const io2 = ioAwareStore(fileStore(path));
    // The same world, behind a new dispatcher.
    const second = { stream: createCallStream({ ...ACCOUNT, baseUrl: 'http://127.0.0.1:9', dispatcher: new SimulatorDispatcher(first.sim), lookbackMs: 3_600_000, settleMs: 120_000, store: io2.store }) };
    const log2 = record(second.stream);
    await advance(clock, 2 * MINUTE, io2.idle);
    expect(log2.events.map((e) => [e.event.type, e.event.call.sid])).toEqual([['callCompleted', during.sid]]);
    expect(log2.errors).toEqual([]);
    await stopUnder(clock, second.stream);
    // What the store keeps holds no credential.
    const saved = readFileSync(path, 'utf8');
    expect(saved).toContain(during.sid);
    expect(saved).not.toContain(ACCOUNT.apiToken);
  });
});

describe('types as a user writes them', () => {
  it('a Call is what the contract says', () => {
    const check = (call: Call) => {
      const duration: number | null = call.duration;
      const price: number | null = call.price;
      const created: Date = call.dateCreated;
      const sid: string = call.raw.Sid;
      return [duration, price, created, sid, ACCOUNT];
    };
    expect(check).toBeTypeOf('function');
  });
});
