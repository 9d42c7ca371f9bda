/**
 * `npm run bench`: ours vs a naive poller on the simulator under a fake clock at several call
 * rates, the frontier scenarios (other settle delays, hints), the pipeline's CPU cost against bare
 * JSON.parse, and the stream's memory over simulated hours; writes BENCHMARKS.md and the chart
 * docs/bench-frontier.svg. Each measurement runs in its own child process (two at a time), memory
 * with `--expose-gc`, CPU pinned to core 0 with `taskset` when present.
 *
 *   npm run bench                                  # everything, writes BENCHMARKS.md and the chart
 *   npm run bench -- --quick                       # a short smoke run (prints, writes .tmp/bench/quick.md and quick.svg)
 *   npm run bench -- --only rates --rates 2000,5000 --pollers ours --hours 2.5
 *   npm run bench -- --only frontier               # the frontier scenarios (bench/frontier.ts) alone
 *   npm run bench -- --only cpu | --only memory --memory-hours 1,6,24
 *   npm run bench -- --only report                # BENCHMARKS.md and the chart again from the kept results
 *
 * Results are kept in .tmp/bench/results.json, each scenario under a stable key
 * (`rates/ours@1000`, `frontier/hints-90@10000`): a partial run (`--only`, `--rates`) replaces
 * only what it measured, and BENCHMARKS.md is written from the merged results.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { renderFrontierChart } from './chart.js';
import { runCpu } from './cpu.js';
import { FRONTIER, frontierKey, rateKey } from './frontier.js';
import { frontierSection } from './frontierSection.js';
import type { HintOptions } from './HintFeed.js';
import { runMemory, runSaveCost } from './memory.js';
import { tables, sustainable } from './report.js';
import type { BenchResults, BenchScenario } from './report.js';
import { runScenario } from './runScenario.js';
import type { PollerName, ScenarioResult } from './runScenario.js';
import { writeBenchmarks } from './writeBenchmarks.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STATE_DIR = `${ROOT}.tmp/bench`;
const STATE = `${STATE_DIR}/results.json`;
const CHART = `${ROOT}docs/bench-frontier.svg`;
const MINUTE = 60_000;

/** A scenario: one poller at one rate; a frontier one (`scenario` set) changes the settle delays or sends hints. */
type RateJob = { kind: 'rate'; key: string; poller: PollerName; rate: number; hours: number; scenario?: string; settleDelayMs?: { min: number; max: number }; hints?: HintOptions };
type Job = RateJob | { kind: 'cpu' } | { kind: 'memory'; hours: number[] };

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
    return runScenario({
      poller: job.poller,
      callsPerMinute: job.rate,
      hours: job.hours,
      warmupMs: warmupMs(job.hours),
      graceMs: 10 * MINUTE,
      seed: 1,
      behindMs: 5 * MINUTE,
      ...(job.settleDelayMs ? { settleDelayMs: job.settleDelayMs } : {}),
      ...(job.hints ? { hints: job.hints } : {}),
      log: (line) => console.error(line),
    });
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

/** The commit measured: `git rev-parse --short HEAD`, with `+` when src/ or bench/ have changes not committed. */
function commitOf(): string | undefined {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bench'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+` : head;
  } catch {
    return undefined;
  }
}

