import { describe, expect, it } from 'vitest';
import { LeaseKeeper } from '../../src/redis/LeaseKeeper.js';
import { RedisLink } from '../../src/redis/redisLink.js';
import { redisStore } from '../../src/redis/redisStore.js';
import { redisPerFile, sleep } from './helpers.js';

const redis = redisPerFile();

/** A keeper on its own connection (a process), with a clock the test can move. */
function keeper(owner: string, leaseMs = 1_000) {
  const clock = { offset: 0 };
  const k = new LeaseKeeper({ link: new RedisLink(redis.client(), 1_000), prefix: 'exotel:', owner, leaseMs, now: () => performance.now() + clock.offset });
  return Object.assign(k, { clock });
}

describe('LeaseKeeper', () => {
  it('one owner takes a free lease; the others see it held and wait; tokens grow with every lease handed out', async () => {
    const a = keeper('a');
    const b = keeper('b');
    const [lease] = await a.acquire(['acme1']);
    expect(lease).toMatchObject({ accountSid: 'acme1', value: 'a:1', token: 1 });
    expect(a.valid('acme1')).toBe(true);
    expect(await b.acquire(['acme1'])).toEqual([]);
    expect(await redis.client().pttl('exotel:acme1:lease')).toBeGreaterThan(900);
    await a.release(['acme1']);
    // Released cleanly: the standby takes it at once, with a larger token.
    const [next] = await b.acquire(['acme1']);
    expect(next).toMatchObject({ value: 'b:2', token: 2 });
    expect(a.valid('acme1')).toBe(false);
  });

  it('renewal extends the lease in Redis and locally; a lease that ran out is not trusted, on the monotonic clock', async () => {
    const a = keeper('a', 600);
    await a.acquire(['acme1']);
    await sleep(400);
    expect(await a.renew()).toEqual([{ accountSid: 'acme1', kind: 'renewed' }]);
    await sleep(400);
    expect(a.valid('acme1')).toBe(true);
    expect(await redis.client().get('exotel:acme1:lease')).toBe('a:1');
    // As if the process had been stopped for a second: the lease is past its time locally at once.
    a.clock.offset = 1_000;
    expect(a.valid('acme1')).toBe(false);
  });

  it('a standby takes a lease that ran out, and the old holder finds it lost with the new holder named', async () => {
    const a = keeper('a', 300);
    const b = keeper('b', 300);
    await a.acquire(['acme1']);
    expect(await b.acquire(['acme1'])).toEqual([]);
    await sleep(350);
    const [taken] = await b.acquire(['acme1']);
    expect(taken?.token).toBe(2);
    expect(await a.renew()).toEqual([{ accountSid: 'acme1', kind: 'lost', holder: 'b:2' }]);
    expect(a.held('acme1')).toBeUndefined();
  });

  it('takes its own lease back after an outage; retakes a vanished one only when nobody saved since', async () => {
    const a = keeper('a', 2_000);
    const [lease] = await a.acquire(['acme1']);
    // Cut off: stops trusting it, then comes back while the key still holds its value.
    a.forget('acme1');
    const [again] = await a.acquire(['acme1']);
    expect(again).toMatchObject({ value: 'a:2', token: 2 });
    expect(lease!.token).toBe(1);
    // The key vanished (expired while paused), and nobody saved the state since: taken again.
    await redis.client().del('exotel:acme1:lease');
    expect(await a.renew()).toEqual([{ accountSid: 'acme1', kind: 'retaken', previous: 'a:2' }]);
    expect(a.held('acme1')!.token).toBe(3);
    // Someone else led and saved meanwhile: not taken again.
    await redis.client().del('exotel:acme1:lease');
    await redis.client().hset('exotel:acme1:state', 'data', '{}', 'writer', 'b:4');
    expect(await a.renew()).toEqual([{ accountSid: 'acme1', kind: 'lost', holder: null }]);
  });

  it('after Redis lost everything, a standby leaves the lease to its holder for a lease time; tokens keep growing', async () => {
    const a = keeper('a', 1_000);
    const b = keeper('b', 1_000);
    await a.acquire(['acme1']);
    await a.release(['acme1']);
    await a.acquire(['acme1']);
    expect(a.held('acme1')!.token).toBe(2);
    expect(await b.acquire(['acme1'])).toEqual([]);
    await redis.server.restart();
    // The key is gone and the epoch went back: too early for b, which saw a hold it for ~1 s.
    expect(await b.acquire(['acme1'])).toEqual([]);
    // The holder notices at its next renewal and takes it again, above every token it saw.
    expect((await a.renew())[0]).toMatchObject({ kind: 'retaken' });
    expect(a.held('acme1')!.token).toBe(3);
    // b keeps polling and sees the new holder. Had it died then, and Redis lost everything again,
    // b takes the lease once a lease time has passed beyond what it saw, above the tokens it saw.
    expect(await b.acquire(['acme1'])).toEqual([]);
    await redis.server.restart();
    b.clock.offset = 2_100;
    const [taken] = await b.acquire(['acme1']);
    expect(taken?.token).toBe(4);
  });

  it('handles a batch of accounts in one round trip per operation', async () => {
    const link = new RedisLink(redis.client(), 1_000);
    const a = new LeaseKeeper({ link, prefix: 'exotel:', owner: 'a', leaseMs: 1_000 });
    const accounts = Array.from({ length: 200 }, (_, i) => `acct${i}`);
    const before = link.stats.roundTrips;
    expect(await a.acquire(accounts)).toHaveLength(200);
    expect((await a.renew()).filter((o) => o.kind === 'renewed')).toHaveLength(200);
    await a.release(accounts.slice(0, 100));
    // One each; the first run of each script also sends it in full once (NOSCRIPT, then EVAL).
    expect(link.stats.roundTrips - link.stats.scriptReloads - before).toBe(3);
    expect(a.heldAccounts()).toHaveLength(100);
  });

  it('shares its keys with redisStore: `<prefix><account>:state`', async () => {
    const a = keeper('a');
    expect(a.keys('acme1').state).toBe('exotel:acme1:state');
    await redisStore(redis.client(), { prefix: 'exotel:acme1:' }).save({ version: 1, checkpoint: 1, emitted: {} });
    expect(await redis.client().hget(a.keys('acme1').state, 'writer')).toBe('');
  });
});
