/**
 * `npm run bench`: ours vs a naive poller on the simulator under a fake clock at several call
 * rates, the pipeline's CPU cost against bare JSON.parse, and the stream's memory over simulated
 * hours; writes BENCHMARKS.md. Each measurement runs in its own child process (two at a time),
 * memory with `--expose-gc`, CPU pinned to core 0 with `taskset` when present.
 *
 *   npm run bench                                  # everything, writes BENCHMARKS.md
 *   npm run bench -- --quick                       # a short smoke run (prints, writes .tmp/bench/quick.md)
 *   npm run bench -- --only rates --rates 2000,5000 --pollers ours --hours 2.5
 *   npm run bench -- --only cpu | --only memory --memory-hours 1,6,24
 *   npm run bench -- --only report                # BENCHMARKS.md again from the kept results
 *
 * Results are kept in .tmp/bench/results.json: a partial run (`--only`, `--rates`) replaces only
 * what it measured, and BENCHMARKS.md is written from the merged results.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runCpu } from './cpu.js';
import { runMemory, runSaveCost } from './memory.js';
import { tables, sustainable } from './report.js';
import type { BenchResults } from './report.js';
import { runScenario } from './runScenario.js';
import type { PollerName, ScenarioResult } from './runScenario.js';
import { writeBenchmarks } from './writeBenchmarks.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STATE_DIR = `${ROOT}.tmp/bench`;
const STATE = `${STATE_DIR}/results.json`;
const MINUTE = 60_000;

type Job = { kind: 'rate'; poller: PollerName; rate: number; hours: number } | { kind: 'cpu' } | { kind: 'memory'; hours: number[] };

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function list(flag: string, value: string | undefined, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  const items = value.split(',').map((x) => Number(x.replace(/_/g, '')));
  if (items.length === 0 || items.some((x) => !Number.isFinite(x) || x <= 0)) fail(`Expected \`--${flag}\` to be a comma list of positive numbers, got ${JSON.stringify(value)}`);
  return items;
}

async function child(job: Job): Promise<unknown> {
  if (job.kind === 'rate') {
    return runScenario({ poller: job.poller, callsPerMinute: job.rate, hours: job.hours, warmupMs: warmupMs(job.hours), graceMs: 10 * MINUTE, seed: 1, behindMs: 5 * MINUTE, log: (line) => console.error(line) });
  }
  if (job.kind === 'cpu') return runCpu();
  // Points are also written as they come: a long run cut short still leaves its figures.
  const points = await runMemory({ hours: job.hours, log: (line) => console.error(line), onPoint: (points) => writeFileSync(`${STATE_DIR}/memory.partial.json`, JSON.stringify(points)) });
  return { points, saveCost: await runSaveCost() };
}

/** The first half hour (or a third of a short run) is warm-up: calls that start in it are not scored. */
function warmupMs(hours: number): number {
  return Math.min(30 * MINUTE, (hours * 60 * MINUTE) / 3);
}

