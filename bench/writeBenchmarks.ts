import { frontierSection } from './frontierSection.js';
import { LONG_MS } from './runScenario.js';
import { tables, sustainable } from './report.js';
import type { BenchResults } from './report.js';

const n = (x: number) => x.toLocaleString('en-US');

/**
 * BENCHMARKS.md: how it was measured, the tables from `results`, and what the figures say;
 * `chart` is the frontier chart's path relative to the file (`docs/bench-frontier.svg`).
 */
export function writeBenchmarks(results: BenchResults, chart: string): string {
  const t = tables(results);
  const ladder = results.rates.length > 0;
  const ours = sustainable(results.rates, 'ours');
  const naive = sustainable(results.rates, 'naive');
  const m = results.machine;
  const mem = results.memory ?? [];
  const at = (h: number) => mem.find((p) => p.hour === h);
  const six = at(6);
  // The last hour measured: 24 in a full run.
  const day = mem.length ? mem.reduce((a, b) => (b.hour > a.hour ? b : a)) : undefined;
  const lastHour = day?.hour ?? 24;
  const drift = six && day ? ((day.streamBytes - six.streamBytes) / six.streamBytes) * 100 : null;
  const oursAt = (rate: number) => results.rates.find((r) => r.poller === 'ours' && r.callsPerMinute === rate);
  const goalShort = results.rates.filter((r) => r.poller === 'ours' && r.sustained && r.short.p95 <= 30_000).map((r) => r.callsPerMinute).sort((a, b) => a - b);
  const overShort = results.rates.filter((r) => r.poller === 'ours' && r.sustained && r.short.p95 > 30_000).sort((a, b) => a.callsPerMinute - b.callsPerMinute);
  const sustainedOurs = results.rates.filter((r) => r.poller === 'ours' && r.sustained);
  const worstLong = sustainedOurs.length ? Math.max(...sustainedOurs.map((r) => r.long.p95)) : Number.NaN;
  const cpu = results.cpu;
  const yes = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? '**met**' : '**missed**');
  return `# Benchmarks

\`${results.command}\` on ${m.nproc} cores (${m.cpu}), Node ${m.node}, ${m.platform}; ${results.date}.

Everything runs in process against the simulator (\`SimulatorDispatcher\`, no sockets) under a fake
clock (@sinonjs/fake-timers): ${results.hours} simulated hours per rate take seconds to a minute.
Reproduce with \`npm run bench\` (everything${results.fullRunMs === undefined ? '' : `: ${Math.round(results.fullRunMs / 60_000)} minutes on this machine`}; writes this file and the chart
\`${chart}\`), or \`npm run bench -- --quick\`, \`--only rates|frontier|cpu|memory|report\`, \`--rates 2000,5000\`,
\`--pollers ours\`, \`--hours 2.5\`, \`--memory-hours 1,6,24\`. Each measurement is a child process (two at a time);
memory runs under \`node --expose-gc\`, CPU pinned to core 0 with \`taskset -c 0\` when present. Results
are kept in \`.tmp/bench/results.json\` under a stable key per job; a partial run replaces only what it measured.

## Setup

- One seeded account (seed 1), traffic starting with the poller, Poisson arrivals at each rate; the
  simulator's default mix: 65 % completed, talk exponential (mean 90 s, capped at 5 min), 3 % of
  answered calls 5 min to 2 h, 0.2 % up to 4 h; settling 1 to 3 minutes after the end; 3 % corrected
  1 to 10 minutes after settling.
- Both pollers under the same quota: the client's limiter at 200 requests a minute and the
  simulator's own 200-a-minute window (a 429 would show as "rejected"; there were none).
- **ours**: \`createCallStream\` with default options (15 s polls, 2 h lookback, 5 min \`settleMs\`,
  the default memory store, saved when the stream stops).
- **naive** (\`bench/naivePoller.ts\`): every 15 s (or as soon as the previous pass ends), list the
  whole 2 h lookback, every page; a Set of seen Sids; a call is emitted once its Duration, Price and
  EndTime are filled in (or after 5 minutes as it is).
- **Scored**: calls that started after the first ${results.warmupMinutes} minutes (warm-up) and had ended and settled
  ${results.graceMinutes} minutes before the run stopped. *Missed*: never emitted. *Twice*: a Sid emitted twice as
  completed/failed. *Latency*: the fake clock at the event minus the simulator's \`settledAt\`
  (negative when a record went out unsettled after \`settleMs\`). *Short/long*: the call lasted (end − start)
  up to / over ${LONG_MS / 60_000} minutes, the longest short call of the mix (the fresh window is adaptive, so a fixed
  threshold is used). *Requests/min*: accepted requests from the warm-up's end to the stop.
  *Updates / corrections*: \`callUpdated\` events vs ground-truth corrections made after the first
  emission, inside the lookback, before the end less the grace.
- **Sustained**: nothing missed, nothing twice, short-call p95 under 60 s. A run whose median age of
  what it emitted stays above 5 minutes for 20 simulated minutes is stopped as not sustained.

## Results by call rate

![The sustainable-rate frontier: short-call p50 and p95 after settling, and listings per call, against calls a minute, ours and the naive poller, with the frontier scenarios](${chart})

${
  ladder
    ? `${t.rates}

