/**
 * The fleet benchmark's worker: one `createCallFleet` worker holding every account of the
 * simulator (the only worker), measured over a window after a warm-up: its CPU, memory, event
 * latency (from the moment a call's record settled at the simulator to its event here) and Redis
 * round trips. Prints `RESULT <json>`.
 */
import { Redis } from 'ioredis';
import { createCallFleet } from '../../src/redis/createCallFleet.js';

const [accountsArg, url, redisUrl, lookbackArg, pollArg, settleArg, warmupArg, measureArg] = process.argv.slice(2);
const n = Number(accountsArg);
const settleMs = Number(settleArg);
const accounts = Array.from({ length: n }, (_, i) => `acct${String(i).padStart(4, '0')}`);
const redis = new Redis(redisUrl!);
redis.on('error', () => {});
const fleet = createCallFleet({
  redis,
  worker: 'bench',
  accounts: accounts.map((accountSid) => ({ accountSid, apiKey: `key-${accountSid}`, apiToken: 'token' })),
  stream: { baseUrl: url!, lookbackMs: Number(lookbackArg), pollIntervalMs: Number(pollArg) },
});
let measuring = false;
let measuredFrom = Number.POSITIVE_INFINITY;
const latencies: number[] = [];
let events = 0;
const errors: Record<string, number> = {};
fleet.events$.subscribe((event) => {
  if (!measuring || event.type === 'callUpdated' || event.redelivered) return;
  events++;
  const end = event.call.endTime ?? event.call.dateUpdated;
  // The record settled `settleMs` after the call ended (the simulator's fixed delay); EndTime has
  // whole seconds. Only calls that ended in the measured window: not the history read at start.
  if (end !== null && event.call.duration !== null && end.getTime() >= measuredFrom - settleMs) latencies.push(Date.now() - (end.getTime() + settleMs));
});
fleet.errors$.subscribe(({ error }) => {
  if (measuring) errors[error.code] = (errors[error.code] ?? 0) + 1;
});

const ask = (): Promise<{ requests: number; rejected: number }> =>
  new Promise((resolve) => {
    process.once('message', (m: { requests: number; rejected: number }) => resolve(m));
    process.send!({ ask: 'count' });
  });

const warmupMs = Number(warmupArg);
const measureMs = Number(measureArg);
await new Promise((resolve) => setTimeout(resolve, warmupMs));
const before = { cpu: process.cpuUsage(), at: performance.now(), redis: fleet.redisStats(), http: await ask() };
measuring = true;
measuredFrom = Date.now();
// Event-loop delay: how late a 100 ms timer fires.
let lagMax = 0;
let lagSum = 0;
let lagN = 0;
let expected = performance.now() + 100;
const lag = setInterval(() => {
  const late = performance.now() - expected;
  lagMax = Math.max(lagMax, late);
  lagSum += late;
  lagN++;
  expected = performance.now() + 100;
}, 100);
await new Promise((resolve) => setTimeout(resolve, measureMs));
measuring = false;
clearInterval(lag);
const after = { cpu: process.cpuUsage(before.cpu), at: performance.now(), redis: fleet.redisStats(), http: await ask() };
(globalThis as { gc?: () => void }).gc?.();
const memory = process.memoryUsage();
const seconds = (after.at - before.at) / 1000;
latencies.sort((a, b) => a - b);
const q = (p: number) => (latencies.length === 0 ? null : Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!));
const requests = after.http.requests - before.http.requests;
const roundTrips = after.redis.roundTrips - before.redis.roundTrips;
const result = {
  accounts: n,
  held: fleet.status().filter((s) => s.state === 'running').length,
  seconds: Math.round(seconds),
  cpuPercent: Math.round(((after.cpu.user + after.cpu.system) / 1000 / (seconds * 1000)) * 1000) / 10,
  rssMb: Math.round(memory.rss / 1_048_576),
  heapMb: Math.round(memory.heapUsed / 1_048_576),
  heapTotalMb: Math.round(memory.heapTotal / 1_048_576),
  externalMb: Math.round(memory.external / 1_048_576),
  events,
  eventsPerSecond: Math.round((events / seconds) * 10) / 10,
  latencyMs: { p50: q(0.5), p95: q(0.95), max: q(1) },
  loopDelayMs: { mean: Math.round(lagSum / Math.max(1, lagN)), max: Math.round(lagMax) },
  requestsPerSecond: Math.round((requests / seconds) * 10) / 10,
  rejected: after.http.rejected,
  redisRoundTripsPerSecond: Math.round((roundTrips / seconds) * 10) / 10,
  redisRoundTripsPerRequest: requests === 0 ? null : Math.round((roundTrips / requests) * 100) / 100,
  errors,
};
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
await fleet.stop();
redis.disconnect();
process.exit(0);
