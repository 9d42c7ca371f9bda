import { createSimulator } from '../src/simulator/createSimulator.js';
import { SimulatorDispatcher } from '../src/simulator/SimulatorDispatcher.js';
import { createCallStream } from '../src/stream/createCallStream.js';
import { installClock, stopUnder } from './clock.js';
import { formatNaive } from '../src/exotel/time.js';
import { readCallPage } from '../src/exotel/paging.js';
import { normalizeCall } from '../src/exotel/normalizeCall.js';
import { CallTracker } from '../src/engine/CallTracker.js';
import { defaultIsSettled } from '../src/engine/defaultIsSettled.js';

export interface MemoryPoint {
  hour: number;
  /** Heap after a full GC, everything in the process. */
  heapBytes: number;
  /** The simulator's share of it (an identical world built on its own, measured the same way). */
  simulatorBytes: number;
  /** What remains for the stream: heap − simulator − the heap before either existed. */
  streamBytes: number;
  trackedCalls: number;
  bytesPerTrackedCall: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2026, 0, 15, 3, 30, 0);

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with `node --expose-gc` (e.g. `NODE_OPTIONS=--expose-gc npm run bench -- --only memory`)');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Heap an identical simulated world takes at `now`, built apart and dropped again. */
function simulatorHeap(seed: number, callsPerMinute: number, now: number): number {
  const before = heap();
  let probe: ReturnType<typeof createSimulator> | undefined = createSimulator({ clock: { now: () => now }, seed, traffic: { callsPerMinute, startAt: T0 } });
  // Generates every chunk up to now, as the stream's reads did.
  probe.calls({ from: now - MINUTE, to: now }).length;
  const after = heap();
  probe = undefined;
  void probe;
  return after - before;
}

/**
 * The stream with default options at `callsPerMinute` for the longest of `hours`, measuring the
 * heap at each of them. The simulator keeps every call it ever generated; its share is measured
 * on an identical world and taken out, so what is reported is the stream's (tracker, planner,
 * memory store, client).
 */
export async function runMemory({
  hours = [1, 6, 24],
  callsPerMinute = 1000,
  seed = 5,
  log = (_: string) => {},
  onPoint = (_: MemoryPoint[]) => {},
}: { hours?: number[]; callsPerMinute?: number; seed?: number; log?: (line: string) => void; onPoint?: (points: MemoryPoint[]) => void } = {}): Promise<MemoryPoint[]> {
  const base = heap();
  const clock = installClock(T0);
  const points: MemoryPoint[] = [];
  try {
    const sim = createSimulator({ seed, traffic: { callsPerMinute, startAt: T0 } });
    // Default options: the memory store is saved when the stream stops (its `saveIntervalMs` is Infinity).
    const stream = createCallStream({ accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token', baseUrl: 'http://127.0.0.1:1', dispatcher: new SimulatorDispatcher(sim) });
    let emitted = 0;
    stream.events$.subscribe({ next: () => void emitted++, error: () => {} });
    stream.start();
    const last = Math.max(...hours);
    for (let minute = 1; minute <= last * 60; minute++) {
      await clock.tickAsync(MINUTE);
      sim.history.length = 0;
      if (minute % 60 === 0 && hours.includes(minute / 60)) {
        const total = heap();
        const simulatorBytes = simulatorHeap(seed, callsPerMinute, Date.now());
        const streamBytes = total - simulatorBytes - base;
        const trackedCalls = stream.trackedCalls;
        points.push({ hour: minute / 60, heapBytes: total, simulatorBytes, streamBytes, trackedCalls, bytesPerTrackedCall: streamBytes / trackedCalls });
        onPoint(points);
        log(`  memory hour ${minute / 60}: heap ${(total / 2 ** 20).toFixed(1)} MiB, simulator ${(simulatorBytes / 2 ** 20).toFixed(1)} MiB, stream ${(streamBytes / 2 ** 20).toFixed(1)} MiB, ${trackedCalls} tracked, ${emitted} events`);
      }
    }
    await stopUnder(clock, () => stream.stop());
  } finally {
    clock.uninstall();
  }
  return points;
}

export interface SaveCost {
  trackedCalls: number;
  /** The tracker's heap per emitted call before any save. */
  bytesPerCall: number;
  /** The same once a store has asked for the state: each call's fingerprint is then kept too. */
  bytesPerCallSaved: number;
}

/**
 * What a store that is saved while the stream runs (every cycle by default, as `fileStore` is)
 * adds per tracked call: the first save builds each emitted call's fingerprint, which the tracker
 * keeps from then on. A tracker alone, fed every page of 3 hours of calls at 1,000 a minute.
 */
export async function runSaveCost(): Promise<SaveCost> {
  const start = T0;
  const now = start + 3 * HOUR;
  const sim = createSimulator({ clock: { now: () => now }, seed: 3, traffic: { callsPerMinute: 1000, startAt: start }, rateLimit: false });
  // Generates every call up to now first, so that the heap grows only by what the tracker keeps.
  sim.calls({ from: now - MINUTE, to: now }).length;
  const context = { method: 'GET', url: 'http://127.0.0.1:1/v1/Accounts/acme1/Calls.json', path: '/v1/Accounts/acme1/Calls.json', serverDate: null, status: 200 };
  const authorization = `Basic ${Buffer.from('sim-key:sim-token').toString('base64')}`;
  const before = heap();
  const tracker = new CallTracker({ settleMs: 300_000, isSettled: defaultIsSettled, lookbackMs: 7_200_000 });
  let url: string | null = `/v1/Accounts/acme1/Calls.json?PageSize=100&SortBy=DateCreated:asc&DateCreated=gte:${encodeURIComponent(formatNaive(start, 'Asia/Kolkata'))}`;
  while (url !== null) {
    const body = JSON.parse((await sim.handle({ method: 'GET', url, headers: { authorization } })).body) as { Metadata: { NextPageUri: string | null } };
    for (const raw of readCallPage(body, context).calls) tracker.observe(normalizeCall(raw, { timeZone: 'Asia/Kolkata' }), now);
    url = body.Metadata.NextPageUri;
  }
  const kept = heap() - before;
  let state: ReturnType<CallTracker['emittedState']> | undefined = tracker.emittedState();
  const trackedCalls = Object.keys(state).length;
  state = undefined;
  const saved = heap() - before;
  return { trackedCalls, bytesPerCall: kept / tracker.size, bytesPerCallSaved: saved / tracker.size };
}
