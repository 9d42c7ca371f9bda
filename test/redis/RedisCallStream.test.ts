import { afterEach, describe, expect, it } from 'vitest';
import { createRedisCallStream } from '../../src/redis/createRedisCallStream.js';
import { createRedisQuotaLimiter } from '../../src/redis/createRedisQuotaLimiter.js';
import type { RedisCallStream } from '../../src/redis/RedisCallStream.js';
import { encodeEvents, eventId } from '../../src/redis/eventCodec.js';
import type { RedisCallStreamEvent, RedisCallStreamOptions } from '../../src/redis/types.js';
import { SimulatorDispatcher } from '../../src/simulator/SimulatorDispatcher.js';
import { createSimulator } from '../../src/simulator/createSimulator.js';
import type { Simulator } from '../../src/simulator/types.js';
import type { ExotelError } from '../../src/exotel/errors.js';
import { normalizeCall } from '../../src/exotel/normalizeCall.js';
import { redisPerFile, sleep, until } from './helpers.js';

const redis = redisPerFile();

const sims: Simulator[] = [];
const streams: RedisCallStream[] = [];
afterEach(async () => {
  await Promise.all(streams.splice(0).map((s) => s.stop()));
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

function simulator(): Simulator {
  const sim = createSimulator({ seed: 7, settleDelayMs: 200 });
  sims.push(sim);
  return sim;
}

/** A call that ended `agoMs` ago (and settled 200 ms after). */
function endedCall(sim: Simulator, agoMs = 5_000) {
  return sim.addCall({ startAt: Date.now() - agoMs - 6_000, ringMs: 1_000, talkMs: 5_000 });
}

interface Seen {
  events: Array<{ owner: string; event: RedisCallStreamEvent }>;
  errors: Array<{ owner: string; error: ExotelError }>;
}

function member(sim: Simulator, seen: Seen, owner: string, options: Partial<RedisCallStreamOptions> = {}): RedisCallStream {
  const stream = createRedisCallStream({
    redis: redis.client(),
    owner,
    accountSid: 'acme1',
    apiKey: 'sim-key',
    apiToken: 'sim-token',
    baseUrl: 'http://127.0.0.1:9',
    dispatcher: new SimulatorDispatcher(sim),
    pollIntervalMs: 1_000,
    lookbackMs: 600_000,
    settleMs: 5_000,
    leaseMs: 1_000,
    ...options,
  });
  streams.push(stream);
  stream.events$.subscribe({ next: (event) => seen.events.push({ owner, event }), error: () => {} });
  stream.errors$.subscribe((error) => seen.errors.push({ owner, error }));
  return stream;
}

/** A process's own share of the window, that counts a window Redis lost as full for 300 ms only. */
const quickRestore = () => createRedisQuotaLimiter(redis.client(), { accountSid: 'acme1', restoreGraceMs: 300 });

const completedSids = (seen: Seen) => seen.events.filter((e) => e.event.type === 'callCompleted').map((e) => e.event.call.sid);

/** Sids completed, once each: a repeat is allowed only as a redelivery of the same event (same id). */
function completedOnce(seen: Seen): Set<string> {
  const first = new Map<string, RedisCallStreamEvent>();
  for (const { event } of seen.events) {
    if (event.type !== 'callCompleted') continue;
    const earlier = first.get(event.call.sid);
    if (earlier === undefined) first.set(event.call.sid, event);
    else if (!event.redelivered || event.id !== earlier.id) throw new Error(`${event.call.sid} was emitted twice, not as a redelivery: ${JSON.stringify([earlier.id, event.id, event.redelivered])}`);
  }
  return new Set(first.keys());
}

describe('createRedisCallStream', () => {
  it('one of three processes leads and emits; when it stops, another takes over at once and nothing is repeated or lost', async () => {
    const sim = simulator();
    const seen: Seen = { events: [], errors: [] };
    const [a, b, c] = ['a', 'b', 'c'].map((o) => member(sim, seen, o));
    const first = [endedCall(sim), endedCall(sim)];
    await until(() => completedSids(seen).length === 2, 10_000, 'the first two calls');
    const leaders = [a!, b!, c!].filter((s) => s.role === 'leader');
    expect(leaders).toHaveLength(1);
    expect(leaders[0]!.token).toBe(1);
    expect([a!, b!, c!].filter((s) => s.role === 'standby')).toHaveLength(2);
    const leader = leaders[0]!;
    expect(new Set(seen.events.map((e) => e.owner))).toEqual(new Set([leader.owner]));
    expect(seen.events[0]!.event).toMatchObject({ accountSid: 'acme1', id: `acme1/${seen.events[0]!.event.call.sid}/callCompleted`, redelivered: false });

    await leader.stop();
    const stoppedAt = performance.now();
    const next = endedCall(sim);
    await until(() => completedSids(seen).length === 3, 10_000, 'the third call');
    const newLeader = [a!, b!, c!].find((s) => s.role === 'leader')!;
    expect(newLeader.owner).not.toBe(leader.owner);
    expect(newLeader.token).toBe(2);
    // A released lease is taken at the standby's next tick (a quarter of the lease), not after it ran out.
    expect(performance.now() - stoppedAt).toBeLessThan(1_000 + 1_500);
    expect(completedSids(seen).sort()).toEqual([...first, next].map((c) => c.sid).sort());
    expect(seen.events.every((e) => !e.event.redelivered)).toBe(true);
    expect(seen.errors.map((e) => e.error.code)).toEqual([]);
  });

  it('a leader cut off from Redis stops emitting before its lease runs out; a standby takes over from the saved state', async () => {
    const sim = simulator();
    const seen: Seen = { events: [], errors: [] };
    const cutClient = redis.client();
    const a = member(sim, seen, 'a', { redis: cutClient });
    await until(() => a.role === 'leader', 5_000, 'a to lead');
    const b = member(sim, seen, 'b');
    endedCall(sim);
    await until(() => completedSids(seen).length === 1, 5_000, 'the first call');
    // a loses its connection for good: it can no longer prove its lease.
    cutClient.disconnect();
    const cutAt = performance.now();
    endedCall(sim);
    endedCall(sim);
    await until(() => completedOnce(seen).size === 3, 10_000, 'the calls after the cut');
    await until(() => a.role === 'standby', 5_000, 'a to stand by');
    expect(b.role).toBe('leader');
    const lost = seen.errors.find((e) => e.owner === 'a' && e.error.code === 'ERR_LEASE_LOST');
    expect(lost?.error.message).toMatch(/stopped leading account acme1/);
    expect(seen.errors.some((e) => e.owner === 'a' && e.error.code === 'ERR_REDIS')).toBe(true);
    // Everything after the cut came from b; the first call again only if a's acknowledgement was cut
    // off with it (then as a redelivery of the same event).
    const afterCut = seen.events.slice(1);
    expect(afterCut.every((e) => e.owner === 'b')).toBe(true);
    expect(afterCut.filter((e) => e.event.call.sid === seen.events[0]!.event.call.sid).every((e) => e.event.redelivered)).toBe(true);
    expect(completedOnce(seen).size).toBe(3);
    expect(performance.now() - cutAt).toBeGreaterThan(900);
  });

  it('a new leader first emits what the last one saved and did not confirm, marked redelivered, with the same id', async () => {
    const sim = simulator();
    const call = endedCall(sim, 60_000);
    const raw = sim.call(call.sid)!.recordAt(Date.now())!;
    const event = { type: 'callCompleted' as const, call: normalizeCall(raw, { timeZone: 'Asia/Kolkata' }) };
    const saved = { ...event, accountSid: 'acme1', id: eventId('acme1', event), redelivered: false };
    // As a leader that died between its save landing and its acknowledgement leaves it.
    const admin = redis.client();
    await admin.hset('exotel:acme1:state', 'data', JSON.stringify({ version: 1, checkpoint: Date.now(), emitted: { [call.sid]: { dateCreated: call.startAt, fingerprint: 'x' } } }), 'writer', 'dead:1');
    await admin.hset('exotel:acme1:outbox', 'dead:1/7', encodeEvents([saved]));
    await admin.set('exotel:acme1:epoch', '1');
    const seen: Seen = { events: [], errors: [] };
    member(sim, seen, 'b');
    await until(() => seen.events.length === 1, 5_000, 'the redelivery');
    const [{ event: again }] = seen.events as [Seen['events'][number]];
    expect(again).toMatchObject({ type: 'callCompleted', id: saved.id, redelivered: true, accountSid: 'acme1' });
    expect(again.call.dateCreated).toBeInstanceOf(Date);
    expect(again.call.dateCreated.getTime()).toBe(event.call.dateCreated.getTime());
    await until(async () => (await admin.exists('exotel:acme1:outbox')) === 0, 2_000, 'the acknowledgement');
    // The saved state says it was emitted: the stream itself does not emit it again.
    await sleep(1_500);
    expect(seen.events).toHaveLength(1);
  });

  it('survives a Redis restart mid-run: the leader takes its lease again and saves its whole state; nothing repeated', async () => {
    const sim = simulator();
    const seen: Seen = { events: [], errors: [] };
    // The window Redis loses counts as full for 300 ms here, not 5 s (tested in quota.test.ts).
    const a = member(sim, seen, 'a', { limiter: quickRestore() });
    await until(() => a.role === 'leader', 5_000, 'a to lead');
    const b = member(sim, seen, 'b', { limiter: quickRestore() });
    for (let i = 0; i < 3; i++) endedCall(sim);
    await until(() => completedSids(seen).length === 3, 5_000, 'the first calls');
    await sleep(300);
    await redis.server.restart();
    for (let i = 0; i < 3; i++) endedCall(sim);
    await until(() => completedOnce(seen).size === 6, 15_000, 'the calls after the restart');
    await sleep(2_000);
    expect(a.role).toBe('leader');
    expect(b.role).toBe('standby');
    // The leader kept its state through the restart: nothing was found and emitted again.
    expect(completedSids(seen)).toHaveLength(6);
    expect(a.token).toBeGreaterThan(1);
    const state = JSON.parse((await redis.client().hget('exotel:acme1:state', 'data'))!);
    expect(Object.keys(state.emitted)).toHaveLength(6);
  });

  it('Redis away longer than the lease: nothing is emitted meanwhile, the outage and the lost lease are reported once, and it goes on after', async () => {
    const sim = simulator();
    const seen: Seen = { events: [], errors: [] };
    const a = member(sim, seen, 'a', { limiter: quickRestore() });
    await until(() => a.role === 'leader', 5_000, 'a to lead');
    const b = member(sim, seen, 'b', { limiter: quickRestore() });
    endedCall(sim);
    await until(() => completedOnce(seen).size === 1, 5_000, 'the first call');
    await redis.server.kill();
    const during = [endedCall(sim), endedCall(sim)];
    await until(() => a.role === 'standby', 5_000, 'a to stop leading');
    const emittedWhileAway = seen.events.length;
    await sleep(1_000);
    expect(seen.events.length).toBe(emittedWhileAway);
    await redis.server.start();
    const after = endedCall(sim);
    await until(() => completedOnce(seen).size === 4, 15_000, 'the calls of the outage and after');
    expect([a, b].filter((s) => s.role === 'leader')).toHaveLength(1);
    for (const call of [...during, after]) expect(completedOnce(seen).has(call.sid)).toBe(true);
    const codes = seen.errors.filter((e) => e.owner === 'a').map((e) => e.error.code);
    expect(codes.filter((c) => c === 'ERR_REDIS')).toHaveLength(1);
    expect(codes.filter((c) => c === 'ERR_LEASE_LOST')).toHaveLength(1);
  });

  it('a fatal error (401) fails the stream as createCallStream does, and gives up the lease', async () => {
    const sim = simulator();
    const seen: Seen = { events: [], errors: [] };
    const a = member(sim, seen, 'a', { apiToken: 'wrong' });
    let failure: unknown;
    a.events$.subscribe({ error: (error) => (failure = error) });
    await until(() => failure !== undefined, 5_000, 'the failure');
    expect(failure).toMatchObject({ code: 'ERR_EXOTEL_UNAUTHORIZED', fatal: true });
    await until(() => a.role === 'stopped', 5_000, 'a to stop');
    expect(await redis.client().exists('exotel:acme1:lease')).toBe(0);
  });

  it('stats(), status() and hint() as a CallStream has them: the leader\'s term, nothing on a standby, counters that only grow over a handover', async () => {
    const sim = simulator();
    const seen: Seen = { events: [], errors: [] };
    const idle = createRedisCallStream({ redis: redis.client(), accountSid: 'acme1', apiKey: 'k', apiToken: 't', maxRequestsPerMinute: 150 });
    streams.push(idle);
    expect(idle.status()).toMatchObject({ phase: 'idle', heldCalls: 0, lagMs: null, maxRequestsPerMinute: 150 });
    const a = member(sim, seen, 'a');
    await until(() => a.role === 'leader', 5_000, 'a to lead');
    const b = member(sim, seen, 'b');
    await until(() => b.role === 'standby', 5_000, 'b to stand by');
    endedCall(sim);
    await until(() => completedSids(seen).length === 1 && a.status().lagMs !== null, 5_000, 'the first call');
    expect(a.status()).toMatchObject({ phase: 'running', heldCalls: 0, trackedCalls: 1, maxRequestsPerMinute: 200 });
    expect(a.status().lastReadAt).not.toBeNull();
    expect(Object.isFrozen(a.status())).toBe(true);
    const led = a.stats();
    expect(led.events).toEqual({ callCompleted: 1, callFailed: 0, callUpdated: 0 });
    expect(led.http.requests).toBeGreaterThan(0);
    expect(led.saves.ok).toBeGreaterThan(0);
    expect(Object.values(led.reads).reduce((n, t) => n + t.ok, 0)).toBeGreaterThan(0);
    // The standby reads nothing and holds nothing.
    expect(b.status()).toMatchObject({ phase: 'running', heldCalls: 0, trackedCalls: 0, lagMs: null, lastReadAt: null, estimatedRequestsPerMinute: 0 });
    expect(b.stats()).toMatchObject({ reads: {}, events: { callCompleted: 0 }, saves: { ok: 0, failed: 0 } });
    expect(b.stats().http.requests).toBe(0);
    // A hint goes to the stream of the leader only.
    const hinted = sim.addCall({ startAt: Date.now() - 3_000, ringMs: 500, talkMs: 1_000 });
    expect(b.hint({ sid: hinted.sid })).toBe(false);
    expect(a.hint({ sid: hinted.sid })).toBe(true);

    // a hands over: its counters keep what its term counted, and b's start counting.
    const requests: number[] = [];
    const sampler = setInterval(() => requests.push(a.stats().http.requests), 5);
    await a.stop();
    clearInterval(sampler);
    requests.push(a.stats().http.requests);
    expect(requests.every((n, i) => i === 0 || n >= requests[i - 1]!)).toBe(true);
    expect(a.stats().http.requests).toBeGreaterThanOrEqual(led.http.requests);
    expect(a.stats().events.callCompleted).toBe(1);
    expect(a.status()).toMatchObject({ phase: 'stopped', heldCalls: 0, lagMs: null });
    expect(a.status().lastReadAt).not.toBeNull();
    expect(a.hint({ sid: hinted.sid })).toBe(false);
    await until(() => b.role === 'leader' && b.status().lagMs !== null, 5_000, 'b to lead and read');
    await until(() => completedSids(seen).length === 2, 5_000, 'the hinted call');
    expect(b.stats().http.requests).toBeGreaterThan(0);
    expect(b.stats().events.callCompleted).toBe(1);
    expect(seen.errors).toEqual([]);
  });

  it('rejects options it cannot use at once, on a standby too', () => {
    const client = redis.client();
    const base = { redis: client, accountSid: 'acme1', apiKey: 'k', apiToken: 't' };
    expect(() => createRedisCallStream({ ...base, store: {} } as never)).toThrow('Expected `store` to be absent: the state lives in Redis');
    expect(() => createRedisCallStream({ ...base, saveIntervalMs: 0 } as never)).toThrow('Expected `saveIntervalMs` to be absent');
    expect(() => createRedisCallStream({ ...base, leaseMs: 100 })).toThrow('Expected `leaseMs` to be an integer of milliseconds from 500 to 3600000, got `100` (number)');
    expect(() => createRedisCallStream({ ...base, owner: 'a:b' })).toThrow('Expected `owner`');
    expect(() => createRedisCallStream({ ...base, pageSize: 250 })).toThrow('Expected `pageSize` to be an integer from 1 to 100, got `250` (number)');
    expect(() => createRedisCallStream({ ...base, redis: undefined as never })).toThrow('Expected `redis`');
  });
});
