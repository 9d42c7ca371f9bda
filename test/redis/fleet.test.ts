/**
 * A fleet of worker processes (`exotel-calls fleet --redis`) on a real Redis: 200 simulated
 * accounts over 3 workers; one worker is killed with SIGKILL and one added during a busy stretch.
 * Every account's calls must be emitted once, with their account, and no account may be polled by
 * two workers at once: the requests the simulator answered, each tagged with the worker that sent
 * it (every worker has API keys of its own), show one worker at a time per account.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import type { Simulator, SimulatedCall } from '../../src/simulator/index.js';
import { startRedisServer } from '../helpers/redisServer.js';
import type { RedisServer } from '../helpers/redisServer.js';
import { sleep, until } from './helpers.js';
import { startCommand } from './processes.js';
import type { TailProcess } from './processes.js';

const ACCOUNTS = Array.from({ length: 200 }, (_, i) => `acct${String(i).padStart(3, '0')}`);
const WORKERS = ['w1', 'w2', 'w3', 'w4'];
const LEASE_MS = 3_000;

let redis: RedisServer;
let sim: Simulator;
let front: Server;
let frontUrl: string;
let dir: string;
/** Every request the simulator answered: account, worker (by API key), arrival and end (ms). */
const requests: Array<{ accountSid: string; worker: string; start: number; end: number }> = [];
const workers: TailProcess[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  sim = createSimulator({
    seed: 9,
    settleDelayMs: 300,
    accounts: ACCOUNTS.flatMap((accountSid) => WORKERS.map((w) => ({ accountSid, apiKey: `${w}-${accountSid}`, apiToken: 'token' }))),
  });
  // In front of the simulator: who asked, about which account, when.
  front = createServer((req, res) => {
    const start = performance.now();
    const auth = req.headers.authorization ?? '';
    const worker = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString('utf8').split('-')[0] ?? '?';
    const accountSid = /\/Accounts\/([^/]+)\//.exec(req.url ?? '')?.[1] ?? '?';
    req.resume();
    req.on('end', () => {
      void sim.handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers as Record<string, string> }).then(
        (answer) => {
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body, () => requests.push({ accountSid, worker, start, end: performance.now() }));
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const address = front.address();
  frontUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  dir = await mkdtemp(join(tmpdir(), 'exotel-fleet-'));
  for (const w of WORKERS) {
    await writeFile(join(dir, `${w}.json`), JSON.stringify(ACCOUNTS.map((accountSid) => ({ accountSid, apiKey: `${w}-${accountSid}`, apiToken: 'token' }))), { mode: 0o600 });
  }
});

afterAll(async () => {
  for (const p of workers) if (p.run.child.exitCode === null && p.run.child.signalCode === null) p.run.child.kill('SIGKILL');
  await Promise.all(workers.map((p) => p.run.done));
  await new Promise((resolve) => front?.close(resolve));
  await sim?.close();
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function start(worker: string): TailProcess {
  const p = startCommand('fleet', worker, [
    '--redis', redis.url, '--accounts', join(dir, `${worker}.json`), '--worker', worker, '--base-url', frontUrl, '--lease', `${LEASE_MS}ms`,
    '--poll-interval', '2s', '--lookback', '30m', '--settle', '20s', '--duration', '150s',
  ]);
  workers.push(p);
  return p;
}

/** The number of accounts a worker said it runs, last. */
function runs(p: TailProcess): number {
  const last = [...p.notes].reverse().find((n) => n.line.startsWith('fleet: worker'));
  return last === undefined ? 0 : Number(/ runs (\d+) of/.exec(last.line)?.[1] ?? 0);
}
const alive = (p: TailProcess) => p.run.child.exitCode === null && p.run.child.signalCode === null;

describe('a fleet of worker processes on one Redis', () => {
  it('runs 200 accounts over 3 workers, one killed and one added: every call once, no account polled by two workers at once', async () => {
    const [w1, w2, w3] = ['w1', 'w2', 'w3'].map(start) as [TailProcess, TailProcess, TailProcess];
    await until(() => [w1, w2, w3].every((p) => runs(p) >= 66) && runs(w1) + runs(w2) + runs(w3) === 200, 40_000, 'a fair share each');

    const calls: SimulatedCall[] = [];
    let next = 0;
    const driver = setInterval(() => {
      for (let i = 0; i < 2; i++) calls.push(sim.addCall({ accountSid: ACCOUNTS[next++ % ACCOUNTS.length]!, startAt: Date.now() - 4_000, ringMs: 1_000, talkMs: 2_500 }));
    }, 100);
    let failoverMs = 0;
    let joinMs = 0;
    try {
      await sleep(4_000);
      w2.run.child.kill('SIGKILL');
      const killedAt = performance.now();
      await until(() => runs(w1) + runs(w3) === 200, 30_000, 'the killed worker\'s accounts to move');
      failoverMs = performance.now() - killedAt;
      await sleep(1_000);
      const w4 = start('w4');
      const joinedAt = performance.now();
      await until(() => runs(w4) >= 66 && runs(w1) + runs(w3) + runs(w4) === 200, 30_000, 'the new worker to take its share');
      joinMs = performance.now() - joinedAt;
      await sleep(2_000);
      clearInterval(driver);

      const emitted = () => new Set(workers.flatMap((p) => p.events.filter((e) => e.event.type !== 'callUpdated').map((e) => e.event.call.sid)));
      await until(() => calls.every((c) => emitted().has(c.sid)), 60_000, 'every call to be emitted');

      // Every call once, with its account: a repeat only as a redelivery of the same event.
      const byAccount = new Map(calls.map((c) => [c.sid, c.accountSid]));
      const first = new Map<string, string>();
      let redelivered = 0;
      for (const p of workers) {
        for (const { event } of p.events) {
          if (event.type === 'callUpdated') continue;
          expect(event.accountSid).toBe(byAccount.get(event.call.sid));
          const id = first.get(event.call.sid);
          if (id === undefined) first.set(event.call.sid, event.id);
          else {
            expect(event.redelivered, `${event.call.sid} emitted twice`).toBe(true);
            expect(event.id).toBe(id);
            redelivered++;
          }
        }
      }
      expect(first.size).toBe(calls.length);

      // One worker at a time per account: the runs of each worker's requests never interleave.
      let handovers = 0;
      for (const accountSid of ACCOUNTS) {
        const mine = requests.filter((r) => r.accountSid === accountSid).sort((a, b) => a.start - b.start);
        const runsOf: Array<{ worker: string; from: number; to: number }> = [];
        for (const r of mine) {
          const last = runsOf.at(-1);
          if (last?.worker === r.worker) last.to = Math.max(last.to, r.end);
          else runsOf.push({ worker: r.worker, from: r.start, to: r.end });
        }
        for (let i = 1; i < runsOf.length; i++) {
          expect(runsOf[i]!.from, `${accountSid}: ${runsOf[i - 1]!.worker} still polling when ${runsOf[i]!.worker} started`).toBeGreaterThanOrEqual(runsOf[i - 1]!.to);
        }
        handovers += runsOf.length - 1;
      }
      expect(sim.rateStats().rejected).toBe(0);
      console.log(
        `fleet: ${calls.length} calls of ${ACCOUNTS.length} accounts, ${requests.length} requests, ${handovers} handovers; ` +
          `the killed worker's accounts all run elsewhere ${Math.round(failoverMs)} ms after SIGKILL (lease ${LEASE_MS} ms); ` +
          `the new worker ran its share ${Math.round(joinMs)} ms after it was started; ${redelivered} redelivered; ` +
          `final shares ${workers.filter(alive).map((p) => `${p.name} ${runs(p)}`).join(', ')}`,
      );
    } catch (error) {
      for (const p of workers) console.log(`--- ${p.name} (${p.events.length} events)\n${p.run.stderr().slice(-2500)}`);
      throw error;
    } finally {
      clearInterval(driver);
    }

    // Leaving cleanly hands the accounts over; the last one out saves them all.
    for (const p of workers.filter(alive)) p.run.child.kill('SIGTERM');
    const results = await Promise.all(workers.filter((p) => p !== w2).map((p) => p.run.done));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
  }, 240_000);
});
