import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { startRedisServer, type RedisServer } from '../helpers/redisServer.js';
import { runCli, simEnv, startCli } from './helpers.js';

const PASSWORD = 'pa55-Secret-9';
let redis: RedisServer;
let sim: Simulator;
let simUrl: string;
let dir: string;

beforeAll(async () => {
  redis = await startRedisServer();
  const admin = new Redis(redis.url);
  await admin.config('SET', 'requirepass', PASSWORD);
  admin.disconnect();
  sim = createSimulator({ seed: 3, settleDelayMs: 200 });
  ({ url: simUrl } = await sim.listen());
  dir = await mkdtemp(join(tmpdir(), 'exotel-cli-redis-'));
});
afterAll(async () => {
  await sim?.close();
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const withPassword = (password: string) => redis.url.replace('redis://', `redis://:${encodeURIComponent(password)}@`);

describe('--redis', () => {
  it('joins through Redis with a password in the URL (or EXOTEL_REDIS_URL), and never prints the password', async () => {
    const call = sim.addCall({ startAt: Date.now() - 20_000, talkMs: 5_000 });
    const run = startCli(['tail', '--base-url', simUrl, '--poll-interval', '1s', '--since', '5m', '--lease', '1s'], { env: simEnv({ EXOTEL_REDIS_URL: withPassword(PASSWORD) }) });
    await run.waitFor(({ stdout }) => stdout.includes(call.sid), 20_000);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(0);
    const [line] = result.stdout.trim().split('\n');
    expect(JSON.parse(line!)).toMatchObject({ type: 'callCompleted', accountSid: 'acme1', id: `acme1/${call.sid}/callCompleted`, redelivered: false });
    expect(result.stderr).toMatch(/^tail: leading account acme1 \(lease token 1, redis:\/\/127\.0\.0\.1:\d+\)$/m);
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    // The state is in Redis, under the default prefix.
    const admin = new Redis(withPassword(PASSWORD));
    expect(await admin.hexists('exotel:acme1:state', 'data')).toBe(1);
    admin.disconnect();
  });

  it('fails with exit 4 and a message without the password when Redis refuses it or cannot be reached', async () => {
    const [refused, unreachable] = await Promise.all([
      runCli(['tail', '--base-url', simUrl, '--redis', withPassword('wrong-Secret-7')], { env: simEnv() }),
      runCli(['tail', '--base-url', simUrl, '--redis', `redis://:${PASSWORD}@127.0.0.1:1/0`], { env: simEnv() }),
    ]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/Cannot use Redis at redis:\/\/127\.0\.0\.1:\d+: WRONGPASS/);
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toMatch(/Cannot use Redis at redis:\/\/127\.0\.0\.1:1\/0: .*ECONNREFUSED/);
    for (const r of [refused, unreachable]) expect(r.stdout + r.stderr).not.toMatch(/wrong-Secret-7|pa55-Secret-9/);
  });

  it('says what is wrong with the flags, without echoing credentials', async () => {
    const results = await Promise.all([
      runCli(['tail', '--base-url', simUrl, '--redis', redis.url, '--store', join(dir, 's.json')], { env: simEnv() }),
      runCli(['tail', '--base-url', simUrl, '--lease', '5s'], { env: simEnv() }),
      runCli(['tail', '--base-url', simUrl, '--redis', 'http://:hunter2@127.0.0.1:6379'], { env: simEnv() }),
      runCli(['tail', '--base-url', simUrl, '--redis', withPassword(PASSWORD), '--lease', '100ms'], { env: simEnv() }),
      runCli(['fleet', '--accounts', join(dir, 'none.json')], { env: simEnv() }),
      runCli(['fleet', '--redis', redis.url], { env: simEnv() }),
      runCli(['fleet', '--redis', redis.url, '--accounts', join(dir, 'none.json'), '--to', '+919876543210'], { env: simEnv() }),
    ]);
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2, 2]);
    expect(results[0]!.stderr).toMatch(/Pass either `--store FILE` or `--redis URL`/);
    expect(results[1]!.stderr).toMatch(/`--lease` needs `--redis URL`/);
    expect(results[2]!.stderr).toMatch(/Expected `--redis` to be a `redis:\/\/` or `rediss:\/\/` URL, got `"http:\/\/127\.0\.0\.1:6379\/"`/);
    expect(results[3]!.stderr).toMatch(/Expected `leaseMs` to be an integer of milliseconds from 500 .*\(set with `--lease`\)/);
    expect(results[4]!.stderr).toMatch(/`fleet` needs `--redis URL`/);
    expect(results[5]!.stderr).toMatch(/`fleet` needs `--accounts FILE`/);
    // The stream flags as tail takes them, the old names of --to-number/--from-number with a warning.
    expect(results[6]!.stderr).toMatch(/fleet: warning: `--to` is deprecated: use `--to-number`/);
    expect(results[6]!.stderr).toMatch(/Cannot read `--accounts`/);
    for (const r of results) expect(r.stdout + r.stderr).not.toMatch(/hunter2|pa55-Secret-9/);
  });

  it('backfill --redis takes its requests from the account\'s shared window', async () => {
    sim.addCall({ startAt: Date.now() - 60_000, talkMs: 5_000 });
    const admin = new Redis(withPassword(PASSWORD));
    await admin.del('backfill-test:acme1:quota');
    const before = sim.history.length;
    const result = await runCli(['backfill', '--from', '10m', '--base-url', simUrl, '--redis-prefix', 'backfill-test:', '--quiet'], {
      env: simEnv({ EXOTEL_REDIS_URL: withPassword(PASSWORD) }),
    });
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(1);
    const requests = sim.history.length - before;
    expect(requests).toBeGreaterThan(0);
    expect(await admin.zcard('backfill-test:acme1:quota')).toBe(requests);
    admin.disconnect();
  });

  it('fleet runs the accounts of a file and prints their events with the account', async () => {
    const call = sim.addCall({ startAt: Date.now() - 20_000, talkMs: 5_000 });
    const file = join(dir, 'accounts.json');
    await writeFile(file, JSON.stringify({ accounts: [{ accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token' }] }), { mode: 0o600 });
    const run = startCli(['fleet', '--accounts', file, '--base-url', simUrl, '--poll-interval', '1s', '--lease', '1s', '--redis-prefix', 'fleet-test:'], {
      env: simEnv({ EXOTEL_REDIS_URL: withPassword(PASSWORD) }),
    });
    await run.waitFor(({ stdout }) => stdout.includes(call.sid), 20_000);
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(0);
    const events = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { accountSid: string; call: { sid: string } });
    expect(events.find((e) => e.call.sid === call.sid)?.accountSid).toBe('acme1');
    expect(result.stderr).toMatch(/^fleet: worker \S+ runs 1 of 1 accounts \(\+1 -0\); 1 workers$/m);
    expect(result.stderr).toMatch(/fleet: SIGTERM, handing the accounts over/);
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  });
});
