/**
 * The outbox of one leadership term, driven directly: saves that land while the lease cannot be
 * trusted keep their events unemitted and in the outbox, every batch of them, so that a term
 * that ends there (a crash) loses none: the next term emits them all, in order, marked.
 */
import Bottleneck from 'bottleneck';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountRunner } from '../../src/redis/AccountRunner.js';
import { LeaseKeeper } from '../../src/redis/LeaseKeeper.js';
import { RedisLink } from '../../src/redis/redisLink.js';
import type { RedisCallStreamEvent } from '../../src/redis/types.js';
import { SimulatorDispatcher } from '../../src/simulator/SimulatorDispatcher.js';
import { createSimulator } from '../../src/simulator/createSimulator.js';
import type { Simulator } from '../../src/simulator/types.js';
import { redisPerFile, until } from './helpers.js';

const redis = redisPerFile();
let sim: Simulator;
afterEach(async () => {
  await sim?.close();
});

describe('AccountRunner', () => {
  it('keeps every batch saved while the lease is untrusted in the outbox; the next term emits them all, marked', async () => {
    sim = createSimulator({ seed: 2, settleDelayMs: 100 });
    const clock = { offset: 0 };
    const link = new RedisLink(redis.client(), 2_000);
    const keeper = new LeaseKeeper({ link, prefix: 'exotel:', owner: 'a', leaseMs: 60_000, now: () => performance.now() + clock.offset });
    await keeper.acquire(['acme1']);
    const emitted: RedisCallStreamEvent[] = [];
    const runner = (limiter: Bottleneck) =>
      new AccountRunner({
        accountSid: 'acme1',
        link,
        keeper,
        stream: { accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token', baseUrl: 'http://127.0.0.1:9', dispatcher: new SimulatorDispatcher(sim), pollIntervalMs: 1_000, lookbackMs: 600_000, settleMs: 5_000 },
        limiter,
        emit: (event) => emitted.push(event),
        report: () => {},
        leaseLost: () => {},
        retake: async () => false,
        failed: (error) => {
          throw error;
        },
      });
    const call = () => sim.addCall({ startAt: Date.now() - 12_000, ringMs: 1_000, talkMs: 5_000 });
    const admin = redis.client();
    const outbox = async () => Object.keys(await admin.hgetall('exotel:acme1:outbox'));

    const first = runner(new Bottleneck());
    await first.start();
    const c1 = call();
    await until(() => emitted.some((e) => e.call.sid === c1.sid), 5_000, 'the first call');
    await until(async () => (await outbox()).length === 0, 2_000, 'its acknowledgement');

    // The lease can no longer be trusted here (as after a pause): saves still land, nothing is emitted.
    clock.offset = 120_000;
    const c2 = call();
    await until(async () => (await outbox()).length === 1, 5_000, 'a batch saved unemitted');
    const c3 = call();
    await until(async () => (await outbox()).length === 2, 5_000, 'a second batch beside it');
    expect(emitted.map((e) => e.call.sid)).toEqual([c1.sid]);
    // The term ends without emitting them (lost lease, crash).
    await first.abandon();

    clock.offset = 0;
    keeper.forget('acme1');
    await keeper.acquire(['acme1']);
    const second = runner(new Bottleneck());
    await second.start();
    await until(() => emitted.length === 3, 5_000, 'the saved events again');
    expect(emitted.slice(1).map((e) => [e.call.sid, e.redelivered])).toEqual([
      [c2.sid, true],
      [c3.sid, true],
    ]);
    await until(async () => (await outbox()).length === 0, 2_000, 'their acknowledgement');
    await second.stop();
  });
});
