import { TODAY } from './baseline.js';
import { FRONTIER, frontierKey, rateKey } from './frontier.js';
import type { FrontierScenario } from './frontier.js';
import { HINT_DELAY_DEFAULTS } from './HintFeed.js';
import { readsPerCall } from './report.js';
import type { BenchResults, BenchScenario } from './report.js';
import type { LatencyStats } from './metrics.js';

/** One target of the frontier, what was measured against it, and whether it is met (null: not measured). */
export interface FrontierTarget {
  target: string;
  measured: string;
  met: boolean | null;
}

const SECOND = 1000;
const n = (x: number) => x.toLocaleString('en-US');
/** Seconds as the tables print them: one decimal under 10 s, whole from 10 s (with thousands separators). */
const sec = (ms: number) => (Number.isFinite(ms) ? `${Math.abs(ms) < 10_000 ? (ms / SECOND).toFixed(1) : n(Math.round(ms / SECOND))} s` : '—');
const secNumber = (ms: number) => Number((ms / SECOND).toFixed(Math.abs(ms) < 10_000 ? 1 : 0));
const lat = (l: LatencyStats) => (l.count === 0 ? '—' : `${sec(l.p50)} / ${sec(l.p95)} / ${sec(l.max)}`);
const pct = (share: number) => `${Math.round(share * 100)} %`;
const span = (r: { min: number; max: number } | undefined) => (r === undefined ? '—' : `${sec(r.min)} to ${sec(r.max)}`);

function keyOf(r: BenchScenario): string {
  return r.key ?? rateKey(r.poller, r.callsPerMinute);
}

function find(results: BenchResults, key: string): BenchScenario | undefined {
  return [...results.rates, ...(results.frontier ?? [])].find((r) => keyOf(r) === key);
}

const clean = (r: BenchScenario) => r.missed === 0 && r.twice === 0;
/** A run shorter than its warm-up and grace scores no call: it measured nothing a target can be judged on. */
const scored = (r: BenchScenario | undefined): r is BenchScenario => r !== undefined && r.counted > 0;
const unscored = (r: BenchScenario | undefined) => (r === undefined ? 'not measured' : 'no call scored (the run was shorter than its warm-up and grace)');
const basics = (r: BenchScenario) => `missed ${n(r.missed)}, twice ${n(r.twice)}`;
const quota = (r: BenchScenario) => r.maxInAnyWindow <= 200 && r.rejected === 0;
const stopped = (r: BenchScenario) => (r.stoppedEarly ? `; stopped behind at ${Math.round(r.minutes)} min` : '');

/**
 * The targets of the frontier, each next to what the results hold: computed from the results
 * every time (a job not in them is "not measured"), compared with `TODAY` where a target says
 * "than today".
 */
