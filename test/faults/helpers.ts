/**
 * Helpers of the fault tests: counting what a stream did against the simulator's ground truth,
 * summing up what the user saw, and real file systems that fill up or turn read-only.
 */
import { execFileSync } from 'node:child_process';
import { inspect } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emission } from '../stream/harness.js';
import type { SimulatedCall } from '../../src/simulator/types.js';

export const MINUTE = 60_000;

export interface Tally {
  /** Calls that ended (and could settle) before the due time: each must be emitted once. */
  expected: number;
  /** Expected calls never emitted. */
  lost: number;
  /** Sids emitted more than once as `callCompleted`/`callFailed`. */
  duplicated: number;
  /** First emissions before the call ended, or unsettled before `settleMs` held it. */
  early: number;
  /** Emissions on the wrong stream (`callFailed` for a completed call, …). */
  wrong: number;
  /** Problems, one line each, for assertion messages. */
  problems: string[];
}

/**
 * Counts a run against the truth: every call that ended before `dueBy` must have been emitted once,
 * on its stream, never before it ended, nor unsettled before it was held `settleMs`. A call
 * emitted at an unknown time (`at` NaN: a real process, its line arrival unknown) is not judged early.
 */
export function tally(emissions: Emission[], truth: SimulatedCall[], dueBy: number, settleMs: number): Tally {
  const firsts = new Map<string, Emission>();
  const problems: string[] = [];
  let duplicated = 0;
  let early = 0;
  let wrong = 0;
  for (const e of emissions) {
    if (e.event.type === 'callUpdated') continue;
    const sid = e.event.call.sid;
    if (firsts.has(sid)) {
      duplicated++;
      problems.push(`${sid} emitted twice`);
    } else {
      firsts.set(sid, e);
    }
  }
  const bySid = new Map(truth.map((t) => [t.sid, t]));
  for (const [sid, e] of firsts) {
    const t = bySid.get(sid);
    if (!t) {
      problems.push(`${sid} emitted but unknown to the simulator`);
      continue;
    }
    const type = t.status === 'completed' ? 'callCompleted' : 'callFailed';
    if (e.event.type !== type) {
      wrong++;
      problems.push(`${sid} (${t.status}) emitted as ${e.event.type}`);
    }
    if (Number.isFinite(e.at) && (e.at < t.endAt || (e.at < t.settledAt && e.at - t.endAt < settleMs))) {
      early++;
      problems.push(`${sid} emitted early at ${e.at} (ended ${t.endAt}, settled ${t.settledAt})`);
    }
  }
  const due = truth.filter((t) => t.endAt <= dueBy);
  const missing = due.filter((t) => !firsts.has(t.sid));
  for (const t of missing.slice(0, 20)) problems.push(`${t.sid} (${t.status}, started ${new Date(t.startAt).toISOString()}, ended ${new Date(t.endAt).toISOString()}) never emitted`);
  return { expected: due.length, lost: missing.length, duplicated, early, wrong, problems };
}

/** What varies from run to run in a message (temporary paths, ports, pids, hosts, instants, counts of characters), made stable. */
export function stableMessage(message: string, replace: Array<[string | RegExp, string]> = []): string {
  let m = message;
  for (const [from, to] of replace) m = typeof from === 'string' ? m.split(from).join(to) : m.replace(from, to);
  return m
    .replace(/\/tmp\/[\w.-]+/g, '<dir>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
    .replace(/process \d+ on host "[^"]*"/g, 'process <pid> on host "<host>"')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, '<time>')
    .replace(/\(\d+ characters/g, '(<n> characters');
}

/**
 * `ERR_STORE ×3: <message of the first>; ERR_EXOTEL_HTTP ×2: <…>`: each code once, with how many
 * times it came and its first message, in the order first seen; `none` when nothing came. A count
 * that depends on real I/O (how many saves a fake minute holds) is written as `countAs` says.
 */
export function summarizeErrors(
  errors: ReadonlyArray<{ code: string; message: string; fatal?: boolean }>,
  replace: Array<[string | RegExp, string]> = [],
  countAs: Record<string, string> = {},
): string {
  const byCode = new Map<string, { count: number; message: string; fatal: boolean }>();
  for (const e of errors) {
    const entry = byCode.get(e.code);
    if (entry) entry.count++;
    else byCode.set(e.code, { count: 1, message: stableMessage(e.message, replace), fatal: e.fatal === true });
  }
  if (byCode.size === 0) return 'none';
  return [...byCode].map(([code, { count, message, fatal }]) => `${code} ${countAs[code] ?? `×${count}`}${fatal ? ' (fatal)' : ''}: ${message}`).join('; ');
}

export interface MountedDir {
  dir: string;
  /** Makes the file system read-only, or writable again. */
  remount(mode: 'ro' | 'rw'): void;
  unmount(): void;
}

/**
 * A real tmpfs of `sizeKiB` on a fresh directory: a full disk gives a real ENOSPC, a read-only
 * mount a real EROFS. Needs root (CI runs as root) and a kernel that lets it mount; otherwise the
 * test fails saying so, rather than pretending with a fake file system.
 */
export function mountTmpfs(sizeKiB: number, mode: 'ro' | 'rw' = 'rw'): MountedDir {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-mount-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0755,${mode}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const why = error instanceof Error && 'stderr' in error ? String((error as { stderr: unknown }).stderr).trim() : String(error);
    throw new Error(
      `This test needs a real file system to fill up or turn read-only: \`mount -t tmpfs\` failed (${why || 'no reason given'}). ` +
        `Run the tests as root on Linux (as CI does); uid is ${process.getuid?.() ?? 'unknown'}.`,
    );
  }
  let mounted = true;
  return {
    dir,
    remount(next) {
      execFileSync('mount', ['-o', `remount,${next}`, dir], { stdio: 'pipe' });
    },
    unmount() {
      if (!mounted) return;
      mounted = false;
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The simulator's default credentials, as the fault tests' streams use them. */
const SIM_SECRETS = ['sim-token', Buffer.from('sim-key:sim-token').toString('base64')];

/**
 * Throws when the default token, or its base64 `key:token` form, is anywhere in what a fault test
 * saw: errors (message, stack, fields, causes, `util.inspect`), events, output. The full sweep with
 * a distinctive token is test/faults/secrets.test.ts; this keeps every fault test honest too.
 */
export function expectNoSecret(...values: unknown[]): void {
  const texts: string[] = [];
  const seen = new Set<unknown>();
  const visit = (v: unknown, depth: number): void => {
    if (v === null || v === undefined || seen.has(v) || depth > 8) return;
    if (typeof v === 'string') return void texts.push(v);
    if (typeof v !== 'object') return;
    seen.add(v);
    if (v instanceof Error) texts.push(v.message, v.stack ?? '', inspect(v, { showHidden: true, depth: 4 }));
    for (const key of Reflect.ownKeys(v)) visit((v as Record<PropertyKey, unknown>)[key], depth + 1);
    if (v instanceof Error) visit(v.cause, depth + 1);
  };
  for (const v of values) visit(v, 0);
  const all = texts.join('\n');
  const found = SIM_SECRETS.filter((s) => all.includes(s));
  if (found.length > 0) throw new Error(`A secret leaked: ${found.join(', ')}`);
}
