/**
 * Helpers of the contract tests. Like the tests, they see the library only through its public
 * entry points: `exotel-call-stream` and `exotel-call-stream/simulator`.
 */
import FakeTimers from '@sinonjs/fake-timers';
import type { Clock } from '@sinonjs/fake-timers';
import type { Observable } from 'rxjs';
import { createCallStream } from 'exotel-call-stream';
import type { CallStream, CallStreamEvent, CallStreamOptions, ExotelError, Store } from 'exotel-call-stream';
import { SimulatorDispatcher, createSimulator } from 'exotel-call-stream/simulator';
import type { SimulatedCall, Simulator, SimulatorOptions } from 'exotel-call-stream/simulator';

export const MINUTE = 60_000;
export const T0 = Date.UTC(2026, 0, 15, 6, 0, 0);
export const ACCOUNT = { accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token' } as const;

/** Fakes Date and the timer functions; setImmediate, microtasks and I/O stay real. */
export function installClock(now = T0): Clock {
  return FakeTimers.install({ now, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], shouldAdvanceTime: false });
}

/** A simulator answered in process (no socket) and a stream on it, as the simulator's docs show. */
export function simulatedStream(options: Partial<CallStreamOptions> = {}, simOptions: SimulatorOptions = {}): { sim: Simulator; stream: CallStream } {
  const sim = createSimulator({ seed: 11, settleDelayMs: 30_000, ...simOptions });
  const stream = createCallStream({
    ...ACCOUNT,
    baseUrl: 'http://127.0.0.1:9',
    dispatcher: new SimulatorDispatcher(sim),
    pollIntervalMs: 15_000,
    lookbackMs: 3_600_000,
    settleMs: 120_000,
    ...options,
  });
  return { sim, stream };
}

/** Everything an observable did: its values, whether it completed, its error. */
export function watch<T>(source: Observable<T>) {
  const state = { values: [] as T[], completed: false, error: undefined as unknown };
  source.subscribe({ next: (v) => state.values.push(v), complete: () => (state.completed = true), error: (e: unknown) => (state.error = e) });
  return state;
}

/** Every event (with the fake clock's time) and error of a stream. */
export function record(stream: CallStream) {
  const log = { events: [] as Array<{ at: number; event: CallStreamEvent }>, errors: [] as ExotelError[] };
  stream.events$.subscribe({ next: (event) => log.events.push({ at: Date.now(), event }), error: () => {} });
  stream.errors$.subscribe((error) => log.errors.push(error));
  return log;
}

/** The stream a call must appear on. */
export const streamOf = (truth: SimulatedCall): 'callCompleted' | 'callFailed' => (truth.status === 'completed' ? 'callCompleted' : 'callFailed');

/** `stop()` under a fake clock: the limiter yields with `setTimeout(0)` while stopping, so time must move. */
export async function stopUnder(clock: Clock, stream: CallStream): Promise<void> {
  let done = false;
  const stopping = stream.stop().finally(() => (done = true));
  for (let i = 0; !done && i < 10_000; i++) await clock.tickAsync(1);
  await stopping;
}

/**
 * A store that knows when a load or save is in flight: a file store does real I/O, which a fake
 * clock does not wait for, so tests let it finish (`idle()`) before moving time on.
 */
export function ioAwareStore(inner: Store) {
  let inFlight = 0;
  const track = async <T>(work: () => Promise<T>): Promise<T> => {
    inFlight += 1;
    try {
      return await work();
    } finally {
      inFlight -= 1;
    }
  };
  const store: Store = {
    load: () => track(() => inner.load()),
    save: (state) => track(() => inner.save(state)),
    close: async () => inner.close?.(),
  };
  const idle = async (): Promise<void> => {
    for (let i = 0; i < 100_000 && inFlight > 0; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return { store, idle };
}

/** Advances a fake clock in steps, letting real I/O (`idle`) finish before and after each. */
export async function advance(clock: Clock, ms: number, idle: () => Promise<void>, stepMs = 1_000): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    await idle();
    await clock.tickAsync(Math.min(stepMs, ms - done));
  }
  await idle();
}

/** Everything a value could leak a secret through: message, stack, own fields, causes. */
export function everythingAbout(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (value === null || value === undefined || seen.has(value)) return;
    seen.add(value);
    if (typeof value !== 'object') {
      parts.push(String(value));
      return;
    }
    if (value instanceof Error) parts.push(value.message, value.stack ?? '');
    for (const key of Reflect.ownKeys(value)) visit((value as Record<PropertyKey, unknown>)[key]);
    if (value instanceof Error) visit(value.cause);
  };
  visit(error);
  return parts.join('\n');
}
