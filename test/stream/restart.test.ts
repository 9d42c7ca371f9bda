import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@sinonjs/fake-timers';
import { createSimulator } from '../../src/simulator/index.js';
import { createCallStream } from '../../src/stream/createCallStream.js';
import { fileStore } from '../../src/stores/fileStore.js';
import { SimulatorDispatcher } from '../../src/simulator/SimulatorDispatcher.js';
import { SIM_ACCOUNT, advance, checkDelivery, installClock, observedStore, record, stopUnder } from './harness.js';
import type { Emission } from './harness.js';
import type { ExotelError } from '../../src/exotel/errors.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 15, 8, 0, 0);

let clock: Clock | undefined;
let dir: string | undefined;
afterEach(async () => {
  clock?.uninstall();
  clock = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('restarts on a fileStore', () => {
  it('misses nothing and repeats nothing across stop/start while calls keep happening', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ecs-restart-'));
    const path = join(dir, 'calls.json');
    clock = installClock(T0);
    const sim = createSimulator({
      seed: 21,
      traffic: { callsPerMinute: 2, mix: { longShare: 0.05, correctionRate: 0.1 } },
      settleDelayMs: { min: 20_000, max: 150_000 },
    });
    const settleMs = 180_000;
    const emissions: Emission[] = [];
    const errors: ExotelError[] = [];
    // Up 30 min, down 20 min, five times; then up an hour.
    const sessions = [30, 30, 30, 30, 30, 60];
    for (const [i, minutes] of sessions.entries()) {
      const { store, settled } = observedStore(fileStore(path));
      const stream = createCallStream({
        ...SIM_ACCOUNT,
        baseUrl: 'http://127.0.0.1:9',
        dispatcher: new SimulatorDispatcher(sim),
        pollIntervalMs: 15_000,
        lookbackMs: 2 * 3_600_000,
        settleMs,
        store,
        // A clean stop always saves; between stops a save a minute is plenty and keeps fsyncs few.
        saveIntervalMs: 60_000,
      });
      record(stream, { emissions, errors });
      await advance(clock, minutes * MINUTE, 15_000, settled);
      await stopUnder(clock, stream);
      if (i < sessions.length - 1) await clock.tickAsync(20 * MINUTE);
    }
    expect(errors).toEqual([]);
    const end = Date.now();
    const truth = sim.calls();
    const firsts = checkDelivery(emissions, truth, end - settleMs - 3 * MINUTE, settleMs);
    expect(firsts.size).toBeGreaterThan(250);
    // Calls that ended while nothing polled were caught up.
    const downtimeEnds = truth.filter((t) => [0, 1, 2, 3, 4].some((i) => t.endAt >= T0 + (50 * i + 30) * MINUTE && t.endAt < T0 + (50 * i + 50) * MINUTE));
    expect(downtimeEnds.length).toBeGreaterThan(50);
    for (const t of downtimeEnds) if (t.endAt < end - settleMs - 3 * MINUTE) expect(firsts.has(t.sid)).toBe(true);
  });

  it('after a crash mid-write (a half-written temp file, saves lost) still loads, misses nothing, repeats only what the lost saves held', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ecs-crash-'));
    const path = join(dir, 'calls.json');
    clock = installClock(T0);
    const sim = createSimulator({ seed: 22, traffic: { callsPerMinute: 2 }, settleDelayMs: { min: 20_000, max: 120_000 } });
    const settleMs = 180_000;
    const make = (store: ReturnType<typeof observedStore>['store']) =>
      createCallStream({ ...SIM_ACCOUNT, baseUrl: 'http://127.0.0.1:9', dispatcher: new SimulatorDispatcher(sim), pollIntervalMs: 15_000, lookbackMs: 7_200_000, settleMs, store });

    const first = observedStore(fileStore(path));
    const a = make(first.store);
    const before = record(a);
    await advance(clock, 40 * MINUTE, 15_000, first.settled);
    // The process dies: what it emits from here on never reaches the disk, and a temp file is left half-written.
    first.crash();
    const crashAt = Date.now();
    // Calls that surely end, settle and go out between the crash and the stop.
    for (let i = 0; i < 3; i++) sim.addCall({ startAt: crashAt + (10 + i * 20) * 1000, talkMs: 20_000, settleDelayMs: 10_000 });
    await advance(clock, 5 * MINUTE, 15_000, first.settled);
    await stopUnder(clock, a);
    await writeFile(`${path}.${process.pid}.deadbeef.tmp`, '{"version":1,"checkpoint":17640000');
    await clock.tickAsync(10 * MINUTE);

    const second = observedStore(fileStore(path));
    const b = make(second.store);
    const after = record(b);
    await advance(clock, 40 * MINUTE, 15_000, second.settled);
    await stopUnder(clock, b);
    expect(after.errors).toEqual([]);
    // The leftover temp file is gone; the store file is valid JSON.
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    const end = Date.now();
    const firstsBefore = new Set(before.emissions.filter((e) => e.event.type !== 'callUpdated').map((e) => e.event.call.sid));
    const lostSaves = new Set(before.emissions.filter((e) => e.event.type !== 'callUpdated' && e.at >= crashAt - 15_000).map((e) => e.event.call.sid));
    const repeated = after.emissions.filter((e) => e.event.type !== 'callUpdated' && firstsBefore.has(e.event.call.sid)).map((e) => e.event.call.sid);
    // What the lost saves held is emitted again (at least once across a crash), and nothing else.
    expect(repeated.length).toBeGreaterThan(0);
    for (const sid of repeated) expect(lostSaves.has(sid), `${sid} repeated though its save had landed`).toBe(true);
    // Across both runs, with the repeats counted once, nothing is missing.
    const union = [...before.emissions, ...after.emissions.filter((e) => e.event.type === 'callUpdated' || !firstsBefore.has(e.event.call.sid))];
    checkDelivery(union, sim.calls(), end - settleMs - 3 * MINUTE, settleMs);
  });
});

