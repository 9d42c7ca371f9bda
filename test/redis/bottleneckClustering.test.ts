/**
 * Why the shared quota is a Lua window of its own and not Bottleneck's clustering mode: the
 * failures found with Bottleneck 2.19.5 on Redis 7.0 and ioredis 6, each beside the same fault
 * under `createRedisQuotaLimiter`. If a Bottleneck release fixes one, its test here fails, and
 * the choice is worth making again.
 */
import Bottleneck from 'bottleneck';
import { describe, expect, it } from 'vitest';
import { createRedisQuotaLimiter } from '../../src/redis/createRedisQuotaLimiter.js';
import { redisPerFile, sleep } from './helpers.js';

const redis = redisPerFile();

function clustered(options: Bottleneck.ConstructorOptions = {}): Bottleneck {
  // ioredis's own defaults: commands wait through a short outage instead of failing.
  const connection = new Bottleneck.IORedisConnection({ client: redis.client({}) });
  connection.on('error', () => {});
  const limiter = new Bottleneck({ id: 'quota', datastore: 'ioredis', connection, clearDatastore: false, maxConcurrent: 10, ...options });
  limiter.on('error', () => {});
  return limiter;
}

const outcome = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.then(() => 'ran', (error: Error) => `failed: ${error.message}`), sleep(ms).then(() => 'still waiting')]);

describe('Bottleneck clustering on Redis 7, against the shared quota', () => {
  it('after a Redis restart every Bottleneck job fails with ERR SETTINGS_KEY_NOT_FOUND; the shared quota goes on', async () => {
    const bottleneck = clustered({ reservoir: 10 });
    await bottleneck.ready();
    const ours = createRedisQuotaLimiter(redis.client(), { accountSid: 'acme1', maxRequestsPerMinute: 10, windowMs: 1_000, marginMs: 0 });
    expect(await outcome(bottleneck.schedule(async () => 1), 2_000)).toBe('ran');
    expect(await outcome(ours.schedule(async () => 1), 2_000)).toBe('ran');
    await redis.server.restart();
    await sleep(300);
    // Bottleneck re-creates its settings only for the bare message; Redis 7 prefixes it with "ERR ".
    for (let i = 0; i < 2; i++) expect(await outcome(bottleneck.schedule(async () => 1), 2_000)).toBe('failed: ERR SETTINGS_KEY_NOT_FOUND');
    // The lost window is taken as full for a window (1 s here), then slots come back.
    expect(await outcome(ours.schedule(async () => 1), 3_000)).toBe('ran');
    await bottleneck.disconnect(false);
    await ours.stop();
  });

  it('a Bottleneck job queued across a Redis outage never runs (ERR UNKNOWN_CLIENT, or no answer); a shared-quota job does', async () => {
    const bottleneck = clustered({ reservoir: 1 });
    await bottleneck.ready();
    const ours = createRedisQuotaLimiter(redis.client(), { accountSid: 'acme1', maxRequestsPerMinute: 1, windowMs: 1_000, marginMs: 0 });
    await bottleneck.schedule(async () => 1);
    await ours.schedule(async () => 1);
    // Both are spent: the next job of each waits for capacity.
    const waitingB = bottleneck.schedule(async () => 1);
    const waitingOurs = ours.schedule(async () => 1);
    await redis.server.kill();
    await sleep(500);
    await redis.server.start();
    // Another process brings Bottleneck's settings back and refills the reservoir.
    const other = clustered({ reservoir: 5 });
    await other.ready();
    await other.incrementReservoir(5);
    // It fails with ERR UNKNOWN_CLIENT (or, on a loaded machine, ERR SETTINGS_KEY_NOT_FOUND, when
    // it asks before the other process brought the settings back) or waits for ever: it never runs.
    expect(await outcome(waitingB, 3_000)).toMatch(/^(still waiting|failed: ERR UNKNOWN_CLIENT|failed: ERR SETTINGS_KEY_NOT_FOUND)$/);
    expect(await outcome(waitingOurs, 3_000)).toBe('ran');
    await Promise.all([bottleneck.disconnect(false), other.disconnect(false), ours.stop()]);
  });

  it('a Bottleneck reservoir refreshed every window lets twice the limit into one window; the sliding window does not', async () => {
    const bottleneck = clustered({ reservoir: 4, reservoirRefreshAmount: 4, reservoirRefreshInterval: 1_000, heartbeatInterval: 100 } as Bottleneck.ConstructorOptions);
    await bottleneck.ready();
    const ours = createRedisQuotaLimiter(redis.client(), { accountSid: 'acme1', maxRequestsPerMinute: 4, windowMs: 1_000, marginMs: 0 });
    const spread = async (limiter: Bottleneck) => {
      const starts: number[] = [];
      await Promise.all(Array.from({ length: 8 }, () => limiter.schedule(async () => void starts.push(Date.now()))));
      return starts.sort((a, b) => a - b);
    };
    // Just before Bottleneck's refresh: four now, four more at the refresh, a few hundred ms later.
    await sleep(700);
    const [theirs, mine] = await Promise.all([spread(bottleneck), spread(ours)]);
    expect(theirs[7]! - theirs[0]!).toBeLessThan(800);
    // Ours: the fifth starts no earlier than a window after the first finished.
    expect(mine[4]! - mine[0]!).toBeGreaterThanOrEqual(1_000);
    await Promise.all([bottleneck.disconnect(false), ours.stop()]);
  });
});