/** Replaces the kept results of the same keys (older files had none: poller and rate then). */
function merge(kept: BenchScenario[], fresh: BenchScenario): BenchScenario[] {
  const keyOf = (r: BenchScenario) => r.key ?? rateKey(r.poller, r.callsPerMinute);
  return kept.filter((r) => keyOf(r) !== keyOf(fresh)).concat(fresh);
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
  if (only !== undefined && !['cpu', 'memory', 'rates', 'frontier', 'report'].includes(only)) fail(`Expected \`--only\` to be cpu, memory, rates, frontier or report, got ${JSON.stringify(only)}`);
  const rates = list('rates', values.rates, quick ? [100, 2000] : [20, 100, 500, 1000, 2000, 3000, 5000, 10000]);
  const hours = list('hours', values.hours, quick ? [0.75] : [2.5])[0]!;
  const memoryHours = list('memory-hours', values['memory-hours'], quick ? [1] : [1, 6, 24]);
  const width = list('jobs', values.jobs, [Math.max(1, Math.min(2, os.cpus().length))])[0]!;
  const pollers = (values.pollers ?? 'ours,naive').split(',');
  for (const p of pollers) if (p !== 'ours' && p !== 'naive') fail(`Expected \`--pollers\` to list ours and/or naive, got ${JSON.stringify(values.pollers)}`);

  const jobs: Job[] = [];
  if (only === undefined || only === 'memory') jobs.push({ kind: 'memory', hours: memoryHours });
  const scenarios: RateJob[] = [];
  if (only === undefined || only === 'rates') {
    for (const rate of rates) for (const poller of pollers) scenarios.push({ kind: 'rate', key: rateKey(poller, rate), poller: poller as PollerName, rate, hours });
  }
  // The frontier in a full run, and with `--only frontier` (also in a quick one).
  if ((only === undefined && !quick) || only === 'frontier') {
    for (const f of FRONTIER) {
      scenarios.push({ kind: 'rate', key: frontierKey(f.name, f.callsPerMinute), poller: 'ours', rate: f.callsPerMinute, hours, scenario: f.name, ...(f.settleDelayMs ? { settleDelayMs: f.settleDelayMs } : {}), ...(f.hints ? { hints: f.hints } : {}) });
    }
  }
  // Biggest first: the pool finishes sooner.
  jobs.push(...scenarios.sort((a, b) => b.rate - a.rate));

  const started = Date.now();
  // What is measured is what was there when the run began.
  const commit = commitOf();
  const run = async (job: Job) => {
    const t0 = Date.now();
    const out = await spawnJob(job);
    console.error(`done ${JSON.stringify(job)} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    return { job, out, measuredAt: new Date().toISOString() };
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
  // The ladder's span: this run's when it measured the ladder, else the one kept.
  const ladderHours = scenarios.some((s) => s.scenario === undefined) || previous.hours === undefined ? hours : previous.hours;
  const full = only === undefined && values.rates === undefined && values.pollers === undefined;
  const results: BenchResults = {
    // A partial run adds to the results before it: say so.
    command: only === 'report' && previous.command !== undefined ? previous.command : [only === undefined && values.rates === undefined ? undefined : previous.command, `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`]
      .filter((c) => c !== undefined)
      .join('` then `'),
    machine: { nproc: os.availableParallelism(), cpu: cpuModel, node: process.version, platform: `${os.platform()} ${os.arch()}` },
    date: new Date().toISOString(),
    hours: ladderHours,
    warmupMinutes: warmupMs(ladderHours) / MINUTE,
    graceMinutes: 10,
    // A full run measures every rate and scenario again: nothing of an earlier run stays.
    rates: full ? [] : (previous.rates ?? []),
    frontier: full ? [] : (previous.frontier ?? []),
    ...(previous.cpu ? { cpu: previous.cpu } : {}),
    ...(previous.memory ? { memory: previous.memory } : {}),
    ...(previous.saveCost ? { saveCost: previous.saveCost } : {}),
    ...(previous.fullRunMs === undefined ? {} : { fullRunMs: previous.fullRunMs }),
  };
  if (only === undefined && values.rates === undefined && values.pollers === undefined && values['memory-hours'] === undefined) results.fullRunMs = Date.now() - started;
  for (const { job, out, measuredAt } of outputs) {
    if (job.kind === 'rate') {
      const r: BenchScenario = { key: job.key, ...(job.scenario ? { scenario: job.scenario } : {}), hours: job.hours, measuredAt, ...(commit ? { commit } : {}), ...(out as ScenarioResult) };
      if (job.scenario === undefined) {
        results.rates = merge(results.rates, r);
        results.hours = job.hours;
      } else results.frontier = merge(results.frontier ?? [], r);
    } else if (job.kind === 'cpu') results.cpu = out as BenchResults['cpu'];
    else {
      const memory = out as { points: NonNullable<BenchResults['memory']>; saveCost: NonNullable<BenchResults['saveCost']> };
      results.memory = memory.points;
      results.saveCost = memory.saveCost;
    }
  }
  mkdirSync(STATE_DIR, { recursive: true });
  const t = tables(results);
  console.log(`${t.rates}\n\n${t.ratios}\n\n${frontierSection(results)}\n${t.cpu}\n\n${t.memory}`);
  console.log(`\nsustainable: ours ${sustainable(results.rates, 'ours')}, naive ${sustainable(results.rates, 'naive')}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (quick) {
    writeFileSync(`${STATE_DIR}/quick.md`, writeBenchmarks(results, 'quick.svg'));
    writeFileSync(`${STATE_DIR}/quick.svg`, renderFrontierChart(results));
    return;
  }
  writeFileSync(STATE, JSON.stringify(results, null, 1));
  writeFileSync(CHART, renderFrontierChart(results));
  writeFileSync(`${ROOT}BENCHMARKS.md`, writeBenchmarks(results, 'docs/bench-frontier.svg'));
}

await main();
