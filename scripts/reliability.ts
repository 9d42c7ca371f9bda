/**
 * Writes RELIABILITY.md from what the fault tests measure: runs `test/faults` with
 * `RELIABILITY_OUT` set, so that each test appends the row it measured, then renders the rows.
 * `npm test` runs the same tests, which compare their measurements with the table and fail when
 * it is out of date (see test/faults/reliability.ts): the numbers cannot drift from the code.
 *
 *   npm run reliability
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COLUMNS, REPORT_PATH, rowLine } from '../test/faults/reliability.js';
import type { FaultRow } from '../test/faults/reliability.js';

const out = join(tmpdir(), `exotel-reliability-${process.pid}.jsonl`);
rmSync(out, { force: true });
const run = spawnSync('npx', ['vitest', 'run', 'test/faults'], { stdio: 'inherit', env: { ...process.env, RELIABILITY_OUT: out } });
if (run.status !== 0) {
  console.error('reliability: the fault tests failed; RELIABILITY.md is left as it was.');
  process.exit(run.status ?? 1);
}
const rows = new Map<string, FaultRow>();
for (const line of readFileSync(out, 'utf8').split('\n')) if (line.trim()) rows.set((JSON.parse(line) as FaultRow).id, JSON.parse(line) as FaultRow);
rmSync(out, { force: true });
const sorted = [...rows.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

const text = `# Reliability

What \`exotel-call-stream\` does under every fault we know how to make, measured. Each row is one
fault, injected into a running stream (or a real \`exotel-calls\` process) against the simulator,
and counted against the simulator's ground truth:

- **calls expected**: calls that ended, and could settle, while the test ran (before its last few
  minutes): each must be emitted exactly once, as \`callCompleted\` or \`callFailed\`;
- **lost**: expected calls never emitted; **duplicated**: Sids emitted twice;
- **emitted early**: emitted before the call ended, or unsettled before it was held \`settleMs\`;
- **what the user saw**: the errors on \`errors$\` (code, how many, the first message; paths,
  ports, pids and instants shown as \`<dir>\`, \`<port>\`, \`<pid>\`, \`<time>\`), or a process's
  exit code and message; "none" when the fault was absorbed without a word (retried, deduplicated);
- **—**: does not apply (the stream refuses to start; there is nothing to count).

Rows marked † come from real processes on real time (\`kill -9\`, \`SIGSTOP\`): how many calls they
see varies from run to run; the test bounds the rest (duplicates only of what the killed cycle had
not yet saved, for instance) and the table shows one run.

**How the numbers stay true.** This file is written by \`npm run reliability\`
(\`scripts/reliability.ts\`): it runs the fault tests (\`test/faults/\`) with \`RELIABILITY_OUT\`
set, each test appends the row it measured, and the script renders them. In \`npm test\` the same
tests compare what they measure with the row here and fail, naming the cell, when they differ:
a change of behaviour cannot leave this table behind. Each row's command runs its test alone.
\`npm run soak:faults\` runs the same tests longer (\`SOAK=1\`: more kills, longer storms) without
comparing.

| ${COLUMNS.join(' | ')} |
|${COLUMNS.map(() => '---').join('|')}|
${sorted.map(rowLine).join('\n')}

## Notes

- Real faults where the machine allows: \`ENOSPC\` and \`EROFS\` come from a real tmpfs mounted by
  the test (filled up, remounted read-only), so the tests need root on Linux, as CI has; they fail
  with a message saying so elsewhere. Processes are real \`exotel-calls\` child processes, killed
  with \`SIGKILL\` or stopped with \`SIGSTOP\`. HTTP faults come from the simulator's fault
  injection (\`docs/simulator.md\`), over the in-process \`SimulatorDispatcher\` under a fake clock
  (minutes in milliseconds), which carries status, headers and compressed bytes as a socket does.
- A suspension longer than the lookback loses nothing: the first cycle after \`SIGCONT\` reads
  back from where the last complete read ended, however long ago (within the API's six months),
  so the stream has nothing it could not cover to report, and reports nothing. Downtime beyond
  six months is where calls become unreadable; that case is not measured here.
- Daylight saving: across the October change every call is emitted once, but a call that started
  in the first occurrence of the repeated hour is emitted with a start an hour late
  (\`zone.test.ts\` keeps this as a known failure, \`it.fails\`): Exotel's timestamps carry no
  offset, and telling the two occurrences apart needs the time of the read, which the pipeline
  does not hand to \`normalizeCall\` yet. How the simulator reads a \`DateCreated\` bound in the
  repeated hour is in docs/simulator.md.
- Secrets: \`test/faults/secrets.test.ts\` runs every fault above with a distinctive token and
  searches every error (message, stack, fields, causes), every NDJSON and log line of the CLI, the
  wallboard's page and events, and \`util.inspect\` of every public object, for the token and for
  its base64 \`key:token\` form.
`;
writeFileSync(REPORT_PATH, text);
console.log(`reliability: wrote ${sorted.length} rows to RELIABILITY.md`);