describe('a restart before the first catch-up completed', () => {
  it('owes what the first run owed: a stop while every request was refused, down longer than the lookback, misses nothing that started meanwhile', async () => {
    clock = installClock(T0);
    const sim = createSimulator({ seed: 12, settleDelayMs: 20_000 });
    const { memoryStore } = await import('../../src/stores/memoryStore.js');
    // A store that outlives the streams (memoryStore keeps its state while the process lives).
    const store = memoryStore();
    const options = { ...SIM_ACCOUNT, baseUrl: 'http://127.0.0.1:9', dispatcher: new SimulatorDispatcher(sim), pollIntervalMs: 18_000, lookbackMs: MINUTE, settleMs: 0, store } as const;
    const emissions: Emission[] = [];
    const errors: ExotelError[] = [];
    // Every request refused (429) for the first run's three minutes: nothing is ever read.
    sim.inject({ kind: 'rate-limit', rate: 1, retryAfterSeconds: 1 });
    const first = createCallStream(options);
    record(first, { emissions, errors });
    await clock.tickAsync(3 * MINUTE);
    await stopUnder(clock, first);
    sim.clearFaults();
    // Down seven minutes; a call starts and settles five minutes before the restart.
    const call = sim.addCall({ startAt: Date.now() + 2 * MINUTE, talkMs: 50_000 });
    await clock.tickAsync(7 * MINUTE);
    const second = createCallStream(options);
    record(second, { emissions, errors });
    await clock.tickAsync(5 * MINUTE);
    await stopUnder(clock, second);
    expect(errors.filter((e) => e.code !== 'ERR_EXOTEL_RATE_LIMITED')).toEqual([]);
    expect(emissions.map((e) => e.event.call.sid)).toEqual([call.sid]);
  });
});