export function frontierTargets(results: BenchResults): FrontierTarget[] {
  const out: FrontierTarget[] = [];
  const at = (rate: number) => find(results, rateKey('ours', rate));
  const scenario = (name: string) => {
    const f = FRONTIER.find((s) => s.name === name)!;
    return find(results, frontierKey(f.name, f.callsPerMinute));
  };

  const r5 = at(5000);
  out.push({
    target: '5,000 calls/min sustained under the exact quota, short-call p95 ≤ 60 s, nothing missed or repeated',
    measured: scored(r5) ? `p95 ${sec(r5.short.p95)}, ${basics(r5)}, ${r5.requestsPerMinute.toFixed(0)} requests/min (at most ${r5.maxInAnyWindow} in any 60 s, ${r5.rejected} rejected)${stopped(r5)}` : unscored(r5),
    met: scored(r5) ? !r5.stoppedEarly && clean(r5) && r5.short.p95 <= 60 * SECOND && quota(r5) : null,
  });
  const r10 = at(10_000);
  out.push({
    target: '10,000 calls/min measured and reported, whatever it reaches',
    measured: scored(r10) ? `p95 ${sec(r10.short.p95)}, ${basics(r10)}, ${r10.requestsPerMinute.toFixed(0)} requests/min, ${r10.sustained ? 'sustained' : 'not sustained'}${stopped(r10)}` : unscored(r10),
    met: scored(r10) ? true : null,
  });
  const hints = scenario('hints-90');
  out.push({
    target: 'hints for 90 % of calls (10 % never sent, 5 % a few minutes late): 10,000 calls/min at short-call p95 ≤ 30 s, nothing missed',
    measured: scored(hints)
      ? `p95 ${sec(hints.short.p95)}, ${basics(hints)}${hints.byHint ? `; calls never hinted: p95 ${sec(hints.byHint.dropped.p95)} (${n(hints.byHint.dropped.count)})` : ''}${stopped(hints)}`
      : unscored(hints),
    met: scored(hints) ? !hints.stoppedEarly && clean(hints) && hints.short.p95 <= 30 * SECOND : null,
  });
  const wide = scenario('settle-30s-5min');
  out.push({
    target: '1,000 calls/min with settle delays spread up to 5 minutes: short-call p95 ≤ 90 s (and nothing missed or repeated)',
    measured: scored(wide) ? `p95 ${sec(wide.short.p95)}, ${basics(wide)}, ${wide.requestsPerMinute.toFixed(0)} requests/min${stopped(wide)}` : unscored(wide),
    met: scored(wide) ? !wide.stoppedEarly && clean(wide) && wide.short.p95 <= 90 * SECOND : null,
  });
  const narrow = scenario('settle-0-30s');
  const today1000 = TODAY.ours[1000]!;
  const ladder1000 = at(1000);
  out.push({
    target: `1,000 calls/min with settle delays within 30 s: fewer requests a minute than today at the same rate (${today1000.requestsPerMinute})`,
    measured: scored(narrow)
      ? `${narrow.requestsPerMinute.toFixed(0)} requests/min (p95 ${sec(narrow.short.p95)}, ${basics(narrow)})${ladder1000 ? `; this run at 1,000 with the default delays: ${ladder1000.requestsPerMinute.toFixed(0)}` : ''}`
      : unscored(narrow),
    met: scored(narrow) ? Math.round(narrow.requestsPerMinute) < today1000.requestsPerMinute && clean(narrow) : null,
  });
  for (const rate of [20, 100]) {
    const r = at(rate);
    const today = TODAY.ours[rate]!;
    out.push({
      target: `quiet account, ${rate} calls/min: no worse than today (${today.requestsPerMinute} requests/min, short-call p95 ${sec(today.shortP95Ms)}, long-call p95 ${sec(today.longP95Ms)})`,
      measured: scored(r) ? `${r.requestsPerMinute.toFixed(0)} requests/min, short-call p95 ${sec(r.short.p95)}, long-call p95 ${sec(r.long.p95)}, ${basics(r)}` : unscored(r),
      met: scored(r)
        ? Math.round(r.requestsPerMinute) <= today.requestsPerMinute && secNumber(r.short.p95) <= today.shortP95Ms / SECOND && secNumber(r.long.p95) <= today.longP95Ms / SECOND && clean(r)
        : null,
    });
  }
  const cpu = results.cpu;
  out.push({
    target: `CPU ratio (pipeline vs bare \`JSON.parse\`) ≤ ${TODAY.cpuRatio.toFixed(2)}×`,
    measured: cpu ? `${cpu.ratio.toFixed(2)}×` : 'not measured',
    met: cpu ? Number(cpu.ratio.toFixed(2)) <= TODAY.cpuRatio : null,
  });
  const mem = results.memory ?? [];
  const six = mem.find((p) => p.hour === 6);
  const day = mem.find((p) => p.hour === 24);
  const drift = six && day ? ((day.streamBytes - six.streamBytes) / six.streamBytes) * 100 : null;
  out.push({
    target: 'heap flat over 24 simulated hours (the stream’s heap from hour 6 to 24 within ±10 %)',
    measured: drift === null ? 'not measured' : `${drift.toFixed(1)} %`,
    met: drift === null ? null : Math.abs(drift) <= 10,
  });
  return out;
}

const verdict = (met: boolean | null) => (met === null ? 'not measured' : met ? '**met**' : '**not met**');

function scenarioRow(f: FrontierScenario, r: BenchScenario | undefined): string {
  if (r === undefined) return `| ${f.label} | ${n(f.callsPerMinute)} | ${span(f.settleDelayMs)} | not measured | | | | | | | | |`;
  const h = r.hints;
  const hints = h ? `${n(h.sent)} / ${n(h.late)} / ${n(h.dropped)}${h.refused > 0 ? ` (${n(h.refused)} refused)` : ''}` : '—';
  const status = r.stoppedEarly ? `**no** (stopped behind at ${Math.round(r.minutes)} min)` : r.sustained ? 'yes' : 'no';
  return `| ${f.label} | ${n(r.callsPerMinute)} | ${span(r.settleDelayMs)} | ${r.requestsPerMinute.toFixed(0)} | ${readsPerCall(r).toFixed(2)} | ${n(r.counted)} | ${n(r.missed)} | ${n(r.twice)} | ${lat(r.short)} | ${lat(r.long)} (${n(r.long.count)}) | ${hints} | ${status} |`;
}

