/**
 * The fleet benchmark's simulator, in a process of its own (its CPU is not the worker's): N
 * accounts, each with calls starting at `callsPerMinute` (Poisson), a history reaching back the
 * lookback, calls settling a fixed delay after they end. Prints `READY <url>`; answers `count`
 * on stdin with `COUNT <requests>`.
 */
import { createInterface } from 'node:readline';
import { createSimulator } from '../../src/simulator/index.js';
import type { CallStatus } from '../../src/exotel/types.js';

const [accountsArg, rateArg, lookbackArg, settleArg] = process.argv.slice(2);
const accounts = Array.from({ length: Number(accountsArg) }, (_, i) => `acct${String(i).padStart(4, '0')}`);
const perMinute = Number(rateArg);
const lookbackMs = Number(lookbackArg);
const settleMs = Number(settleArg);

const sim = createSimulator({ seed: 13, settleDelayMs: settleMs, historyLimit: 1_000, accounts: accounts.map((accountSid) => ({ accountSid, apiKey: `key-${accountSid}`, apiToken: 'token' })) });
let seed = 7;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const STATUSES: Array<[CallStatus, number]> = [['completed', 0.7], ['no-answer', 0.14], ['busy', 0.1], ['failed', 0.06]];
function add(accountSid: string, startAt: number): void {
  let pick = random();
  const status = STATUSES.find(([, share]) => (pick -= share) < 0)?.[0] ?? 'completed';
  const talkMs = status === 'completed' ? Math.min(300_000, Math.round(-Math.log(1 - random()) * 90_000)) : 0;
  sim.addCall({ accountSid, startAt, ringMs: 5_000, talkMs, status });
}
// History: the calls of the last lookback, so that the worker tracks a full horizon from the start.
const now = Date.now();
for (const accountSid of accounts) {
  for (let t = now - lookbackMs; t < now; t += (-Math.log(1 - random()) * 60_000) / perMinute) add(accountSid, Math.floor(t));
}
// Live: every 100 ms, each account starts a call with the probability that gives the rate.
setInterval(() => {
  const p = (perMinute * 100) / 60_000;
  const at = Date.now();
  for (const accountSid of accounts) if (random() < p) add(accountSid, at);
}, 100);

const { url } = await sim.listen();
let requests = 0;
const countEvery = setInterval(() => {
  requests += sim.history.length;
  sim.history.length = 0;
}, 500);
countEvery.unref();
process.stdout.write(`READY ${url}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'count') {
    requests += sim.history.length;
    sim.history.length = 0;
    process.stdout.write(`COUNT ${requests} ${sim.rateStats().rejected}\n`);
  }
  if (line === 'exit') void sim.close().then(() => process.exit(0));
});