${t.ratios}

**Sustainable rate: ours ${ours === null ? 'none' : n(ours)} calls a minute, naive ${naive === null ? 'none' : n(naive)}**${ours !== null ? ` — ${((ours / 20_000) * 100).toFixed(0)} % of the floor of one read per settled call (20,000 a minute)` : ''}.`
    : 'The rate ladder is not in these results (`npm run bench` or `npm run bench -- --only rates` measures it).'
}

${frontierSection(results)}
## CPU (one core)

${t.cpu}

Pages of 100 records from the simulator (a 2-hour window at 1,000 calls a minute), each read twice
(the second read takes the tracker's dedupe path), best of 7 rounds of each arm taken in turns,
measured alone on core 0 after every other job. The pipeline is the stream's path: \`JSON.parse\` → \`readCallPage\` →
\`CallTracker.unchanged\` (re-reads) → \`normalizeCall\` → \`CallTracker.observe\` (settle rule,
classification, tracked values). Reading each page twice is the conservative case: at busy rates the
engine reads a call 5 to 15 times (the table above), and every extra read is a cheap unchanged one.

The ratio moves with the machine (2 shared cores) from run to run, by more than the changes
between versions: on 2026-11-27 this code's predecessor measured 1.80 to 1.95 in six runs in a
row; on 2026-12-01, on a slower share of the same kind of machine, the engine of that day (the
old one beside it, alternated on core 0, nothing else running) 2.05 to 2.48 against 2.18 to 3.28,
and 2.56 in the full run above. So the 1.95× target is **not met on this machine today**; against
the old engine on the same machine there is no regression. What brought it down, over the rounds:

- **Unchanged re-reads are not normalized.** \`CallTracker.unchanged(raw, options)\` looks up the
  record's Sid; when it was emitted and its tracked values are known, it reads the tracked raw
  fields (\`readTrackedValues\`: the same helpers and checks as \`normalizeCall\`, every field
  checked, instants as epoch ms) into one reused object and compares them in place: no \`Call\`, no
  \`Date\`s. Anything else (new, held or restored Sids, malformed records, \`details\`) takes the
  full path, so events, \`callUpdated\` changes and previous values, held records' settle checks and
  malformed-record reports are the same; a fast-check property compares the two paths. The stream
  passes it to \`normalizeRecords\` as its \`unchanged\` option; this benchmark calls it the same way.
  Run in turns with and without it: 1.92 to 1.98 against 2.03 to 2.12.
- The tracker compares a re-read with the tracked values it keeps per emitted Sid (numbers and
  short strings; instants as offsets from \`dateCreated\`) instead of building a fingerprint
  string; the store's fingerprint is built once, when a store first asks for it.
- A first read that is already settled goes straight to emitted, never held; a Sid \`unchanged\`
  just found new is not looked up again by \`observe\`.
- \`normalizeCall\` reads each field by name, reuses the previous record's \`DateCreated\` instant
  (pages are sorted by start time), reads timestamps from their digits with the zone's offset kept
  per quarter-hour (a cache of recent timestamp texts before: hashing each page's new strings cost
  more; alternated: 2.05–2.48 with the digit reader, 2.37–2.62 without), checks and reads numeric
  strings by hand, and matches statuses with a \`switch\`.

What is left: keeping each new call's tracked values (about 0.7 µs a call: the collector
promoting what is kept, the Map growing), and for an unchanged re-read its Sid lookup and the
timestamp reads. Tried and dropped (no gain, or a loss): one object per emitted Sid, recording
URLs kept as prefix + Sid + suffix.

## Memory (1,000 calls a minute, default options)

${t.memory}

The stream runs with default options (the memory store is saved when the stream stops, so it holds
no copy while it runs). The heap is measured after two full GCs. The simulator keeps every call it ever generated (its
columns are typed arrays, outside the JS heap); its heap share is measured on an identical world built
apart at the same instant and taken out, as is the heap before either existed. What remains is the
stream: the tracker (per emitted call of the last lookback + 10 min: its Sid, start, tracked values,
and the fingerprint once a store has asked for it), the planner and the client.${drift === null ? '' : ` From hour 6 to hour ${lastHour} the stream's heap moved ${drift.toFixed(1)} %.`}${lastHour < 24 ? ` The run was cut at hour ${lastHour}.` : ''}
${
  results.saveCost === undefined
    ? ''
    : `
A store saved while the stream runs (every cycle by default, as \`fileStore\` is) costs more: its
first save builds each emitted call's fingerprint (a JSON array of the tracked values, ~140
characters), which the tracker keeps from then on. Measured on a tracker alone fed 3 hours of calls
at 1,000 a minute (${n(results.saveCost.trackedCalls)} calls): ${n(Math.round(results.saveCost.bytesPerCall))} bytes per call before a save,
${n(Math.round(results.saveCost.bytesPerCallSaved))} after. The fingerprint is flattened when built: left as the rope of pieces a
template literal makes, it took about 880 bytes a call (1,151 bytes per call after a save, before
this was fixed).
`
}
## Goals

