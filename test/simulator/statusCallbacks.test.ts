// The simulator's status callbacks (Exotel's push) under a fake clock: which calls get one, how
// late, seeded; what each carries; retries and duplicates; in process and over loopback HTTP to
// the package's own receiver.
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/createSimulator.js';
import type { Simulator, StatusCallbackDelivery, StatusCallbackOptions, SimulatorOptions } from '../../src/simulator/index.js';
import { createStatusCallbackHandler } from '../../src/hints/createStatusCallbackHandler.js';
import { parseNaiveMs } from '../../src/exotel/time.js';
import { clockPerTest } from '../stream/harness.js';
import { listen, recordingTarget } from '../hints/helpers.js';

const T0 = Date.UTC(2025, 0, 15, 4, 30, 0);
const MINUTE = 60_000;
const installClock = clockPerTest();

function simWith(callbacks: StatusCallbackOptions, options: SimulatorOptions = {}): Simulator {
  return createSimulator({ seed: 7, traffic: { callsPerMinute: 300, startAt: T0, endAt: T0 + 20 * MINUTE }, ...options, statusCallbacks: callbacks });
}

/** Runs the fake clock for `ms` in steps, letting the callbacks' deliveries finish. */
async function run(clock: ReturnType<typeof installClock>, sim: Simulator, ms: number, step = 5_000) {
  for (let t = 0; t < ms; t += step) {
    await clock.tickAsync(step);
    await sim.callbacks.idle();
  }
}

