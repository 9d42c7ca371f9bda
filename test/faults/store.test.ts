/**
 * Faults of the store under a running stream, on real file systems: a disk that fills up, a
 * directory that turns read-only (or is read-only from the start), a store file torn by another
 * writer, and two streams pointed at one file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@sinonjs/fake-timers';
import { createSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/index.js';
import { fileStore } from '../../src/stores/fileStore.js';
import type { ExotelError } from '../../src/exotel/errors.js';
import { advance, installClock, observedStore, record, stopUnder, streamOn } from '../stream/harness.js';
import type { Emission } from '../stream/harness.js';
import { MINUTE, expectNoSecret, mountTmpfs, summarizeErrors, tally } from './helpers.js';
import type { MountedDir } from './helpers.js';
import { reportFault } from './reliability.js';
import type { FaultRow } from './reliability.js';

const FILE = 'test/faults/store.test.ts';
const T0 = Date.UTC(2026, 0, 15, 6, 0, 0);
const SETTLE_MS = 120_000;

let clock: Clock | undefined;
let mount: MountedDir | undefined;
let dir: string | undefined;
afterEach(async () => {
  clock?.uninstall();
  clock = undefined;
  try {
    mount?.remount('rw');
  } catch {
    // already writable, or gone
  }
  mount?.unmount();
  mount = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const simulator = (seed: number): Simulator =>
  createSimulator({ seed, traffic: { callsPerMinute: 3, startAt: T0 - 30 * MINUTE }, settleDelayMs: { min: 20_000, max: 90_000 } });

/** Writes until the file system is full: what is left is a real ENOSPC for the next write. */
function fillUp(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs a stream on `path` for `before + during + after` minutes with `fault` from the first mark to
 * the second, stops it, then runs a second stream on the same file (a restart) for 10 minutes.
 */
async function runAcrossFault(sim: Simulator, path: string, minutes: { before: number; during: number; after: number }, fault: { start(): void; end(): void }) {
  const log = { emissions: [] as Emission[], errors: [] as ExotelError[] };
  const firstRun = { emissions: [] as Emission[], errors: [] as ExotelError[] };
  const a = observedStore(fileStore(path));
  const stream = streamOn(sim, { store: a.store, settleMs: SETTLE_MS });
  record(stream, firstRun);
  await advance(clock!, minutes.before * MINUTE, 15_000, a.settled);
  fault.start();
  const faultFrom = Date.now();
  await advance(clock!, minutes.during * MINUTE, 15_000, a.settled);
  fault.end();
  const faultTo = Date.now();
  await advance(clock!, minutes.after * MINUTE, 15_000, a.settled);
  await stopUnder(clock!, stream);
  // How long a stop takes on the fake clock depends on real I/O: the restart begins at a planned
  // instant, a minute after the planned end, so that what follows is the same run after run.
  const restartAt = T0 + (minutes.before + minutes.during + minutes.after + 1) * MINUTE;
  await clock!.tickAsync(Math.max(0, restartAt - Date.now()));
  const saved = JSON.parse(await readFile(path, 'utf8')) as { checkpoint: number };
  const b = observedStore(fileStore(path));
  const restarted = streamOn(sim, { store: b.store, settleMs: SETTLE_MS });
  const secondRun = record(restarted);
  await advance(clock!, 10 * MINUTE, 15_000, b.settled);
  // Taken before the stop: how long a stop takes under the fake clock depends on real I/O.
  const endedAt = Date.now();
  await stopUnder(clock!, restarted);
  log.emissions.push(...firstRun.emissions, ...secondRun.emissions);
  log.errors.push(...firstRun.errors, ...secondRun.errors);
  expectNoSecret(log.errors);
  return { firstRun, secondRun, log, saved, faultFrom, faultTo, endedAt };
}

/** Counts a run across a store fault and reports its row; the failed saves are counted by kind, as their number follows real I/O. */
function reportAcrossFault(sim: Simulator, run: Awaited<ReturnType<typeof runAcrossFault>>, fields: Pick<FaultRow, 'id' | 'fault' | 'injected' | 'duration' | 'test'>) {
  const t = tally(run.log.emissions, sim.calls({ to: run.endedAt }), run.endedAt - SETTLE_MS - 3 * MINUTE, SETTLE_MS);
  reportFault({
    ...fields,
    expected: t.expected,
    lost: t.lost,
    duplicated: t.duplicated,
    early: t.early,
    userSaw: summarizeErrors(run.log.errors, [], { ERR_STORE: 'once per failed save' }),
    file: FILE,
    deterministic: true,
  });
  return t;
}

/** A stream on the store at `path` for a minute: for stores that refuse to start. */
async function startOn(path: string, seed: number) {
  clock = installClock(T0);
  const sim = simulator(seed);
  const { store, settled } = observedStore(fileStore(path));
  const stream = streamOn(sim, { store, settleMs: SETTLE_MS });
  const log = record(stream);
  let failure: unknown;
  stream.events$.subscribe({ error: (e: unknown) => (failure = e) });
  await advance(clock, MINUTE, 15_000, settled);
  await stopUnder(clock, stream);
  expectNoSecret(log.errors, failure);
  return { sim, log, failure };
}

/** The row of a fault that stops the stream before any call is due. */
const refusedAtStart = (id: string, fault: string, injected: string, test: string, errors: ReadonlyArray<ExotelError>) =>
  reportFault({ id, fault, injected, duration: 'from the start', expected: null, lost: null, duplicated: 0, early: 0, userSaw: summarizeErrors(errors), file: FILE, test, deterministic: true });

describe('store faults under a running stream', () => {
  it('a full disk (ENOSPC) for 5 minutes: each failed save reported, the state kept in memory and saved once space returns; a restart then repeats nothing', async () => {
    mount = mountTmpfs(128);
    const path = join(mount.dir, 'calls.json');
    const filler = join(mount.dir, 'filler');
    clock = installClock(T0);
    const sim = simulator(31);
    const run = await runAcrossFault(sim, path, { before: 5, during: 5, after: 5 }, { start: () => fillUp(filler), end: () => void unlink(filler) });

    const t = reportAcrossFault(sim, run, {
      id: 'store.enospc',
      fault: 'disk full on save (ENOSPC)',
      injected: 'a real 128 KiB tmpfs filled to the last byte under the running stream, then freed; restart on the same file after',
      duration: '5 min of 15 (15 s polls, a save each cycle), restart +10 min',
      test: 'a full disk',
    });
    const storeErrors = run.firstRun.errors.filter((e) => e.code === 'ERR_STORE');
    expect(t.problems).toEqual([]);
    // One report per failed save while the disk was full, none after.
    expect(storeErrors.length).toBeGreaterThanOrEqual(10);
    for (const e of storeErrors) expect(e.message).toMatch(/^Cannot write the call stream state file: ENOSPC \(no space left on device\) \(.*calls\.json\)$/);
    expect(run.firstRun.errors.filter((e) => e.code !== 'ERR_STORE')).toEqual([]);
    // Events went on while nothing could be saved.
    expect(run.firstRun.emissions.filter((e) => e.at > run.faultFrom && e.at < run.faultTo).length).toBeGreaterThan(5);
    // After the disk had room again, the whole state was saved: the checkpoint is the stop's.
    expect(run.saved.checkpoint).toBeGreaterThan(run.faultTo);
    expect(run.secondRun.errors).toEqual([]);
    expect(run.secondRun.emissions.filter((e) => e.event.type !== 'callUpdated' && run.firstRun.emissions.some((f) => f.event.call.sid === e.event.call.sid && f.event.type !== 'callUpdated'))).toEqual([]);
  });

  it('a store directory that turns read-only (EROFS) for 5 minutes, then writable again: reported, nothing lost, saved after', async () => {
    mount = mountTmpfs(256);
    const path = join(mount.dir, 'calls.json');
    clock = installClock(T0);
    const sim = simulator(32);
    const run = await runAcrossFault(sim, path, { before: 5, during: 5, after: 5 }, { start: () => mount!.remount('ro'), end: () => mount!.remount('rw') });

    const t = reportAcrossFault(sim, run, {
      id: 'store.readonly-mid-run',
      fault: 'store directory turns read-only while running',
      injected: 'a real tmpfs remounted read-only under the running stream, then read-write; restart after',
      duration: '5 min of 15, restart +10 min',
      test: 'turns read-only',
    });
    const storeErrors = run.firstRun.errors.filter((e) => e.code === 'ERR_STORE');
    expect(t.problems).toEqual([]);
    expect(storeErrors.length).toBeGreaterThanOrEqual(10);
    for (const e of storeErrors) expect(e.message).toMatch(/EROFS \(the file system is read-only\)/);
    expect(run.saved.checkpoint).toBeGreaterThan(run.faultTo);
    expect(run.secondRun.errors).toEqual([]);
  });

  it('a store directory read-only from the start: the stream refuses to start, naming the lock it cannot make, and sends nothing', async () => {
    mount = mountTmpfs(64);
    const path = join(mount.dir, 'calls.json');
    const seeded = fileStore(path);
    await seeded.save({ version: 1, checkpoint: T0 - 10 * MINUTE, emitted: {} });
    await seeded.close?.();
    mount.remount('ro');
    const { sim, log, failure } = await startOn(path, 33);
    refusedAtStart('store.readonly-at-start', 'store directory read-only from the start', 'a real tmpfs mounted read-only, holding a valid state file', 'read-only from the start', log.errors);
    expect(failure).toMatchObject({ code: 'ERR_STORE', fatal: true });
    expect((failure as Error).message).toMatch(/^Could not load the stream's state: Cannot create the lock file .*calls\.json\.lock: EROFS \(the file system is read-only\); the store .*calls\.json could never be saved there$/);
    expect(log.emissions).toEqual([]);
    expect(sim.history).toEqual([]);
  });

  it('a store file torn by another writer: refused with a clear error, never read as empty', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ecs-torn-'));
    const path = join(dir, 'calls.json');
    const good = fileStore(path);
    const emitted = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`sid${i}`, { dateCreated: T0 - i * MINUTE, fingerprint: '[1,"completed"]' }]));
    await good.save({ version: 1, checkpoint: T0 - MINUTE, emitted });
    await good.close?.();
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, Math.floor(text.length * 0.6)));
    const { log } = await startOn(path, 34);
    refusedAtStart('store.torn-file', 'store file torn by another writer (cut at 60 %)', 'the state file truncated by hand before the start', 'torn by another writer', log.errors);
    expect(log.errors).toHaveLength(1);
    expect(log.errors[0]).toMatchObject({ code: 'ERR_STORE', fatal: true });
    expect(log.errors[0]!.message).toMatch(/not valid JSON \(\d+ characters; truncated or written by something else\?\)\. Move it aside to start fresh/);
    expect(log.emissions).toEqual([]);
    // The torn file is left as it was, for whoever looks into it.
    expect(await readFile(path, 'utf8')).toBe(text.slice(0, Math.floor(text.length * 0.6)));
  });
});
