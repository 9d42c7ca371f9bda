import { afterEach, describe, expect, it } from 'vitest';
import { createCallFleet } from '../../src/redis/createCallFleet.js';
import type { CallFleet } from '../../src/redis/CallFleet.js';
import type { CallFleetError, CallFleetOptions, RedisCallStreamEvent } from '../../src/redis/types.js';
import { SimulatorDispatcher } from '../../src/simulator/SimulatorDispatcher.js';
import { createSimulator } from '../../src/simulator/createSimulator.js';
import type { SimulatedCall, Simulator } from '../../src/simulator/types.js';
import { redisPerFile, until } from './helpers.js';

const redis = redisPerFile();
const ACCOUNTS = Array.from({ length: 12 }, (_, i) => `acct${i}`);

let sim: Simulator;
const fleets: CallFleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.splice(0).map((f) => f.stop()));
  await sim?.close();
});

function world(): Simulator {
  sim = createSimulator({ seed: 5, settleDelayMs: 200, accounts: ACCOUNTS.map((accountSid) => ({ accountSid, apiKey: `key-${accountSid}`, apiToken: 'token' })) });
  return sim;
}

interface Log {
  events: Array<{ worker: string; event: RedisCallStreamEvent }>;
  errors: Array<{ worker: string } & CallFleetError>;
}

function worker(name: string, log: Log, options: Partial<CallFleetOptions> = {}): CallFleet {
  const fleet = createCallFleet({
    redis: redis.client(),
    worker: name,
    accounts: ACCOUNTS.map((accountSid) => ({ accountSid })),
    credentials: ({ accountSid }) => ({ apiKey: `key-${accountSid}`, apiToken: 'token' }),
    stream: { baseUrl: 'http://127.0.0.1:9', dispatcher: new SimulatorDispatcher(sim), pollIntervalMs: 1_000, lookbackMs: 600_000, settleMs: 5_000 },
    leaseMs: 1_000,
    ...options,
  });
  fleets.push(fleet);
  fleet.events$.subscribe((event) => log.events.push({ worker: name, event }));
  fleet.errors$.subscribe((error) => log.errors.push({ worker: name, ...error }));
  return fleet;
}

function endedCall(accountSid: string): SimulatedCall {
  return sim.addCall({ accountSid, startAt: Date.now() - 10_000, ringMs: 1_000, talkMs: 4_000 });
}

const held = (fleets: CallFleet[]) => fleets.flatMap((f) => f.status().map((s) => s.accountSid));
const emitted = (log: Log) => new Set(log.events.filter((e) => e.event.type !== 'callUpdated').map((e) => e.event.call.sid));

describe('createCallFleet', () => {
  it('spreads the accounts over the workers, each run by one; events carry their account; shares move as workers leave and join', async () => {
    world();
    const log: Log = { events: [], errors: [] };
    const [a, b, c] = ['a', 'b', 'c'].map((n) => worker(n, log));
    await until(() => [a!, b!, c!].every((f) => f.status().length === 4), 10_000, 'a fair share each');
    expect(new Set(held([a!, b!, c!])).size).toBe(12);
    expect(a!.workers().sort()).toEqual(['a', 'b', 'c']);

    const calls = ACCOUNTS.map(endedCall);
    await until(() => calls.every((call) => emitted(log).has(call.sid)), 10_000, 'a call of every account');
    for (const { worker: w, event } of log.events) {
      const call = calls.find((x) => x.sid === event.call.sid)!;
      expect(event.accountSid).toBe(call.accountSid);
      const runner = [a!, b!, c!].find((f) => f.worker === w)!;
      expect(runner.status().some((s) => s.accountSid === call.accountSid)).toBe(true);
    }

    // b leaves cleanly: its accounts move at once to a and c.
    await b!.stop();
    await until(() => held([a!, c!]).length === 12, 5_000, 'b\'s accounts to move');
    const more = ACCOUNTS.map(endedCall);
    // d joins: a fair share moves to it.
    const d = worker('d', log);
    await until(() => d.status().length === 4 && held([a!, c!, d]).length === 12, 10_000, 'd to take its share');
    const last = ACCOUNTS.map(endedCall);
    await until(() => [...more, ...last].every((call) => emitted(log).has(call.sid)), 10_000, 'the later calls');
    const sids = log.events.filter((e) => e.event.type !== 'callUpdated').map((e) => e.event.call.sid);
    expect(sids.length).toBe(new Set(sids).size);
    expect(sids.length).toBe(36);
    expect(log.errors).toEqual([]);
  });

  it('a 401 on one account stops that account only, reported with its Sid; the others go on', async () => {
    world();
    const log: Log = { events: [], errors: [] };
    const a = worker('a', log, { credentials: ({ accountSid }) => ({ apiKey: `key-${accountSid}`, apiToken: accountSid === 'acct3' ? 'wrong' : 'token' }) });
    await until(() => a.status().length === 12, 5_000, 'every account');
    const calls = ACCOUNTS.map(endedCall);
    await until(() => calls.filter((c) => c.accountSid !== 'acct3').every((c) => emitted(log).has(c.sid)), 10_000, 'the other accounts\' calls');
    await until(() => a.status().find((s) => s.accountSid === 'acct3')?.state === 'failed', 5_000, 'acct3 to fail');
    expect(log.errors.map((e) => [e.accountSid, e.error.code])).toEqual([['acct3', 'ERR_EXOTEL_UNAUTHORIZED']]);
    expect(a.status().filter((s) => s.state === 'running')).toHaveLength(11);
  });

  it('takes an account list from a function, and credentials from the list when it has them', async () => {
    world();
    const log: Log = { events: [], errors: [] };
    const a = worker('a', log, { accounts: async () => [{ accountSid: 'acct1', apiKey: 'key-acct1', apiToken: 'token' }], credentials: undefined });
    await until(() => a.status().length === 1, 5_000, 'the one account');
    const call = endedCall('acct1');
    await until(() => emitted(log).has(call.sid), 5_000, 'its call');
  });

  it('rejects options it cannot use, naming them', () => {
    world();
    const client = redis.client();
    const base = { redis: client, accounts: [{ accountSid: 'a' }] };
    expect(() => createCallFleet({ ...base, accounts: [{ accountSid: 'a' }, { accountSid: 'a' }] })).toThrow('Expected `accounts[1].accountSid` to be a Sid that is not listed twice');
    expect(() => createCallFleet({ ...base, accounts: [{ accountSid: 'a', apiTokn: 'x' } as never] })).toThrow('Expected `accounts[0].apiTokn` to be absent');
    expect(() => createCallFleet({ ...base, stream: { pageSize: 500 } })).toThrow('Expected `pageSize` to be an integer from 1 to 100');
    expect(() => createCallFleet({ ...base, stream: { apiToken: 'x' } as never })).toThrow('Expected `stream.apiToken` to be absent');
    expect(() => createCallFleet({ ...base, pollIntervalMs: 1000 } as never)).toThrow('Expected `pollIntervalMs` to be absent (not an option of createCallFleet; stream options go in `stream`)');
    expect(() => createCallFleet({ ...base, fleet: 'a b' })).toThrow('Expected `fleet`');
  });
});
