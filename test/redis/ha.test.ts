/**
 * Several processes on one account through a real Redis: `exotel-calls tail --redis` three times
 * (real processes, real sockets) on a simulator that counts every request. During a busy stretch
 * Redis is restarted (its keys and scripts lost), the leader is killed with SIGKILL twice, and a
 * leader is paused with SIGSTOP past its lease and then resumed. Every call must be emitted by
 * whichever process led, once (a repeat only as a marked redelivery of the same event), and the
 * paused ex-leader must emit nothing. Last, the user's own calls, through the shared window from
 * this process, ask for a whole quota more: they must get exactly what the processes left of it,
 * which the simulator's count shows (never more than the limit in any 60 s, no 429).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExotelClient } from '../../src/exotel/ExotelClient.js';
import { createRedisQuotaLimiter } from '../../src/redis/createRedisQuotaLimiter.js';
import { createSimulator } from '../../src/simulator/index.js';
import type { Simulator, SimulatedCall } from '../../src/simulator/index.js';
import { startRedisServer } from '../helpers/redisServer.js';
import type { RedisServer } from '../helpers/redisServer.js';
import { sleep, until } from './helpers.js';
import { startTail } from './processes.js';
import type { TailProcess } from './processes.js';

const LIMIT = 100;
const LEASE_MS = 1_500;

let redis: RedisServer;
let sim: Simulator;
let simUrl: string;
const processes: TailProcess[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  sim = createSimulator({ seed: 21, settleDelayMs: 300, rateLimit: { requestsPerMinute: LIMIT } });
  ({ url: simUrl } = await sim.listen());
});

afterAll(async () => {
  for (const p of processes) if (p.run.child.exitCode === null && p.run.child.signalCode === null) p.run.child.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.run.done));
  await sim?.close();
  await redis?.stop();
});

let count = 0;
function tail(): TailProcess {
  const p = startTail(`p${++count}`, [
    '--base-url', simUrl, '--redis', redis.url, '--lease', `${LEASE_MS}ms`, '--poll-interval', '1s', '--lookback', '30m', '--since', '10m',
    '--settle', '20s', '--max-requests-per-minute', String(LIMIT),
  ]);
  processes.push(p);
  return p;
}

const alive = (p: TailProcess) => p.run.child.exitCode === null && p.run.child.signalCode === null;
const live = () => processes.filter(alive);
const leader = () => {
  const leading = live().filter((p) => p.leading);
  return leading.length === 1 ? leading[0] : undefined;
};
const emittedCount = () => processes.reduce((n, p) => n + p.events.length, 0);

describe('three processes on one account through Redis', () => {
  it('emit every call once through a Redis restart, two SIGKILLs of the leader and a paused ex-leader, within one quota', async () => {
    const firstRequestAt = Date.now();
    tail();
    tail();
    tail();
    await until(() => leader() !== undefined && live().every((p) => p.led.length + p.stoodBy.length > 0), 30_000, 'one leader and two standbys');

    // A busy stretch: a call ends every half second, each a few seconds long.
    const calls: SimulatedCall[] = [];
    const driver = setInterval(() => {
      calls.push(sim.addCall({ startAt: Date.now() - 4_000, ringMs: 1_000, talkMs: 2_500 + Math.floor(Math.random() * 500) }));
    }, 500);

    const failovers: number[] = [];
    const killLeader = async () => {
      const old = leader()!;
      const before = old.events.length;
      await until(() => old.events.length > before, 15_000, `${old.name} to emit`);
      old.run.child.kill('SIGKILL');
      const killedAt = performance.now();
      await old.run.done;
      tail();
      await until(() => leader() !== undefined && leader() !== old, 20_000, 'a new leader');
      const next = leader()!;
      failovers.push(next.led.at(-1)! - killedAt);
      await until(() => next.events.length > 0, 15_000, `${next.name} to emit`);
    };

    try {
      // Redis restarts: every key (leases, state, the quota window) and every loaded script is gone.
      await sleep(2_000);
      const beforeRestart = leader()!;
      const emittedBefore = emittedCount();
      await redis.restart();
      await until(() => emittedCount() > emittedBefore + 3, 20_000, 'events after the Redis restart');
      const keptThroughRestart = leader() === beforeRestart;

      await sleep(1_000);
      await killLeader();
      await sleep(1_000);
      await killLeader();

      // The leader is paused past its lease: a standby takes over; resumed, it must emit nothing.
      const paused = leader()!;
      paused.run.child.kill('SIGSTOP');
      const pausedAt = performance.now();
      await until(() => live().some((p) => p !== paused && p.led.some((t) => t > pausedAt)), 20_000, 'a standby to take over from the paused leader');
      const takeover = live().find((p) => p !== paused && p.led.some((t) => t > pausedAt))!;
      failovers.push(takeover.led.at(-1)! - pausedAt);
      await sleep(LEASE_MS);
      // A stopped process writes nothing: what arrived until now it wrote before it was stopped.
      const resumedAt = performance.now();
      paused.run.child.kill('SIGCONT');
      await until(() => paused.stoodBy.some((t) => t > pausedAt), 10_000, 'the resumed ex-leader to stand by');
      await sleep(1_500);
      // Nothing from it after it resumed, unless it led again later (a new term, after the new
      // leader lost the lease in turn), which its stderr says before its events.
      const ledAgain = paused.led.find((t) => t > resumedAt) ?? Number.POSITIVE_INFINITY;
      const afterResume = paused.events.filter((e) => e.at > resumedAt && e.at < ledAgain);
      expect(afterResume.map((e) => e.event.id)).toEqual([]);
      expect(paused.run.stderr()).toMatch(/stopped leading account acme1.*\[ERR_LEASE_LOST\]/);

      clearInterval(driver);
      // Every call that ended is emitted, by whoever leads now.
      const emittedSids = () => new Set(processes.flatMap((p) => p.events.filter((e) => e.event.type !== 'callUpdated').map((e) => e.event.call.sid)));
      await until(() => calls.every((c) => emittedSids().has(c.sid)), 30_000, 'every call to be emitted');

      // Once: a second emission only as a redelivery of the same event (a leader killed between its save and its confirmation).
      const first = new Map<string, { id: string; by: string }>();
      let redelivered = 0;
      for (const p of processes) {
        for (const { event } of p.events) {
          if (event.type === 'callUpdated') continue;
          expect(calls.some((c) => c.sid === event.call.sid)).toBe(true);
          const earlier = first.get(event.call.sid);
          if (earlier === undefined) {
            first.set(event.call.sid, { id: event.id, by: p.name });
            continue;
          }
          expect(event.redelivered, `${event.call.sid} emitted by ${earlier.by} and again by ${p.name}`).toBe(true);
          expect(event.id).toBe(earlier.id);
          redelivered++;
        }
      }
      expect(first.size).toBe(calls.length);

      // The user's own calls from this process ask for a whole quota more, through the shared window.
      const used = sim.rateStats().total;
      const clients = [new Redis(redis.url), new Redis(redis.url)];
      const limiters = clients.map((c) => createRedisQuotaLimiter(c, { accountSid: 'acme1', maxRequestsPerMinute: LIMIT }));
      const exotel = new ExotelClient({ accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token', baseUrl: simUrl, retries: 0 });
      let granted = 0;
      const own = limiters.flatMap((limiter) =>
        Array.from({ length: LIMIT / 2 }, () =>
          limiter.schedule({ priority: 9 }, async () => {
            granted++;
            await exotel.listPage({ pageSize: 1 });
          }),
        ),
      );
      await sleep(2_000);
      await Promise.all(limiters.map((l) => l.stop()));
      await Promise.allSettled(own);
      await exotel.close();
      for (const c of clients) c.disconnect();

      const stats = sim.rateStats();
      expect(stats.rejected).toBe(0);
      expect(stats.maxInAnyWindow).toBeLessThanOrEqual(LIMIT);
      expect(granted).toBeGreaterThan(0);
      // Within one window of the first request, the window held every request the processes made
      // (across the restart and the kills): the user's calls got what was left, to the last slot.
      if (Date.now() - firstRequestAt < 55_000) expect(stats.total).toBe(LIMIT);

      for (const ms of failovers) expect(ms).toBeLessThan(LEASE_MS * 2 + 1_500);
      console.log(
        `HA: ${calls.length} calls, ${used} requests by the processes, then ${granted} of the user's own (${stats.total} in all, ` +
          `at most ${stats.maxInAnyWindow} in any 60 s, limit ${LIMIT}, ${stats.rejected} rejected); failover after SIGKILL ` +
          `${failovers.slice(0, 2).map((ms) => `${Math.round(ms)} ms`).join(' and ')}, after SIGSTOP ${Math.round(failovers[2]!)} ms (lease ${LEASE_MS} ms); ` +
          `${redelivered} redelivered; leader kept through the Redis restart: ${keptThroughRestart}; ${Math.round((Date.now() - firstRequestAt) / 1000)} s`,
      );
    } catch (error) {
      for (const p of processes) console.log(`--- ${p.name} (${p.events.length} events, led ${p.led.length}, pid ${p.pid})\n${p.run.stderr().slice(-3000)}`);
      throw error;
    } finally {
      clearInterval(driver);
    }
  }, 150_000);
});