describe('statusCallbacks: who gets one, and when', () => {
  it('drops, delays and sends late the shares asked for, every callback once, never before the call ended', async () => {
    const clock = installClock(T0);
    const got: StatusCallbackDelivery[] = [];
    const sim = simWith({ onCallback: (d) => void got.push(d), share: 0.9, lateShare: 0.05, delayMs: { min: 1_000, max: 4_000 }, lateMs: { min: 120_000, max: 300_000 } });
    // Traffic for 20 minutes; the longest calls end within 4 hours, so run until every callback is due.
    await run(clock, sim, 20 * MINUTE);
    await run(clock, sim, 4 * 60 * MINUTE + 10 * MINUTE, 60_000);
    const calls = sim.calls();
    const stats = sim.callbacks.stats();
    expect(calls.length).toBeGreaterThan(5_000);
    expect(stats.planned).toBe(calls.length);
    expect(stats.pending).toBe(0);
    expect(stats.dropped / stats.planned).toBeGreaterThan(0.08);
    expect(stats.dropped / stats.planned).toBeLessThan(0.12);
    expect(stats.late / stats.planned).toBeGreaterThan(0.04);
    expect(stats.late / stats.planned).toBeLessThan(0.06);
    expect(stats.delivered).toBe(stats.planned - stats.dropped);
    expect(got).toHaveLength(stats.delivered);
    expect(new Set(got.map((d) => d.sid)).size).toBe(got.length);
    const bySid = new Map(calls.map((c) => [c.sid, c]));
    for (const d of got) {
      const truth = bySid.get(d.sid)!;
      expect(d.eventAt).toBe(truth.endAt);
      const wait = d.sentAt - truth.endAt;
      // Sent at the first look (every second) at or after it was due.
      expect(d.sentAt).toBeGreaterThanOrEqual(d.dueAt);
      expect(d.sentAt - d.dueAt).toBeLessThan(1_000);
      if (d.late) expect(wait >= 120_000 && wait < 301_000, `${wait}`).toBe(true);
      else expect(wait >= 1_000 && wait < 5_000, `${wait}`).toBe(true);
    }
    // The ground truth says the same, record by record.
    const dropped = sim.callbacks.records().filter((r) => r.state === 'dropped');
    expect(dropped).toHaveLength(stats.dropped);
    for (const r of dropped) expect(got.some((d) => d.sid === r.sid)).toBe(false);
    expect(sim.callbacks.record(got[0]!.sid)).toMatchObject({ state: 'delivered', attempts: [{ ok: true, duplicate: false }] });
    await sim.close();
  });

  it('draws the same fates from the same seed, however often it looks; another seed draws others', async () => {
    const fates = async (seed: number, lookEveryMs: number) => {
      const clock = installClock(T0);
      const sim = createSimulator({ seed, traffic: { callsPerMinute: 120, startAt: T0, endAt: T0 + 5 * MINUTE }, statusCallbacks: { onCallback: () => {}, share: 0.7, lateShare: 0.2, lookEveryMs } });
      await run(clock, sim, 30 * MINUTE, 60_000);
      await run(clock, sim, 4 * 60 * MINUTE, 30 * MINUTE);
      const out = sim.callbacks.records().map((r) => `${r.sid}:${r.state}:${r.late}:${r.dueAt}`).sort();
      await sim.close();
      clock.uninstall();
      return out;
    };
    const a = await fates(3, 1_000);
    const b = await fates(3, 7_000);
    const c = await fates(4, 1_000);
    expect(a.length).toBeGreaterThan(400);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('sends nothing due before `startAt` (by default the clock at creation): nobody was listening', async () => {
    const clock = installClock(T0);
    const got: string[] = [];
    // An hour of traffic already behind the clock.
    const sim = createSimulator({ seed: 2, traffic: { callsPerMinute: 60, startAt: T0 - 60 * MINUTE }, statusCallbacks: { onCallback: (d) => void got.push(d.sid) } });
    await run(clock, sim, 2 * MINUTE, 1_000);
    for (const sid of got) {
      const truth = sim.call(sid)!;
      expect(truth.endAt + 5_000).toBeGreaterThanOrEqual(T0);
    }
    expect(got.length).toBeGreaterThan(60);
    expect(got.length).toBeLessThan(400);
    await sim.close();
  });

  it('with lookEveryMs: Infinity and a clock of its own, sends only on flush()', async () => {
    let now = T0;
    const got: string[] = [];
    const sim = createSimulator({ clock: { now: () => now }, statusCallbacks: { onCallback: (d) => void got.push(d.sid), lookEveryMs: Infinity, delayMs: 2_000 } });
    const call = sim.addCall({ startAt: T0, ringMs: 5_000, talkMs: 30_000 });
    now = T0 + 36_000;
    await sim.callbacks.flush();
    expect(got).toEqual([]);
    now = T0 + 37_000;
    await sim.callbacks.flush();
    expect(got).toEqual([call.sid]);
    await sim.callbacks.flush();
    expect(got).toEqual([call.sid]);
    await sim.close();
  });
});

describe('statusCallbacks: what a callback carries', () => {
  it('sends the form fields of StatusCallbackEvents=terminal, in the account zone', async () => {
    installClock(T0);
    const got: StatusCallbackDelivery[] = [];
    const sim = createSimulator({ statusCallbacks: { onCallback: (d) => void got.push(d), lookEveryMs: Infinity, delayMs: 1_000 } });
    const call = sim.addCall({ startAt: T0, ringMs: 5_000, talkMs: 60_000, sid: 'call-1', from: '+917000000042' });
    const failed = sim.addCall({ startAt: T0, ringMs: 30_000, status: 'no-answer', sid: 'call-2' });
    Date.now = () => T0 + 70_000;
    await sim.callbacks.flush();
    expect(got.map((d) => d.sid).sort()).toEqual(['call-1', 'call-2']);
    const d = got.find((x) => x.sid === 'call-1')!;
    expect(d.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(d.body))).toEqual({
      CallSid: 'call-1',
      DateUpdated: '2025-01-15 10:01:05',
      Status: 'completed',
      RecordingUrl: `https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/acme1/call-1.mp3`,
      EventType: 'terminal',
      DateCreated: '2025-01-15 10:00:00',
      To: '+919800000001',
      From: '+917000000042',
      PhoneNumberSid: '+918047000001',
      StartTime: '2025-01-15 10:00:00',
      EndTime: '2025-01-15 10:01:05',
      ConversationDuration: '60',
      Direction: 'inbound',
      CustomField: '',
    });
    expect(parseNaiveMs(String(d.fields.EndTime), 'Asia/Kolkata')).toBe(call.endAt);
    const f = got.find((x) => x.sid === 'call-2')!;
    expect(f.fields).toMatchObject({ Status: 'no-answer', RecordingUrl: '', ConversationDuration: '0' });
    expect(Object.isFrozen(d)).toBe(true);
    expect(failed.endAt).toBe(T0 + 30_000);
    await sim.close();
  });

  it('sends JSON with Legs, only the four fields without events, and answered events when asked', async () => {
    let now = T0;
    const clock = { now: () => now };
    const collect = async (cb: Partial<StatusCallbackOptions>) => {
      const got: StatusCallbackDelivery[] = [];
      now = T0;
      const sim = createSimulator({ clock, statusCallbacks: { onCallback: (d) => void got.push(d), lookEveryMs: Infinity, delayMs: 0, ...cb } });
      sim.addCall({ startAt: T0, ringMs: 5_000, talkMs: 60_000, sid: 'j1' });
      for (now = T0; now <= T0 + 70_000; now += 1_000) await sim.callbacks.flush();
      await sim.close();
      return got;
    };
    const [json] = await collect({ format: 'json' });
    expect(json!.contentType).toBe('application/json');
    expect(JSON.parse(json!.body)).toMatchObject({ CallSid: 'j1', Status: 'completed', Legs: [{ OnCallDuration: 65, Status: 'completed' }, { OnCallDuration: 60, Status: 'completed' }] });
    const [basic] = await collect({ events: [] });
    expect(Object.keys(Object.fromEntries(new URLSearchParams(basic!.body)))).toEqual(['CallSid', 'DateUpdated', 'Status', 'RecordingUrl']);
    const both = await collect({ events: ['terminal', 'answered'] });
    expect(both.map((d) => [d.event, d.fields.Status, d.fields.EventType, d.fields.DateUpdated])).toEqual([
      ['answered', 'in-progress', 'answered', '2025-01-15 10:00:05'],
      ['terminal', 'completed', 'terminal', '2025-01-15 10:01:05'],
    ]);
  });
});

describe('statusCallbacks: retries and duplicates', () => {
  it('retries a failed delivery retryDelayMs later, up to `retries` times, then gives it up', async () => {
    let now = T0;
    const answers = [false, false, true];
    const attempts: Array<[string, number, number]> = [];
    const sim = createSimulator({
      clock: { now: () => now },
      statusCallbacks: {
        lookEveryMs: Infinity,
        delayMs: 0,
        retryDelayMs: 10_000,
        onCallback: (d) => {
          attempts.push([d.sid, d.attempt, d.sentAt - T0]);
          if (d.sid === 'never') throw new Error('receiver down');
          return answers.shift();
        },
      },
    });
    sim.addCall({ startAt: T0 - 5_000, ringMs: 5_000, talkMs: 0, status: 'busy', sid: 'flaky' });
    sim.addCall({ startAt: T0 - 5_000, ringMs: 5_000, talkMs: 0, status: 'busy', sid: 'never' });
    for (; now <= T0 + 60_000; now += 1_000) await sim.callbacks.flush();
    expect(attempts.filter((a) => a[0] === 'flaky')).toEqual([
      ['flaky', 1, 0],
      ['flaky', 2, 10_000],
      ['flaky', 3, 20_000],
    ]);
    expect(attempts.filter((a) => a[0] === 'never').map((a) => a[1])).toEqual([1, 2, 3]);
    expect(sim.callbacks.record('flaky')).toMatchObject({ state: 'delivered' });
    expect(sim.callbacks.record('never')!.state).toBe('failed');
    expect(sim.callbacks.record('never')!.attempts.map((a) => a.error)).toEqual(['receiver down', 'receiver down', 'receiver down']);
    expect(sim.callbacks.stats()).toMatchObject({ planned: 2, delivered: 1, failed: 1, retries: 4, attempts: 6, pending: 0 });
    await sim.close();
  });

  it('waits for an async onCallback: a rejection or a false is a failed delivery, retried', async () => {
    let now = T0;
    const outcomes: Array<() => Promise<boolean | void>> = [() => Promise.reject(new Error('busy')), () => Promise.resolve(false), () => Promise.resolve()];
    const sim = createSimulator({ clock: { now: () => now }, statusCallbacks: { lookEveryMs: Infinity, delayMs: 0, retryDelayMs: 1_000, onCallback: () => outcomes.shift()!() } });
    sim.addCall({ startAt: T0, ringMs: 1_000, status: 'failed', sid: 'async1' });
    for (; now <= T0 + 10_000; now += 1_000) await sim.callbacks.flush();
    expect(sim.callbacks.record('async1')).toMatchObject({ state: 'delivered', attempts: [{ ok: false, error: 'busy' }, { ok: false }, { ok: true }] });
    expect(JSON.parse(JSON.stringify(sim.callbacks.record('async1')))).toMatchObject({ sid: 'async1' });
    await sim.close();
  });

  it('sends a delivered callback a second time with duplicateShare', async () => {
    let now = T0;
    const got: Array<[string, boolean]> = [];
    const sim = createSimulator({ clock: { now: () => now }, statusCallbacks: { lookEveryMs: Infinity, delayMs: 0, duplicateShare: 1, retryDelayMs: 5_000, onCallback: (d) => void got.push([d.sid, d.duplicate]) } });
    sim.addCall({ startAt: T0, ringMs: 1_000, status: 'failed', sid: 'dup' });
    for (; now <= T0 + 20_000; now += 1_000) await sim.callbacks.flush();
    expect(got).toEqual([
      ['dup', false],
      ['dup', true],
    ]);
    expect(sim.callbacks.stats()).toMatchObject({ delivered: 1, duplicates: 1 });
    await sim.close();
  });
});

describe('statusCallbacks over loopback HTTP, into the package’s receiver', () => {
  it('posts form and JSON callbacks that the receiver turns into hints; a 500 is retried; repeats are answered as duplicates', async () => {
    for (const format of ['form', 'json'] as const) {
      const target = recordingTarget();
      const handler = createStatusCallbackHandler(target, { timeZone: 'Asia/Kolkata' });
      let failNext = 1;
      const server = await listen((req, res) => {
        if (failNext > 0) {
          failNext -= 1;
          req.resume();
          res.writeHead(500).end();
          return;
        }
        handler(req, res);
      });
      const clock = installClock(T0);
      const sim = createSimulator({
        seed: 11,
        traffic: { callsPerMinute: 30, startAt: T0, endAt: T0 + 5 * MINUTE, mix: { longShare: 0, veryLongShare: 0 } },
        statusCallbacks: { url: `${server.url}/exotel/status-callback`, format, share: 0.8, duplicateShare: 0.5, retryDelayMs: 2_000 },
      });
      await run(clock, sim, 20 * MINUTE, 1_000);
      const stats = sim.callbacks.stats();
      const truth = new Map(sim.calls().map((c) => [c.sid, c]));
      expect(stats.pending).toBe(0);
      expect(stats.retries).toBe(1);
      expect(target.hints).toHaveLength(stats.delivered);
      for (const hint of target.hints) {
        const call = truth.get(hint.sid)!;
        // Naive seconds, read back in the zone.
        expect(hint.endedAt).toBe(Math.floor(call.endAt / 1000) * 1000);
        expect(hint.dateCreated).toBe(Math.floor(call.startAt / 1000) * 1000);
        expect(hint.status).toBe(call.status);
      }
      expect(handler.stats().rejected.duplicate).toBe(stats.duplicates);
      expect(stats.duplicates).toBeGreaterThan(0);
      await sim.close();
      clock.uninstall();
      await server.close();
    }
  });

  it('counts a receiver that does not answer in timeoutMs as a failed delivery', async () => {
    const server = await listen((req) => req.resume());
    const clock = installClock(T0);
    const sim = createSimulator({ statusCallbacks: { url: server.url, delayMs: 0, retries: 0, timeoutMs: 3_000 } });
    sim.addCall({ startAt: T0, ringMs: 500, status: 'busy', sid: 'slow' });
    await clock.tickAsync(1_000);
    const flushing = sim.callbacks.idle();
    await clock.tickAsync(3_000);
    await flushing;
    expect(sim.callbacks.record('slow')).toMatchObject({ state: 'failed', attempts: [{ ok: false, error: 'no answer within 3000 ms' }] });
    await sim.close();
    clock.uninstall();
    await server.close();
  });
});

describe('statusCallbacks: options', () => {
  it('names a bad option and shows the value (never the URL’s path or query)', () => {
    const bad = (statusCallbacks: unknown) => () => createSimulator({ statusCallbacks: statusCallbacks as StatusCallbackOptions });
    expect(bad('http://x')).toThrow(/Expected `statusCallbacks` to be an object or false/);
    expect(bad({})).toThrow(/exactly one of `url` and `onCallback`, got `\(neither\)`/);
    expect(bad({ url: 'http://127.0.0.1:1/', onCallback: () => {} })).toThrow(/got `\(both\)`/);
    expect(bad({ url: 'ftp://127.0.0.1/hook/s3cr3t-token' })).toThrow(/`statusCallbacks.url` to be an http: or https: URL without credentials, got `ftp:\/\/127.0.0.1\/…`/);
    expect(bad({ url: 'http://127.0.0.1/hook/s3cr3t-token', share: 1.5 })).toThrow(/Expected `statusCallbacks.share` to be a share from 0 to 1, got `1.5` \(number\)/);
    expect(bad({ onCallback: () => {}, share: 0.5, lateShare: 0.6 })).toThrow(/`statusCallbacks.lateShare` to be a share no larger than `statusCallbacks.share` \(0.5\)/);
    expect(bad({ onCallback: () => {}, delayMs: { min: 5, max: 1 } })).toThrow(/`statusCallbacks.delayMs`/);
    expect(bad({ onCallback: () => {}, format: 'xml' })).toThrow(/`statusCallbacks.format` to be one of 'form', 'json', got `xml` \(string\)/);
    expect(bad({ onCallback: () => {}, events: ['completed'] })).toThrow(/`statusCallbacks.events`/);
    expect(bad({ onCallback: () => {}, retries: 11 })).toThrow(/`statusCallbacks.retries` to be an integer from 0 to 10/);
    expect(bad({ onCallback: () => {}, lookEveryMs: 0 })).toThrow(/`statusCallbacks.lookEveryMs`/);
    expect(bad({ onCallback: () => {}, shares: 0.9 })).toThrow(/`statusCallbacks.shares` to be absent/);
    try {
      bad({ url: 'http://127.0.0.1/hook/s3cr3t-token', share: 2 })();
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cr3t');
    }
  });

  it('is off by default: flush() sends nothing and the counters stay at 0', async () => {
    const sim = createSimulator();
    expect(sim.callbacks.enabled).toBe(false);
    await sim.callbacks.flush();
    expect(sim.callbacks.stats()).toMatchObject({ planned: 0, attempts: 0 });
    await sim.close();
  });
});
