import type { CpuResult } from './cpu.js';
import type { MemoryPoint, SaveCost } from './memory.js';
import type { ScenarioResult } from './runScenario.js';

/** A scenario's result as results.json keeps it: its key, and what it was measured on. */
export interface BenchScenario extends ScenarioResult {
  /** Stable key (`rates/ours@1000`, `frontier/hints-90@10000`): a later run of the same job replaces it. Absent in files from before keys. */
  key?: string;
  /** The frontier scenario's name (`FRONTIER`), for frontier results. */
  scenario?: string;
  /** Simulated hours asked for. */
  hours?: number;
  /** When, and on which commit (`+` when src/ or bench/ had changes not committed). */
  measuredAt?: string;
  commit?: string;
}

export interface BenchResults {
  command: string;
  machine: { nproc: number; cpu: string; node: string; platform: string };
  date: string;
  hours: number;
  warmupMinutes: number;
  graceMinutes: number;
  /** The rate ladder: each poller at each rate, default settle delays, no hints. */
  rates: BenchScenario[];
  /** The frontier scenarios (`FRONTIER`). */
  frontier?: BenchScenario[];
  cpu?: CpuResult;
  memory?: MemoryPoint[];
  /** The tracker's bytes per call before and after a store first saves. */
  saveCost?: SaveCost;
  /** Wall time of the last full `npm run bench` (every rate, CPU and memory). */
  fullRunMs?: number;
}

/** Exotel's quota: requests a minute, records a page. */
export const QUOTA_PER_MINUTE = 200;
export const PAGE_SIZE = 100;
/** One listing a call: the most calls a minute the quota can read at all. */
export const FLOOR = QUOTA_PER_MINUTE * PAGE_SIZE;

/** Listings per call as these tables define it: requests × 100 / calls (what the quota spends per call); NaN when not measured. */
export function readsPerCall(r: Pick<ScenarioResult, 'requestsPerMinute' | 'callsPerMinute'>): number {
  return (r.requestsPerMinute * PAGE_SIZE) / r.callsPerMinute;
}
const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s` : '—');
const n = (x: number) => x.toLocaleString('en-US');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export function sustainable(results: ScenarioResult[], poller: string): number | null {
  const ok = results.filter((r) => r.poller === poller && r.sustained).map((r) => r.callsPerMinute);
  return ok.length ? Math.max(...ok) : null;
}

function row(r: ScenarioResult): string {
  const lat = (l: ScenarioResult['short']) => (l.count === 0 ? '—' : `${s(l.p50)} / ${s(l.p95)} / ${s(l.max)}`);
  const status = r.stoppedEarly ? `**no** (median over 5 min; stopped at ${Math.round(r.minutes)} min)` : r.sustained ? 'yes' : 'no';
  return `| ${n(r.callsPerMinute)} | ${r.poller} | ${r.requestsPerMinute.toFixed(0)} | ${n(r.counted)} | ${n(r.missed)} | ${n(r.twice)} | ${lat(r.short)} | ${lat(r.long)} (${n(r.long.count)}) | ${n(r.updates)} / ${n(r.corrections)} | ${status} |`;
}

/** The tables of BENCHMARKS.md from the results; the prose around them is written by hand in `run.ts`. */
export function tables(results: BenchResults): { rates: string; ratios: string; cpu: string; memory: string } {
  const header =
    '| calls/min | poller | requests/min | calls counted | missed | twice | short calls: settled → emitted p50 / p95 / max | long calls: p50 / p95 / max (count) | updates / corrections | sustained |\n' +
    '|---:|---|---:|---:|---:|---:|---|---|---:|---|';
  const sorted = [...results.rates].sort((a, b) => a.callsPerMinute - b.callsPerMinute || a.poller.localeCompare(b.poller));
  const rates = [header, ...sorted.map(row)].join('\n');
  const ours = sustainable(results.rates, 'ours');
  const naive = sustainable(results.rates, 'naive');
  const ratios = [
    '| figure | ours | naive | ours vs naive | ours vs the floor (20,000/min) |',
    '|---|---:|---:|---:|---:|',
    `| sustainable rate (calls/min) | ${ours === null ? 'none' : n(ours)} | ${naive === null ? 'none' : n(naive)} | ${ours !== null && naive !== null ? `${(ours / naive).toFixed(0)}×` : ours !== null ? '∞ (naive sustains none)' : '—'} | ${ours === null ? '—' : `${((ours / FLOOR) * 100).toFixed(0)} %`} |`,
    ...[...new Set(sorted.map((r) => r.callsPerMinute))].map((rate) => {
      const o = sorted.find((r) => r.poller === 'ours' && r.callsPerMinute === rate);
      const v = sorted.find((r) => r.poller === 'naive' && r.callsPerMinute === rate);
      const perCall = (r?: ScenarioResult) => (r ? readsPerCall(r) : Number.NaN);
      const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
      return `| reads per call at ${n(rate)}/min (requests × 100 / calls) | ${fmt(perCall(o))} | ${fmt(perCall(v))} | ${o && v ? `${(perCall(o) / perCall(v)).toFixed(2)}` : '—'} | ${o ? `${perCall(o).toFixed(1)}× the floor's 1` : '—'} |`;
    }),
  ].join('\n');
  const cpu = results.cpu
    ? [
        '| measure | records/s |',
        '|---|---:|',
        `| bare \`JSON.parse\` of the pages | ${n(Math.round(results.cpu.bareRecordsPerSecond))} |`,
        `| whole pipeline (parse, read page, normalize, track, classify) | ${n(Math.round(results.cpu.pipelineRecordsPerSecond))} |`,
        `| **ratio (pipeline time / bare parse time)** | **${results.cpu.ratio.toFixed(2)}** |`,
      ].join('\n')
    : '(not run)';
  const memory = results.memory
    ? [
        '| simulated hours | heap (all) | simulator share | stream | tracked calls | bytes per tracked call |',
        '|---:|---:|---:|---:|---:|---:|',
        ...results.memory.map((p) => `| ${p.hour} | ${mib(p.heapBytes)} | ${mib(p.simulatorBytes)} | ${mib(p.streamBytes)} | ${n(p.trackedCalls)} | ${n(Math.round(p.bytesPerTrackedCall))} |`),
      ].join('\n')
    : '(not run)';
  return { rates, ratios, cpu, memory };
}
