/**
 * `npm run bench:fleet`: how many accounts one fleet worker holds at 20 calls a minute each: its
 * CPU (share of one core), memory, event latency (from the moment a call's record settled to its
 * event) and event-loop delay, and the Redis round trips per API request. A real redis-server,
 * the simulator in a process of its own, the worker in another (`--expose-gc`); one size at a time.
 *
 *   npm run bench:fleet                                   # 50, 100, 200 and 400 accounts, 3 min warm-up, 2 min each
 *   npm run bench:fleet -- --accounts 100,1000 --minutes 5 --lookback 2h
 *
 * Prints a table and writes it to .tmp/bench/fleet.md (and the figures to .tmp/bench/fleet.json).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '../../test/helpers/redisServer.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const MINUTE = 60_000;

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '50,100,200,400' },
    rate: { type: 'string', default: '20' },
    minutes: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '3' },
    lookback: { type: 'string', default: '30m' },
    poll: { type: 'string', default: '15s' },
    settle: { type: 'string', default: '30s' },
  },
});
const duration = (text: string) => {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (!m) throw new Error(`Expected a duration such as 30m, got ${JSON.stringify(text)}`);
  return Number(m[1]) * { ms: 1, s: 1_000, m: MINUTE, h: 60 * MINUTE }[m[2] as 'ms']!;
};
const sizes = values.accounts!.split(',').map(Number);
const rate = Number(values.rate);
const lookbackMs = duration(values.lookback!);
const pollMs = duration(values.poll!);
const settleMs = duration(values.settle!);
const measureMs = Number(values.minutes) * MINUTE;
const warmupMs = Number(values.warmup) * MINUTE;

type Result = Record<string, unknown> & { accounts: number };


async function measure(n: number, redisUrl: string): Promise<Result> {
  const sim = spawn(process.execPath, ['--import', 'tsx', `${HERE}simulator.ts`, String(n), String(rate), String(lookbackMs), String(settleMs)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(sim);
  let simOut = '';
  const url = await new Promise<string>((resolve, reject) => {
    sim.stdout.on('data', (chunk: Buffer) => {
      simOut += chunk.toString();
      const m = /READY (\S+)/.exec(simOut);
      if (m) resolve(m[1]!);
    });
    sim.on('exit', (code) => reject(new Error(`the simulator exited with ${code}`)));
  });
  const counts: Array<(v: { requests: number; rejected: number }) => void> = [];
  sim.stdout.on('data', (chunk: Buffer) => {
    for (const m of chunk.toString().matchAll(/COUNT (\d+) (\d+)/g)) counts.shift()?.({ requests: Number(m[1]), rejected: Number(m[2]) });
  });
  const worker = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', `${HERE}worker.ts`, String(n), url, redisUrl, String(lookbackMs), String(pollMs), String(settleMs), String(warmupMs), String(measureMs)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
  );
  children.add(worker);
  worker.on('message', () => {
    counts.push((v) => worker.send(v));
    sim.stdin.write('count\n');
  });
  let out = '';
  worker.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => worker.on('exit', resolve));
  sim.stdin.write('exit\n');
  await new Promise((resolve) => sim.on('exit', resolve));
  children.delete(sim);
  children.delete(worker);
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (line === undefined) throw new Error(`the worker for ${n} accounts printed no result:\n${out}`);
  return JSON.parse(line.slice(7)) as Result;
}

const redis = await startRedisServer();
const children = new Set<ReturnType<typeof spawn>>();
// Ctrl-C: the children and the server go too.
process.once('SIGINT', () => {
  for (const child of children) child.kill('SIGKILL');
  void redis.stop().finally(() => process.exit(130));
});
const results: Result[] = [];
try {
  for (const n of sizes) {
    console.error(`fleet bench: ${n} accounts at ${rate} calls/min, ${values.warmup} min warm-up, ${values.minutes} min measured...`);
    const r = await measure(n, redis.url);
    console.error(`  ${JSON.stringify(r)}`);
    results.push(r);
  }
} finally {
  await redis.stop();
}

const rows = results.map((r) => {
  const l = r.latencyMs as { p50: number; p95: number };
  const d = r.loopDelayMs as { mean: number; max: number };
  return `| ${r.accounts} | ${r.held} | ${r.cpuPercent} % | ${r.heapMb} MB / ${r.rssMb} MB | ${r.eventsPerSecond} | ${(l.p50 / 1000).toFixed(1)} s / ${(l.p95 / 1000).toFixed(1)} s | ${d.mean} / ${d.max} ms | ${r.requestsPerSecond} | ${r.redisRoundTripsPerSecond} | ${r.redisRoundTripsPerRequest} |`;
});
const table = [
  `One fleet worker, every account at ${rate} calls a minute, lookback ${values.lookback}, poll ${values.poll}, records settling ${values.settle} after the call ends; ${values.minutes} min measured after ${values.warmup} min (the first read of the lookback's history is over by then). Latency: calls that ended in the measured minutes.`,
  '',
  '| accounts | running | CPU (one core) | heap after GC / RSS | events/s | latency p50 / p95 | loop delay mean / max | API req/s | Redis RT/s | Redis RT per request |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
].join('\n');
console.log(table);
mkdirSync(`${ROOT}.tmp/bench`, { recursive: true });
writeFileSync(`${ROOT}.tmp/bench/fleet.md`, `${table}\n`);
writeFileSync(`${ROOT}.tmp/bench/fleet.json`, JSON.stringify(results, null, 2));
