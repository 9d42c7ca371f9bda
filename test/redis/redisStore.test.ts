import { describe, expect, it } from 'vitest';
import { redisStore } from '../../src/redis/redisStore.js';
import { isExotelError } from '../../src/exotel/errors.js';
import type { StoreState } from '../../src/stream/types.js';
import { redisPerFile } from './helpers.js';

const redis = redisPerFile();

const state = (checkpoint = 1_736_935_200_000): StoreState => ({
  version: 1,
  checkpoint,
  emitted: { a: { dateCreated: 1_736_935_000_000, fingerprint: '[1,"completed"]' } },
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('redisStore', () => {
  it('loads nothing before the first save, then what was saved, from the hash <prefix>state', async () => {
    const client = redis.client();
    const store = redisStore(client, { prefix: 'exotel:acme1:' });
    expect(await store.load()).toBeUndefined();
    await store.save(state());
    expect(await store.load()).toEqual(state());
    expect(JSON.parse((await client.hget('exotel:acme1:state', 'data'))!)).toEqual(state());
    await store.close?.();
    // Another process (a restart) reads the same state; the client is not closed by the store.
    expect(await redisStore(redis.client(), { prefix: 'exotel:acme1:' }).load()).toEqual(state());
    expect(await client.ping()).toBe('PONG');
  });

  it('keeps the last of overlapping saves, in call order, and serializes the state when save is called', async () => {
    const store = redisStore(redis.client(), { prefix: 'p:' });
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.save(state(i))));
    expect((await store.load())?.checkpoint).toBe(19);
    const s = state(100);
    const saving = store.save(s);
    s.checkpoint = 0;
    await saving;
    expect((await store.load())?.checkpoint).toBe(100);
  });

  it('stores exactly what the stream hands over: a smaller state replaces a larger one whole', async () => {
    const client = redis.client();
    const store = redisStore(client, { prefix: 'p:' });
    const big: StoreState = { version: 1, checkpoint: 1, emitted: {} };
    for (let i = 0; i < 1000; i++) big.emitted[`sid${i}`] = { dateCreated: i, fingerprint: 'f' };
    await store.save(big);
    const before = (await client.hget('p:state', 'data'))!.length;
    await store.save(state());
    expect((await client.hget('p:state', 'data'))!.length).toBeLessThan(before / 100);
    expect(await store.load()).toEqual(state());
  });

  it('refuses to save an invalid state, naming what is wrong', async () => {
    const store = redisStore(redis.client(), { prefix: 'p:' });
    const error = await rejection(store.save({ version: 2 } as unknown as StoreState));
    expect(isExotelError(error) && error.code).toBe('ERR_STORE');
    expect(error.message).toMatch(/unknown version 2/);
    expect(error.message).toContain('p:state');
  });

  it('is an ERR_STORE error, not an empty store, on a key it cannot use', async () => {
    const client = redis.client();
    const store = redisStore(client, { prefix: 'p:' });
    await client.set('p:state', 'not a hash');
    expect((await rejection(store.load())).message).toMatch(/holds a string, not a hash/);
    expect((await rejection(store.save(state()))).message).toMatch(/holds a string, not a hash/);
    await client.del('p:state');
    await client.hset('p:state', 'data', '{"version":1,"checkp');
    const truncated = await rejection(store.load());
    expect(isExotelError(truncated) && truncated.code).toBe('ERR_STORE');
    expect(truncated.message).toMatch(/not valid JSON \(20 characters/);
    await client.hset('p:state', 'data', JSON.stringify({ version: 1, checkpoint: 'yesterday', emitted: {} }));
    expect((await rejection(store.load())).message).toMatch(/`checkpoint` is "yesterday"/);
    await client.del('p:state');
    await client.hset('p:state', 'other', 'x');
    expect((await rejection(store.load())).message).toMatch(/no `data` field/);
  });

  it('is an ERR_STORE error when the state vanished after this store saved it (Redis lost its data)', async () => {
    const store = redisStore(redis.client(), { prefix: 'p:' });
    await store.save(state());
    await redis.server.restart();
    const error = await rejection(store.load());
    expect(isExotelError(error) && error.code).toBe('ERR_STORE');
    expect(error.message).toMatch(/removed from Redis after it was saved/);
  });

  it('is an ERR_STORE error, in bounded time, while Redis is unreachable; works again when it is back', async () => {
    const store = redisStore(redis.client(), { prefix: 'p:', timeoutMs: 500 });
    await store.save(state());
    await redis.server.kill();
    const started = Date.now();
    const error = await rejection(store.save(state(2)));
    expect(isExotelError(error) && error.code).toBe('ERR_STORE');
    expect(Date.now() - started).toBeLessThan(5_000);
    await redis.server.start();
    await expect.poll(async () => store.save(state(3)).then(() => true, () => false), { timeout: 5_000, interval: 100 }).toBe(true);
  });

  it('rejects options it cannot use, naming them', () => {
    const client = redis.client();
    expect(() => redisStore(client, { prefix: '' })).toThrow('Expected `prefix` to be a non-empty string');
    expect(() => redisStore(client, {} as never)).toThrow('Expected `prefix`');
    expect(() => redisStore({} as never, { prefix: 'p:' })).toThrow('Expected `redis` to be a Redis client');
    expect(() => redisStore(client, { prefix: 'p:', timeoutMs: 0 })).toThrow('Expected `timeoutMs` to be a positive integer');
  });
});