/** BENCHMARKS.md's "Frontier" section: the scenarios, their reads by tier, the hints' effect, and the targets. */
export function frontierSection(results: BenchResults): string {
  const rows = FRONTIER.map((f) => ({ f, r: find(results, frontierKey(f.name, f.callsPerMinute)) }));
  const measured = rows.filter((x): x is { f: FrontierScenario; r: BenchScenario } => x.r !== undefined);
  const table = [
    '| scenario (ours) | calls/min | settle delays | requests/min | listings per call | calls counted | missed | twice | short calls: settled → emitted p50 / p95 / max | long calls: p50 / p95 / max (count) | hints sent / late / dropped | sustained |',
    '|---|---:|---|---:|---:|---:|---:|---:|---|---|---|---|',
    ...rows.map(({ f, r }) => scenarioRow(f, r)),
  ].join('\n');

  const tierNames = [...new Set(measured.flatMap(({ r }) => Object.keys(r.tiers ?? {})))].sort();
  const tiers = tierNames.length
    ? [
        `| scenario | ${tierNames.join(' | ')} |`,
        `|---|${tierNames.map(() => '---:').join('|')}|`,
        ...measured.map(({ f, r }) => `| ${f.label} | ${tierNames.map((t) => { const x = r.tiers?.[t]; return x ? `${x.requestsPerMinute.toFixed(1)} (${n(Math.round(x.recordsPerMinute))})` : '—'; }).join(' | ')} |`),
      ].join('\n')
    : '';

  const hinted = measured.filter(({ r }) => r.byHint !== undefined);
  const byHint = hinted.length
    ? [
        '| scenario | hint on time | hint late | never hinted |',
        '|---|---|---|---|',
        ...hinted.map(({ f, r }) => `| ${f.label} | ${lat(r.byHint!.onTime)} (${n(r.byHint!.onTime.count)}) | ${lat(r.byHint!.late)} (${n(r.byHint!.late.count)}) | ${lat(r.byHint!.dropped)} (${n(r.byHint!.dropped.count)}) |`),
      ].join('\n')
    : '';

  const targets = [
    '| target | measured | result |',
    '|---|---|---|',
    ...frontierTargets(results).map((t) => `| ${t.target} | ${t.measured} | ${verdict(t.met)} |`),
  ].join('\n');

  const provenance = measured.map(({ f, r }) => `${f.name} on ${r.commit ?? 'an unrecorded commit'}${r.measuredAt ? ` (${r.measuredAt.slice(0, 16).replace('T', ' ')} UTC)` : ''}`).join(', ');
  const hintSpec = FRONTIER.find((f) => f.hints)?.hints;

  return `## Frontier

The same account, quota and scoring as the rate ladder, ours only, with one thing changed in each:
the simulator's settle delays (end of a call → Duration, Price and EndTime filled in; the ladder's
are 1 to 3 minutes), or hints.

- A *hint* is what Exotel's \`StatusCallback\` would tell: the Sid, its end and its start
  (\`stream.hint({ sid, endedAt, dateCreated })\`), fed in process from the simulator's ground
  truth${hintSpec ? `: ${pct(hintSpec.share)} of calls hinted, ${pct(hintSpec.share - hintSpec.lateShare)} ${sec((hintSpec.delayMs ?? HINT_DELAY_DEFAULTS.delayMs).min)} to ${sec((hintSpec.delayMs ?? HINT_DELAY_DEFAULTS.delayMs).max)} after their end and ${pct(hintSpec.lateShare)} late, ${sec((hintSpec.lateDelayMs ?? HINT_DELAY_DEFAULTS.lateDelayMs).min)} to ${sec((hintSpec.lateDelayMs ?? HINT_DELAY_DEFAULTS.lateDelayMs).max)} after it; ${pct(1 - hintSpec.share)} never (each call's fate and delay drawn from its Sid and the seed)` : ''}.
- *Hints sent / late / dropped* count the hints due before the run stopped, over the whole run
  (warm-up included).
- *Listings per call*: requests × 100 / calls, as in the ladder's table; the floor is 1.

${table}
${measured.length ? `\nMeasured: ${provenance}.\n` : ''}${tiers ? `\nRequests a minute by read tier over the measured part (records listed a minute in brackets):\n\n${tiers}\n` : ''}${byHint ? `\nShort calls by what became of their hint (settled → emitted p50 / p95 / max, count):\n\n${byHint}\n` : ''}
### Targets

Each from the results above and the ladder's; "today" is ${TODAY.source}, compared at the precision
it was published with.

${targets}
`;
}