| goal | result |
|---|---|
| sustainable rate ≥ 2,000 calls/min with defaults | ${yes(!ladder ? null : ours === null ? false : ours >= 2000)} (${ours === null ? 'none' : n(ours)}) |
| many times the naive poller | ${ours !== null && naive !== null ? `${(ours / naive).toFixed(0)}×` : ours !== null ? 'the naive poller sustains none of the rates' : '—'} |
| aim: 10,000 calls/min | ${yes(!ladder ? null : ours !== null && ours >= 10_000)} (see below) |
| short calls p95 ≤ 2 polls (30 s) | ${!ladder ? 'not measured' : `met at ${goalShort.length ? goalShort.map(n).join(', ') : 'no rate'} calls/min${overShort.length ? `; over at ${overShort.map((r) => `${n(r.callsPerMinute)} (p95 ${Math.round(r.short.p95 / 1000)} s)`).join(', ')}, sustained within 60 s` : ''}`} |
| long calls p95 ≤ one sweep interval (≤ 10 min) | ${Number.isFinite(worstLong) ? `${yes(worstLong <= 600_000)} at every sustained rate (worst p95 ${Math.round(worstLong / 1000)} s)` : 'not measured'} |
| pipeline CPU ≤ 2 × bare \`JSON.parse\` | ${cpu ? `${yes(cpu.ratio <= 2)} (${cpu.ratio.toFixed(2)}×)` : 'not measured'} |
| memory flat from hour 6 to ${lastHour} (±10 %) | ${drift === null ? 'not measured' : `${yes(Math.abs(drift) <= 10)} (${drift.toFixed(1)} %)`}${day ? `, ${n(Math.round(day.bytesPerTrackedCall))} bytes per tracked call` : ''} |

${ANALYSIS(oursAt(2000)?.requestsPerMinute, oursAt(3000)?.requestsPerMinute)}
`;
}

/** What limits the engine, from the cost model in docs/engine.md. */
function ANALYSIS(req2000: number | undefined, req5000: number | undefined): string {
  const f = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(0));
  return `## What limits it

The quota buys 20,000 record reads a minute; at R calls a minute that is 20,000 / R reads per call
(10 at 2,000, 4 at 5,000, 2 at 10,000), and the plan keeps 15 % of it for retries and catch-up.
The API has no "updated since" filter, and a call becomes worth emitting (settled) one to three
minutes after it was first listed. So a call's start time must be read again and again until it
settles; catching it within C seconds of settling costs about (settle spread + C) / C listings of it.

- **Up to ~500 a minute** the fresh window (re-read every poll), held re-reads by Sid and the
  long-call sweep fit, and a short call is emitted within one or two polls of settling.
- **From ~1,000 a minute** a fresh window of 3 minutes or more with the sweep no longer fits. The
  old plan then narrowed the fresh window and turned the sweep off, leaving longer calls to the
  slices (at 1,000 a minute calls of half an hour or more waited for the 2-hour lag: the first run
  of this benchmark counted 433 of them as missed), and at 2,000 fell back to the slices alone
  (6-minute p95). The engine now reads *settled bands* instead: \`Duration=\` matches only settled calls, so a band of durations read over a window of
  start times just wide enough for its calls to settle (band top + 30 s ringing + 3 min spread +
  one interval) lists each call only while it is settled and still in that window: about 3 times
  at one-minute intervals, 5 at 30 s, with the sweep (calls of 10 minutes and more) every few
  minutes. Measured: ${f(req2000)} requests a minute at 2,000 calls a minute,
  ${f(req5000)} at 3,000.
- **The fixed cost** is the two slice lags: the lookback lag (every call read once more after
  its whole lookback; the safety net behind the "nothing missed" guarantee, restarts and outages
  included) and the first lag (10 min: late settlers and corrections). That is 2 reads per call
  before any band. Dropping the 30-minute lag in band mode is why fewer corrections show up as
  updates within the run there: those made after the 10-minute lag are read by the 2-hour lag.
- **Above what the bands fit** the plan falls back to the slices alone (three lags): every call is
  still read, 6 to 10 minutes late, and from about 5,700 a minute the slices cannot keep up either
  (5,000 here ran 7 to 9 minutes late and was stopped; at 10,000 the backlog grew and calls went missing).
- **10,000 a minute within 60 s is impossible here**: the quota gives 2 reads per call (1.7 inside
  the 85 % budget), the safety-net slices alone take 2, and any read that finds a call within 60 s of
  settling, without a settled-since filter, lists it about 3 times (2-minute spread / 60 s + 1). The
  floor of one read per call needs the API to say what settled since a given time (an "updated
  since" filter, or a webhook/StatusCallback feeding Sids to the \`Sid=\` filter). Without them, the
  highest rate within a 60 s p95 is about 170 × 100 / (2 + 3) ≈ 3,400 calls a minute, and the planner
  falls back to slices only (every call still emitted, ~6 minutes after settling) above it.`;
}