function spawnJob(job: Job): Promise<unknown> {
  const nodeArgs = ['--import', 'tsx'];
  if (job.kind === 'memory') nodeArgs.unshift('--expose-gc');
  let command = process.execPath;
  let args = [...nodeArgs, SELF, '--child', JSON.stringify(job)];
  if (job.kind === 'cpu' && hasTaskset()) {
    args = ['-c', '0', command, ...args];
    command = 'taskset';
  }
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || line === undefined) reject(new Error(`${JSON.stringify(job)} exited with ${code}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)));
    });
  });
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function pool<T>(jobs: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]!();
      }
    }),
  );
  return results;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      rates: { type: 'string' },
      pollers: { type: 'string' },
      hours: { type: 'string' },
      'memory-hours': { type: 'string' },
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      jobs: { type: 'string' },
    },
    allowPositionals: false,
  });
  if (values.child !== undefined) {
    const result = await child(JSON.parse(values.child) as Job);
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    return;
  }
  const quick = values.quick ?? false;
  const only = values.only;
  if (only !== undefined && !['cpu', 'memory', 'rates', 'report'].includes(only)) fail(`Expected \`--only\` to be cpu, memory, rates or report, got ${JSON.stringify(only)}`);
  const rates = list('rates', values.rates, quick ? [100, 2000] : [20, 100, 500, 1000, 2000, 3000, 5000, 10000]);
  const hours = list('hours', values.hours, quick ? [0.75] : [2.5])[0]!;
  const memoryHours = list('memory-hours', values['memory-hours'], quick ? [1] : [1, 6, 24]);
  const width = list('jobs', values.jobs, [Math.max(1, Math.min(2, os.cpus().length))])[0]!;
  const pollers = (values.pollers ?? 'ours,naive').split(',');
  for (const p of pollers) if (p !== 'ours' && p !== 'naive') fail(`Expected \`--pollers\` to list ours and/or naive, got ${JSON.stringify(values.pollers)}`);

  const jobs: Job[] = [];
  if (only === undefined || only === 'memory') jobs.push({ kind: 'memory', hours: memoryHours });
  if (only === undefined || only === 'rates') {
    // Biggest first: the pool finishes sooner.
    for (const rate of [...rates].sort((a, b) => b - a)) for (const poller of pollers) jobs.push({ kind: 'rate', poller: poller as PollerName, rate, hours });
  }

  const started = Date.now();
  const run = async (job: Job) => {
    const t0 = Date.now();
    const out = await spawnJob(job);
    console.error(`done ${JSON.stringify(job)} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    return { job, out };
  };
  const outputs = await pool(
    jobs.map((job) => () => run(job)),
    width,
  );
  // The CPU ratio last and alone: another job on the other core moves it by a tenth.
  if (only === undefined || only === 'cpu') outputs.push(await run({ kind: 'cpu' }));

  mkdirSync(STATE_DIR, { recursive: true });
  const previous: Partial<BenchResults> = !quick && existsSync(STATE) ? (JSON.parse(readFileSync(STATE, 'utf8')) as BenchResults) : {};
  const cpuModel = os.cpus()[0]?.model ?? 'unknown';
  const results: BenchResults = {
    // A partial run adds to the results before it: say so.
    command: only === 'report' && previous.command !== undefined ? previous.command : [only === undefined && values.rates === undefined ? undefined : previous.command, `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`]
      .filter((c) => c !== undefined)
      .join('` then `'),
    machine: { nproc: os.availableParallelism(), cpu: cpuModel, node: process.version, platform: `${os.platform()} ${os.arch()}` },
    date: new Date().toISOString(),
    hours,
    warmupMinutes: warmupMs(hours) / MINUTE,
    graceMinutes: 10,
    // A full run measures every rate again: nothing of an earlier run stays.
    rates: only === undefined && values.rates === undefined && values.pollers === undefined ? [] : (previous.rates ?? []),
    ...(previous.cpu ? { cpu: previous.cpu } : {}),
    ...(previous.memory ? { memory: previous.memory } : {}),
    ...(previous.saveCost ? { saveCost: previous.saveCost } : {}),
    ...(previous.fullRunMs === undefined ? {} : { fullRunMs: previous.fullRunMs }),
  };
  if (only === undefined && values.rates === undefined && values.pollers === undefined && values['memory-hours'] === undefined) results.fullRunMs = Date.now() - started;
  for (const { job, out } of outputs) {
    if (job.kind === 'rate') {
      const r = out as ScenarioResult;
      results.rates = results.rates.filter((x) => !(x.poller === r.poller && x.callsPerMinute === r.callsPerMinute)).concat(r);
      results.hours = job.hours;
    } else if (job.kind === 'cpu') results.cpu = out as BenchResults['cpu'];
    else {
      const memory = out as { points: NonNullable<BenchResults['memory']>; saveCost: NonNullable<BenchResults['saveCost']> };
      results.memory = memory.points;
      results.saveCost = memory.saveCost;
    }
  }
  mkdirSync(STATE_DIR, { recursive: true });
  const t = tables(results);
  console.log(`${t.rates}\n\n${t.ratios}\n\n${t.cpu}\n\n${t.memory}`);
  console.log(`\nsustainable: ours ${sustainable(results.rates, 'ours')}, naive ${sustainable(results.rates, 'naive')}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (quick) {
    writeFileSync(`${STATE_DIR}/quick.md`, writeBenchmarks(results));
    return;
  }
  writeFileSync(STATE, JSON.stringify(results, null, 1));
  writeFileSync(`${ROOT}BENCHMARKS.md`, writeBenchmarks(results));
}

await main();
