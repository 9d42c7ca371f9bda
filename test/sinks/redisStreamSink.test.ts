// The Redis Stream sink and outbox against a real redis-server: XADD capped, one entry per event
// with its idempotency key, a consumer group created from the start, order kept through an
// outage of Redis, a refusal dead-lettered; the outbox hands a successor what was left.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { redisStreamSink } from '../../src/sinks/redisStreamSink.js';
import { redisStreamOutbox } from '../../src/sinks/RedisStreamOutbox.js';
import type { DeliveryContext } from '../../src/sinks/types.js';
import { startRedisServer, type RedisServer } from '../helpers/redisServer.js';
import { ended, makeCall } from '../wallboard/fixtures.js';

let server: RedisServer;
let redis: Redis;
let dir: string;
beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  redis.on('error', () => undefined); // the outage below is on purpose
  dir = mkdtempSync(join(tmpdir(), 'redis-sink-'));
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const entries = async (key: string) =>
  ((await redis.call('XRANGE', key, '-', '+')) as Array<[string, string[]]>).map(([, f]) => Object.fromEntries(f.flatMap((v, i, a) => (i % 2 === 0 ? [[v, a[i + 1]!]] : []))));

describe('redisStreamSink', () => {
  it('adds one capped entry per event, in order, with the key, and creates the consumer group from the start', async () => {
    const sink = redisStreamSink({ redis, key: 'calls:a', group: 'crm', maxLen: 5, outboxPath: join(dir, 'a.jsonl'), retry: { minDelayMs: 20, jitter: 0 } });
    for (let i = 0; i < 8; i++) await sink.enqueue(ended(makeCall({ sid: `R${i}`, end: Date.now(), status: i % 3 === 0 ? 'busy' : 'completed' })));
    expect(await sink.enqueue(ended(makeCall({ sid: 'R1', end: Date.now() })))).toBe(false);
    await sink.drain();
    await sink.stop();
    const got = await entries('calls:a');
    // MAXLEN ~ trims by whole nodes: never below the cap, and the newest entries are all there.
    expect(got.length).toBeGreaterThanOrEqual(5);
    expect(got.at(-1)).toMatchObject({ id: 'R7:callCompleted', type: 'callCompleted', sid: 'R7' });
    expect(JSON.parse(got.at(-1)!.body!)).toMatchObject({ id: 'R7:callCompleted', call: { sid: 'R7' } });
    const ids = got.map((e) => e.id!);
    expect(ids).toEqual([...ids].sort((x, y) => Number(x.slice(1, 2)) - Number(y.slice(1, 2))));
    const groups = (await redis.call('XINFO', 'GROUPS', 'calls:a')) as unknown[][];
    expect(groups.map((g) => g[1])).toEqual(['crm']);
  });

  it('keeps events in its outbox while Redis is down and adds them, in order, when it is back', async () => {
    const sink = redisStreamSink({ redis, key: 'calls:b', outboxPath: join(dir, 'b.jsonl'), retry: { minDelayMs: 50, maxDelayMs: 200, jitter: 0 } });
    const retries: DeliveryContext[] = [];
    sink.on('retry', (c) => retries.push(c));
    await sink.enqueue(ended(makeCall({ sid: 'B0', end: Date.now() })));
    await sink.drain();
    await server.kill();
    for (let i = 1; i <= 3; i++) await sink.enqueue(ended(makeCall({ sid: `B${i}`, end: Date.now() })));
    await vi.waitUntil(() => retries.length >= 2, { timeout: 5000 });
    expect(sink.pending).toBe(3);
    await server.start();
    await vi.waitUntil(() => sink.pending === 0, { timeout: 10_000, interval: 50 });
    await sink.stop();
    // A restarted Redis without persistence lost B0; what the outbox held arrived, in order.
    expect((await entries('calls:b')).map((e) => e.sid)).toEqual(['B1', 'B2', 'B3']);
  });

  it('dead-letters an event Redis refuses for good, with the reason, and goes on', async () => {
    await redis.set('calls:c', 'not a stream');
    const dead: DeliveryContext[] = [];
    const sink = redisStreamSink({ redis, key: 'calls:c', outboxPath: join(dir, 'c.jsonl') });
    sink.on('deadLetter', (c) => dead.push(c));
    await sink.enqueue(ended(makeCall({ sid: 'C1', end: Date.now() })));
    await sink.drain();
    await sink.stop();
    expect(dead).toEqual([expect.objectContaining({ sink: 'redis-stream', key: 'C1:callCompleted', attempt: 1, reason: expect.stringMatching(/^redis: WRONGTYPE/) })]);
    const letter = JSON.parse(readFileSync(join(dir, 'c.jsonl.dead.ndjson'), 'utf8').trim()) as Record<string, unknown>;
    expect(letter).toMatchObject({ sink: 'redis-stream', key: 'C1:callCompleted', attempts: 1, reason: expect.stringMatching(/WRONGTYPE/) });
  });
});

describe('RedisStreamOutbox', () => {
  it('drops repeats by key, and a successor delivers what its predecessor left', async () => {
    const first = redisStreamOutbox({ redis, key: 'ob:1' });
    expect(await first.add({ key: 'k1', type: 'callCompleted', body: '{"id":"k1"}' })).toBe(true);
    expect(await first.add({ key: 'k2', type: 'callFailed', body: '{"id":"k2"}' })).toBe(true);
    expect(await first.add({ key: 'k1', type: 'callCompleted', body: '{"id":"k1"}' })).toBe(false);
    expect((await first.peek())?.key).toBe('k1');
    await first.markDone('k1');
    // Another process (a new object on the same key) takes over.
    const second = redisStreamOutbox({ redis, key: 'ob:1' });
    expect(await second.refresh()).toBe(1);
    const head = await second.peek();
    expect(head).toMatchObject({ key: 'k2', type: 'callFailed', body: '{"id":"k2"}' });
    await second.markDead('k2', 'HTTP 410');
    expect(await second.peek()).toBeUndefined();
    expect(await second.add({ key: 'k2', type: 'callFailed', body: '{}' })).toBe(false);
    expect(await entries('ob:1:dead')).toEqual([expect.objectContaining({ key: 'k2', reason: 'HTTP 410', body: '{"id":"k2"}' })]);
  });
});
