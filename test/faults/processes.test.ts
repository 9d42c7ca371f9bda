/**
 * Faults of the process itself, with real `exotel-calls tail` child processes against a simulator
 * listening in this process, on real time: `kill -9` in the middle of a save, two processes
 * pointed at one store file, and a process suspended (SIGSTOP) for longer than its lookback.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator } from '../../src/simulator/index.js';
import type { SimulatedCall, Simulator } from '../../src/simulator/index.js';
import type { CallStreamEvent } from '../../src/stream/types.js';
import type { Emission } from '../stream/harness.js';
import { repoRoot, simEnv } from '../cli/helpers.js';
import { expectNoSecret, stableMessage, tally } from './helpers.js';
import { reportFault } from './reliability.js';

const FILE = 'test/faults/processes.test.ts';
const SOAK = Boolean(process.env.SOAK);
/** Real processes on real time: seconds each, more under a loaded machine, minutes in a soak. */
const TIMEOUT = SOAK ? 900_000 : 120_000;

interface Tail {
  child: ChildProcess;
  /** Each NDJSON event with the local time its line arrived (an upper bound of when it was emitted). */
  emissions: Emission[];
  stderr: () => string;
  /** Resolves once `n` events have arrived. */
  events(n: number, timeoutMs?: number): Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();
const leaks: Error[] = [];

const FAST_CLOCK = 'test/faults/fixtures/fastClock.ts';

function tail(args: string[], env: Record<string, string> = {}): Tail {
  const preload = env.ECS_FAST_CLOCK === undefined ? [] : ['--import', `./${FAST_CLOCK}`];
  const child = spawn(process.execPath, ['--import', 'tsx', ...preload, 'src/cli/main.ts', 'tail', ...args], { cwd: repoRoot, env: simEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const emissions: Emission[] = [];
  let partial = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const at = Date.now();
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line.trim()) emissions.push({ at, event: JSON.parse(line) as CallStreamEvent });
    for (const w of waiters) w();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let stdout = '';
  child.stdout!.on('data', (chunk: string) => (stdout += chunk));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child);
      // Whatever the fault, neither the NDJSON nor the log lines hold a secret.
      try {
        expectNoSecret(stdout, stderr);
      } catch (error) {
        leaks.push(error as Error);
      }
      for (const w of waiters) w();
      resolve({ code, signal });
    });
  });
  return {
    child,
    emissions,
    stderr: () => stderr,
    done,
    events: (n, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Timed out waiting for ${n} events (got ${emissions.length}); stderr: ${stderr.slice(-1500)}`)), timeoutMs);
        const check = () => {
          if (emissions.length >= n) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`tail exited (${child.exitCode ?? child.signalCode}) after ${emissions.length} events; stderr: ${stderr.slice(-1500)}`));
          }
        };
        waiters.add(check);
        check();
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let sim: Simulator;
let url: string;
let dir: string;
beforeAll(async () => {
  // Short calls, settling within a second, plenty of them: events every second or so.
  sim = createSimulator({
    seed: 51,
    traffic: {
      callsPerMinute: 150,
      startAt: Date.now() - 60_000,
      mix: { status: { completed: 40, busy: 30, failed: 20, 'no-answer': 0, canceled: 10 }, meanTalkSec: 2, shortMaxSec: 4, longShare: 0, veryLongShare: 0, correctionRate: 0 },
    },
    settleDelayMs: { min: 200, max: 800 },
    rateLimit: false,
  });
  ({ url } = await sim.listen());
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  expect(leaks).toEqual([]);
  for (const child of running) child.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Calls that ended between `from` and `to`, as the (real-time) simulator knows them. */
const endedBetween = (from: number, to: number): SimulatedCall[] => sim.calls().filter((t) => t.endAt >= from && t.endAt <= to);

describe('faults of the process', () => {
  it('kill -9 in the middle of a save: the next run takes over the lock, loads the last complete state, misses nothing, repeats only what was not yet saved', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ecs-kill-'));
    const store = join(dir, 'calls.json');
    const args = ['--base-url', url, '--poll-interval', '1s', '--lookback', '5m', '--settle', '5s', '--store', store, '--since', '5m'];
    const firstStart = Date.now();
    const kills = SOAK ? 12 : 2;
    const runs: Tail[] = [];
    let midSave = 0;
    const savedBeforeRun: Array<Set<string>> = [];
    const seen = new Set<string>();
    for (let k = 0; k < kills; k++) {
      savedBeforeRun.push(existsSync(store) ? new Set(Object.keys((JSON.parse(await readFile(store, 'utf8')) as { emitted: object }).emitted)) : new Set());
      const run = tail(args);
      runs.push(run);
      await run.events(runs.length === 1 ? 15 : 5);
      // The moment the third save from now creates its temporary file, the process is killed.
      await new Promise<void>((resolve) => {
        let saves = 0;
        const watcher = watch(dir, (_event, name) => {
          if (typeof name === 'string' && name.endsWith('.tmp') && run.child.exitCode === null && !seen.has(name)) {
            seen.add(name);
            if (++saves < 3) return;
            run.child.kill('SIGKILL');
            watcher.close();
            resolve();
          }
        });
      });
      expect((await run.done).signal).toBe('SIGKILL');
      // Left behind by the kill: the temporary file of a save that never completed.
      if ((await readdir(dir)).some((n) => n.endsWith('.tmp'))) midSave++;
      expect(existsSync(`${store}.lock`)).toBe(true);
    }
    savedBeforeRun.push(new Set(Object.keys((JSON.parse(await readFile(store, 'utf8')) as { emitted: object }).emitted)));
    const last = tail(args);
    runs.push(last);
    await last.events(10);
    await sleep(4_000);
    last.child.kill('SIGINT');
    expect((await last.done).code).toBe(0);
    const stoppedAt = Date.now();

    // Every run after a kill started: the killed process's lock was taken over.
    for (const run of runs.slice(1)) expect(run.stderr()).not.toMatch(/in use by process/);
    expect(midSave).toBeGreaterThanOrEqual(1);
    // A Sid a run emits again must be one the state it loaded did not hold: what the killed cycle had not saved.
    const emittedBefore = new Set<string>();
    for (const [i, run] of runs.entries()) {
      for (const e of run.emissions) {
        if (e.event.type === 'callUpdated') continue;
        if (emittedBefore.has(e.event.call.sid)) expect(savedBeforeRun[i]!.has(e.event.call.sid), `${e.event.call.sid} repeated though it was saved`).toBe(false);
      }
      for (const e of run.emissions) if (e.event.type !== 'callUpdated') emittedBefore.add(e.event.call.sid);
    }
    const all = runs.flatMap((r) => r.emissions);
    const truth = endedBetween(firstStart - 60_000, stoppedAt);
    const t = tally(all, truth, stoppedAt - 10_000, 5_000);
    expect(t.lost, t.problems.join('\n')).toBe(0);
    expect(t.early).toBe(0);
    expect(t.wrong).toBe(0);
    expect(t.expected).toBeGreaterThan(50);
    reportFault({
      id: 'process.kill-9-mid-save',
      fault: 'kill -9 during a save',
      injected: `\`exotel-calls tail --store\` killed with SIGKILL the moment the third save from then created its temporary file (${kills} times, ${midSave} of them before the rename), restarted each time`,
      duration: `${kills} kills in ~${Math.round((stoppedAt - firstStart) / 1000)} s`,
      expected: t.expected,
      lost: t.lost,
      duplicated: t.duplicated,
      early: t.early,
      userSaw: 'none (each run loads the last complete state; the torn temporary file is removed, the dead process\'s lock taken over)',
      file: FILE,
      test: 'kill -9 in the middle of a save',
      deterministic: false,
    });
    // The last run stopped cleanly: its lock is gone, and so is every temporary file.
    expect((await readdir(dir)).sort()).toEqual(['calls.json']);
  }, TIMEOUT);

  it('two processes pointed at one store file: the second is refused, naming the first; the first goes on', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ecs-two-'));
    const store = join(dir, 'calls.json');
    const args = ['--base-url', url, '--poll-interval', '1s', '--lookback', '5m', '--settle', '5s', '--store', store];
    const first = tail(args);
    await first.events(3);
    const second = tail(args);
    const refused = await second.done;
    const before = first.emissions.length;
    await first.events(before + 3);
    first.child.kill('SIGINT');
    expect((await first.done).code).toBe(0);

    const message = second.stderr().trim();
    // The error, without the progress line `tail` writes before it loads the store (`tail: watching …`).
    const refusal = message.split('\n').filter((line) => line.startsWith('exotel-calls ')).join(' ');
    reportFault({
      id: 'process.two-on-one-store',
      fault: 'two processes pointed at one store file',
      injected: 'a second `exotel-calls tail --store <same file>` started while the first runs',
      duration: 'while the first runs',
      expected: null,
      lost: null,
      duplicated: second.emissions.length,
      early: 0,
      userSaw: `exit ${refused.code}: ${stableMessage(refusal)}`,
      file: FILE,
      test: 'two processes pointed at one store file',
      deterministic: true,
    });
    expect(refused.code).toBe(1);
    expect(second.emissions).toEqual([]);
    expect(message).toContain(`is in use by process ${first.child.pid} on host`);
    expect(message).toContain('two streams must not share one store file');
    expect(refusal).toContain('two streams must not share one store file');
    expect(first.stderr()).not.toMatch(/warning/);
  }, TIMEOUT);

  it('suspended (SIGSTOP) for longer than the lookback, then resumed: catches up on everything that ended meanwhile', async () => {
    // The child's clock and the simulator's run 40 times faster than real time: a 3-minute
    // lookback passes in 4.5 s, a 5.5-minute suspension in 8 s.
    const speed = 40;
    const r0 = Date.now();
    const t0 = Date.UTC(2026, 0, 15, 6, 0, 0);
    const fake = (real: number) => t0 + (real - r0) * speed;
    const fast = createSimulator({
      seed: 52,
      clock: { now: () => fake(Date.now()) },
      traffic: { callsPerMinute: 20, startAt: t0 - 2 * 60_000, mix: { meanTalkSec: 20, shortMaxSec: 60, longShare: 0, veryLongShare: 0, correctionRate: 0 } },
      settleDelayMs: { min: 5_000, max: 20_000 },
      rateLimit: false,
    });
    const { url: fastUrl } = await fast.listen();
    try {
      const lookbackMs = 3 * 60_000;
      const stopMs = (SOAK ? 30 : 5.5) * 60_000;
      const run = tail(['--base-url', fastUrl, '--poll-interval', '1s', '--lookback', '3m', '--settle', '1m', '--since', '3m'], { ECS_FAST_CLOCK: `${speed},${t0},${r0}` });
      await run.events(3);
      await sleep(60_000 / speed);
      run.child.kill('SIGSTOP');
      const stoppedAt = fake(Date.now());
      await sleep(stopMs / speed);
      const resumedAt = fake(Date.now());
      run.child.kill('SIGCONT');
      await sleep((4 * 60_000) / speed);
      run.child.kill('SIGINT');
      expect((await run.done).code).toBe(0);
      const endAt = fake(Date.now());

      const emissions = run.emissions.map((e) => ({ ...e, at: fake(e.at) }));
      const truth = fast.calls().filter((t) => t.endAt >= fake(r0) - 3 * 60_000 && t.endAt <= endAt);
      // Within the promise: calls no longer than the lookback (none here is longer).
      expect(truth.every((t) => t.endAt - t.startAt < lookbackMs)).toBe(true);
      // Due: what ended 2 minutes (3 s of real time) before the end; a loaded machine slows the child's reads.
      const t = tally(emissions, truth, endAt - 120_000, 60_000);
      const duringStop = truth.filter((c) => c.endAt > stoppedAt && c.endAt < resumedAt);
      const caught = duringStop.filter((c) => emissions.some((e) => e.event.call.sid === c.sid)).length;
      const warnings = run.stderr().split('\n').filter((l) => l.includes('warning'));
      expect(duringStop.length).toBeGreaterThan(40);
      expect(caught).toBe(duringStop.length);
      expect(t.lost, t.problems.join('\n')).toBe(0);
      expect(t.duplicated).toBe(0);
      expect(t.early).toBe(0);
      reportFault({
        id: 'process.sigstop-beyond-lookback',
        fault: 'process suspended longer than the lookback',
        injected: `\`exotel-calls tail --lookback 3m\` stopped with SIGSTOP, then SIGCONT (its clock and the simulator's 40× real time)`,
        duration: `${stopMs / 60_000} min (lookback 3 min)`,
        expected: t.expected,
        lost: t.lost,
        duplicated: t.duplicated,
        early: t.early,
        userSaw: warnings.length === 0 ? 'none (the first cycle after SIGCONT reads back from where the last complete read ended, however long ago)' : warnings.map((w) => stableMessage(w)).join('; '),
        file: FILE,
        test: 'suspended (SIGSTOP)',
        deterministic: false,
      });
    } finally {
      await fast.close();
    }
  }, TIMEOUT);
});
