import { describe, expect, it } from 'vitest';
import { createRedisQuotaLimiter } from '../../src/redis/createRedisQuotaLimiter.js';
import type { RedisQuotaLimiter } from '../../src/redis/createRedisQuotaLimiter.js';
import { ExotelClient } from '../../src/exotel/ExotelClient.js';
import { SimulatorDispatcher } from '../../src/simulator/SimulatorDispatcher.js';
import { createSimulator } from '../../src/simulator/createSimulator.js';
import type { ExotelError } from '../../src/exotel/errors.js';
import { redisPerFile, sleep } from './helpers.js';

const redis = redisPerFile();

/** A short window so that a test sees several of them: 10 a 400 ms window (+20 ms margin). */
const SHORT = { accountSid: 'acme1', maxRequestsPerMinute: 10, windowMs: 400, marginMs: 20 } as const;

/** Most starts inside any `windowMs` span. */
function maxInAnyWindow(starts: number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

function limiters(n: number, options: Partial<Parameters<typeof createRedisQuotaLimiter>[1]> = {}): RedisQuotaLimiter[] {
  return Array.from({ length: n }, () => createRedisQuotaLimiter(redis.client(), { ...SHORT, ...options }));
}

describe('createRedisQuotaLimiter', () => {
  it('never lets more than the limit start in any window across three processes, and keeps them all busy', async () => {
    const all = limiters(3);
    const starts: number[] = [];
    const job = async () => {
      starts.push(Date.now());
      await sleep(5 + Math.random() * 10);
    };
    const began = Date.now();
    await Promise.all(all.flatMap((limiter) => Array.from({ length: 20 }, () => limiter.schedule(job))));
    const tookMs = Date.now() - began;
    expect(starts).toHaveLength(60);
    expect(maxInAnyWindow(starts, 400)).toBeLessThanOrEqual(10);
    // 60 jobs at 10 a window: five refills after the first ten, about 420 ms each, plus Redis round trips.
    expect(tookMs).toBeGreaterThan(5 * 400);
    expect(tookMs).toBeLessThan(5 * 420 + 2_500);
    await Promise.all(all.map((l) => l.stop()));
  });

  it('counts a slot until the window has passed after its job finished, not after it started', async () => {
    const [limiter] = limiters(1, { maxRequestsPerMinute: 1 });
    const times: Array<{ start: number; end: number }> = [];
    const job = async () => {
      const start = Date.now();
      await sleep(300);
      times.push({ start, end: Date.now() });
    };
    await Promise.all([limiter!.schedule(job), limiter!.schedule(job)]);
    expect(times[1]!.start - times[0]!.end).toBeGreaterThanOrEqual(400);
    await limiter!.stop();
  });

  it('hands slots out in priority order (0 first), FIFO within a priority', async () => {
    const [limiter] = limiters(1, { maxRequestsPerMinute: 1, maxConcurrent: 1, windowMs: 150 });
    const order: string[] = [];
    const job = (name: string) => async () => {
      order.push(name);
    };
    const first = limiter!.schedule(job('first'));
    await first;
    // The window is full for ~170 ms: these all wait, then go one a window by priority.
    const rest = [
      limiter!.schedule({ priority: 9 }, job('low-a')),
      limiter!.schedule({ priority: 9 }, job('low-b')),
      limiter!.schedule({ priority: 5 }, job('normal')),
      limiter!.schedule({ priority: 0 }, job('held')),
    ];
    await Promise.all(rest);
    expect(order).toEqual(['first', 'held', 'normal', 'low-a', 'low-b']);
    await limiter!.stop();
  }, 10_000);

  it('survives a Redis restart: the lost window is rebuilt from each process\'s own stamps, never reopened early', async () => {
    const [a, b] = limiters(2, { maxRequestsPerMinute: 4, windowMs: 1_000 });
    const starts: number[] = [];
    const job = async () => {
      starts.push(Date.now());
    };
    // a takes three slots, b one: the window is full.
    await Promise.all([a!.schedule(job), a!.schedule(job), a!.schedule(job), b!.schedule(job)]);
    await redis.server.restart();
    // Both knew the window: neither may start before the first stamps are a window old.
    await Promise.all([a!.schedule(job), a!.schedule(job), b!.schedule(job), b!.schedule(job)]);
    expect(maxInAnyWindow(starts, 1_000)).toBeLessThanOrEqual(4);
    // The scripts were gone too: each limiter sent them again in full.
    expect(a!.redisStats().scriptReloads).toBeGreaterThanOrEqual(1);
    expect(b!.redisStats().scriptReloads).toBeGreaterThanOrEqual(1);
    await Promise.all([a!.stop(), b!.stop()]);
  });

  it('a lost window counts as full for the grace period, then holds the stamps the processes put back', async () => {
    const [a, b] = limiters(2, { maxRequestsPerMinute: 4, windowMs: 60_000, restoreGraceMs: 600 });
    const starts: number[] = [];
    const job = async () => void starts.push(Date.now());
    await Promise.all([a!.schedule(job), b!.schedule(job)]);
    await redis.server.restart();
    const restartedAt = Date.now();
    // Two slots are free (four, less the two stamps put back), but only after the grace period.
    await Promise.all([a!.schedule(job), b!.schedule(job)]);
    expect(starts[2]! - restartedAt).toBeGreaterThanOrEqual(500);
    const window = await redis.client().zrange('exotel:acme1:quota', '0', '-1');
    expect(window.filter((id) => !id.startsWith('~lost:'))).toHaveLength(4);
    // The window is full again: nothing more for a minute.
    let ran = false;
    void a!.schedule(async () => void (ran = true)).catch(() => undefined);
    await sleep(1_000);
    expect(ran).toBe(false);
    await Promise.all([a!.stop(), b!.stop()]);
  });

  it('a window lost by a process that had no stamps of its own left is assumed full for a window', async () => {
    const [a, b] = limiters(2, { maxRequestsPerMinute: 4, windowMs: 800 });
    const starts: Array<{ who: string; at: number }> = [];
    const job = (who: string) => async () => {
      starts.push({ who, at: Date.now() });
    };
    // b fills the window, then stops (its stamps are still in the window); a knows the window.
    await a!.schedule(job('a'));
    await Promise.all([b!.schedule(job('b')), b!.schedule(job('b')), b!.schedule(job('b'))]);
    await b!.stop();
    await redis.server.restart();
    const restartedAt = Date.now();
    await Promise.all([a!.schedule(job('a')), a!.schedule(job('a')), a!.schedule(job('a'))]);
    // b's three stamps are unknown to a: it waits until its own first stamp has aged out and more.
    expect(maxInAnyWindow(starts.map((s) => s.at), 800)).toBeLessThanOrEqual(4);
    expect(starts.at(-1)!.at - restartedAt).toBeGreaterThanOrEqual(700);
    await a!.stop();
  });

  it('without Redis, jobs wait (none runs), the outage is reported once, and they run when Redis is back', async () => {
    const errors: ExotelError[] = [];
    const limiter = createRedisQuotaLimiter(redis.client(), { ...SHORT, timeoutMs: 300, onError: (e) => errors.push(e) });
    await limiter.schedule(async () => undefined);
    await redis.server.kill();
    let ran = 0;
    const pending = Array.from({ length: 3 }, () => limiter.schedule(async () => void ran++));
    await sleep(700);
    expect(ran).toBe(0);
    expect(errors.map((e) => e.code)).toEqual(['ERR_REDIS']);
    expect(errors[0]!.message).toMatch(/shared quota could not be reached/);
    await redis.server.start();
    await Promise.all(pending);
    expect(ran).toBe(3);
    await limiter.stop();
  });

  it('stop() fails the jobs still waiting, as a Bottleneck that stops does, without taking their slots', async () => {
    const [limiter] = limiters(1, { maxRequestsPerMinute: 1 });
    await limiter!.schedule(async () => undefined);
    const waiting = limiter!.schedule(async () => 'never');
    await sleep(50);
    await limiter!.stop();
    await expect(waiting).rejects.toMatchObject({ name: 'BottleneckError' });
    expect(() => (limiter!.submit as (...args: unknown[]) => void)(() => undefined)).toThrow(/schedule\(\)/);
  });

  it('is the limiter of an ExotelClient: every request takes a slot, and the client does not stop it', async () => {
    const sim = createSimulator({ seed: 1 });
    sim.addCall({ startAt: Date.now() - 120_000, talkMs: 10_000 });
    const [limiter] = limiters(1, { maxRequestsPerMinute: 2, windowMs: 60_000 });
    const client = new ExotelClient({ accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token', baseUrl: 'http://127.0.0.1:9', dispatcher: new SimulatorDispatcher(sim), limiter: limiter! });
    await client.listPage({ pageSize: 10 });
    await client.listPage({ pageSize: 10 });
    const keyCount = await redis.client().zcard('exotel:acme1:quota');
    expect(keyCount).toBe(2);
    await client.close();
    // Still usable by the user's own calls: the window is full, so this one waits.
    let ran = false;
    void limiter!.schedule(async () => void (ran = true)).catch(() => undefined);
    await sleep(100);
    expect(ran).toBe(false);
    await limiter!.stop();
    await sim.close();
  });

  it('rejects options it cannot use, naming them', () => {
    const client = redis.client();
    expect(() => createRedisQuotaLimiter(client, { accountSid: 'a b' })).toThrow('Expected `accountSid` to be an account Sid');
    expect(() => createRedisQuotaLimiter(client, { accountSid: 'a', maxRequestsPerMinute: 0 })).toThrow('Expected `maxRequestsPerMinute` to be an integer from 1 to 100000, got `0` (number)');
    expect(() => createRedisQuotaLimiter(client, { accountSid: 'a', prefix: '' })).toThrow('Expected `prefix`');
    expect(() => createRedisQuotaLimiter(client, { accountSid: 'a', holdMs: -1 })).toThrow('Expected `holdMs`');
    expect(() => createRedisQuotaLimiter(null as never, { accountSid: 'a' })).toThrow('Expected `redis`');
  });
});
