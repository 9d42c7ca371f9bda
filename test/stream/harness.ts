import FakeTimers from '@sinonjs/fake-timers';
import { afterEach } from 'vitest';
import type { Clock } from '@sinonjs/fake-timers';
import type { CallStream } from '../../src/stream/CallStream.js';
import { createCallStream } from '../../src/stream/createCallStream.js';
import { SimulatorDispatcher } from '../../src/simulator/SimulatorDispatcher.js';
import type { Simulator } from '../../src/simulator/index.js';
import type { CallStreamEvent, CallStreamOptions, Store } from '../../src/stream/types.js';
import type { ExotelError } from '../../src/exotel/errors.js';
import type { SimulatedCall } from '../../src/simulator/types.js';

/** A fake clock for Date and the timer functions; setImmediate and microtasks stay real, so I/O and promises run. */
export function installClock(now: number): Clock {
  return FakeTimers.install({ now, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], shouldAdvanceTime: false });
}

/**
 * For a test file: returns `installClock` for use inside tests, and uninstalls every clock a test
 * installed once it ends (newest first, so the real timers come back whatever the test did).
 */
export function clockPerTest(): (now: number) => Clock {
  const installed: Clock[] = [];
  afterEach(() => {
    while (installed.length > 0) installed.pop()!.uninstall();
  });
  return (now) => {
    const clock = installClock(now);
    installed.push(clock);
    return clock;
  };
}

export interface Emission {
  at: number;
  event: CallStreamEvent;
}

/** Records every event (with the fake clock's time) and error of a stream. */
export function record(stream: CallStream, into: { emissions: Emission[]; errors: ExotelError[] } = { emissions: [], errors: [] }) {
  stream.events$.subscribe({ next: (event) => into.emissions.push({ at: Date.now(), event }), error: () => {} });
  stream.errors$.subscribe((error) => into.errors.push(error));
  return into;
}

export const SIM_ACCOUNT = { accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token' } as const;

/** A stream on a simulator answered in process, at the suites' usual cadence (15 s polls, 1 h lookback, 2 min settleMs). */
export function streamOn(sim: Simulator, options: Partial<CallStreamOptions> = {}): CallStream {
  return createCallStream({
    ...SIM_ACCOUNT,
    baseUrl: 'http://127.0.0.1:9',
    dispatcher: new SimulatorDispatcher(sim),
    pollIntervalMs: 15_000,
    lookbackMs: 3_600_000,
    settleMs: 120_000,
    ...options,
  });
}

/** Which stream a simulated call must appear on. */
export const expectedType = (truth: SimulatedCall) => (truth.status === 'completed' ? 'callCompleted' : 'callFailed');

/**
 * Checks the delivery invariants against the simulator's ground truth: every call that ended
 * before `dueBy` emitted exactly once, on the right stream; no first emission before the call
 * ended, nor before it settled unless it was held `settleMs`; nothing emitted twice.
 * Returns the first emission per Sid.
 */
export function checkDelivery(emissions: Emission[], truth: SimulatedCall[], dueBy: number, settleMs: number): Map<string, Emission> {
  const firsts = new Map<string, Emission>();
  const problems: string[] = [];
  for (const e of emissions) {
    if (e.event.type === 'callUpdated') continue;
    const sid = e.event.call.sid;
    if (firsts.has(sid)) problems.push(`${sid} emitted twice (${e.event.type})`);
    else firsts.set(sid, e);
  }
  const bySid = new Map(truth.map((t) => [t.sid, t]));
  for (const [sid, e] of firsts) {
    const t = bySid.get(sid);
    if (!t) {
      problems.push(`${sid} emitted but unknown to the simulator`);
      continue;
    }
    if (e.event.type !== expectedType(t)) problems.push(`${sid} (${t.status}) emitted as ${e.event.type}`);
    if (e.at < t.endAt) problems.push(`${sid} emitted at ${e.at}, before it ended at ${t.endAt}`);
    if (e.at < t.settledAt && e.at - t.endAt < settleMs) problems.push(`${sid} emitted unsettled ${e.at - t.endAt} ms after it ended (settleMs ${settleMs})`);
  }
  for (const t of truth) {
    if (t.endAt <= dueBy && !firsts.has(t.sid)) problems.push(`${t.sid} (${t.status}, ${t.startAt}..${t.endAt}, settled ${t.settledAt}) never emitted`);
  }
  if (problems.length > 0) throw new Error(`${problems.length} delivery problems:\n${problems.slice(0, 20).join('\n')}`);
  return firsts;
}

/**
 * `stream.stop()` under a fake clock: Bottleneck yields to the event loop with `setTimeout(0)`
 * while it stops, so the clock must keep moving until the stop has resolved.
 */
export async function stopUnder(clock: Clock, stream: CallStream): Promise<void> {
  let done = false;
  const stopping = stream.stop().finally(() => {
    done = true;
  });
  for (let i = 0; !done && i < 10_000; i++) await clock.tickAsync(1);
  await stopping;
}

/** A store wrapper that knows when a load or save is in flight, and can "crash": stop persisting anything. */
export function observedStore(inner: Store) {
  let inFlight = 0;
  let crashed = false;
  const store: Store = {
    async load() {
      inFlight += 1;
      try {
        return await inner.load();
      } finally {
        inFlight -= 1;
      }
    },
    async save(state) {
      if (crashed) return;
      inFlight += 1;
      try {
        await inner.save(state);
      } finally {
        inFlight -= 1;
      }
    },
    close: async () => inner.close?.(),
  };
  return {
    store,
    /** From now on, saves vanish (the process died before they reached the disk). */
    crash() {
      crashed = true;
    },
    /** Resolves once no load or save is in flight (real I/O, so real event-loop turns). */
    async settled() {
      for (let i = 0; inFlight > 0 && i < 100_000; i++) await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

/** Advances the fake clock in poll-sized steps, letting real store I/O finish between steps. */
export async function advance(clock: Clock, ms: number, stepMs: number, settled: () => Promise<void>): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    // A load still reading the file must not see the clock race past it.
    await settled();
    await clock.tickAsync(Math.min(stepMs, ms - done));
    await settled();
  }
}
