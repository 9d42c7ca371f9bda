/**
 * Lazy start, one poller per stream, and `stop()`: every observable completes and no timer is left
 * (under a fake clock, in process; `sockets.test.ts` checks the same over real sockets).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '@sinonjs/fake-timers';
import type { Observable } from 'rxjs';
import { memoryStore } from 'exotel-call-stream';
import type { CallStream, Store, StoreState } from 'exotel-call-stream';
import type { Simulator } from 'exotel-call-stream/simulator';
import { MINUTE, T0, installClock, simulatedStream, stopUnder, watch } from './helpers.js';

let clock: Clock | undefined;
afterEach(() => {
  clock?.uninstall();
  clock = undefined;
});

function seed(sim: Simulator) {
  return [
    sim.addCall({ startAt: T0 - 20 * MINUTE, talkMs: 90_000 }),
    sim.addCall({ startAt: T0 - 15 * MINUTE, status: 'busy' }),
    sim.addCall({ startAt: T0 - 10 * MINUTE, talkMs: 30_000 }),
  ];
}

const observablesOf = (stream: CallStream): Record<string, Observable<unknown>> => ({
  events$: stream.events$,
  callCompleted$: stream.callCompleted$,
  callFailed$: stream.callFailed$,
  callUpdated$: stream.callUpdated$,
  errors$: stream.errors$,
});

describe('lazy start', () => {
  it('sends nothing when created, however long nobody listens', async () => {
    clock = installClock();
    const { sim, stream } = simulatedStream();
    seed(sim);
    await clock.tickAsync(30 * MINUTE);
    expect(sim.history).toHaveLength(0);
    await stopUnder(clock, stream);
    expect(sim.history).toHaveLength(0);
  });

  for (const name of ['events$', 'callCompleted$', 'callFailed$', 'callUpdated$', 'errors$']) {
    it(`starts with a subscription to ${name} alone`, async () => {
      clock = installClock();
      const { sim, stream } = simulatedStream();
      seed(sim);
      await clock.tickAsync(MINUTE);
      expect(sim.history).toHaveLength(0);
      observablesOf(stream)[name]!.subscribe();
      await clock.tickAsync(1_000);
      expect(sim.history.length).toBeGreaterThan(0);
      await stopUnder(clock, stream);
    });
  }

  it('starts with an EventEmitter listener, or with start()', async () => {
    clock = installClock();
    const a = simulatedStream();
    const b = simulatedStream();
    seed(a.sim);
    seed(b.sim);
    const failed: string[] = [];
    a.stream.on('callFailed', (call) => failed.push(call.status));
    b.stream.start();
    await clock.tickAsync(2 * MINUTE);
    expect(failed).toEqual(['busy']);
    expect(b.sim.history.length).toBeGreaterThan(0);
    await stopUnder(clock, a.stream);
    await stopUnder(clock, b.stream);
  });
});

describe('one poller per stream', () => {
  it('sends the same requests for five subscribers and a listener as for one subscriber', async () => {
    clock = installClock();
    const traffic = { callsPerMinute: 10, startAt: T0 - 15 * MINUTE };
    const one = simulatedStream({}, { traffic });
    const many = simulatedStream({}, { traffic });
    const single = watch(one.stream.events$);
    const all = [watch(many.stream.events$), watch(many.stream.events$), watch(many.stream.callCompleted$), watch(many.stream.callFailed$), watch(many.stream.errors$)];
    let heard = 0;
    many.stream.on('callCompleted', () => (heard += 1));
    await clock.tickAsync(8 * MINUTE);

    const requests = (sim: Simulator) => sim.history.map((r) => `${r.at} ${r.path} ${JSON.stringify(r.query)}`);
    expect(requests(one.sim).length).toBeGreaterThan(10);
    expect(requests(many.sim)).toEqual(requests(one.sim));
    // Every subscriber saw the same events, once.
    expect(single.values.length).toBeGreaterThan(50);
    expect(all[0]!.values).toEqual(single.values);
    expect(all[1]!.values).toEqual(single.values);
    expect(heard).toBe(all[2]!.values.length);
    await stopUnder(clock, one.stream);
    await stopUnder(clock, many.stream);
  });

  it('keeps polling when every subscriber has left, until stop()', async () => {
    clock = installClock();
    const { sim, stream } = simulatedStream();
    const subscription = stream.events$.subscribe();
    await clock.tickAsync(MINUTE);
    subscription.unsubscribe();
    const sent = sim.history.length;
    await clock.tickAsync(2 * MINUTE);
    expect(sim.history.length).toBeGreaterThan(sent);
    await stopUnder(clock, stream);
  });
});

describe('stop()', () => {
  it('completes every observable (errors$ last), clears every timer, and is idempotent', async () => {
    clock = installClock();
    const { sim, stream } = simulatedStream();
    const truth = seed(sim);
    const completions: string[] = [];
    const watched = Object.entries(observablesOf(stream)).map(([name, o]) => {
      const state = watch(o);
      o.subscribe({ complete: () => completions.push(name) });
      return [name, state] as const;
    });
    await clock.tickAsync(2 * MINUTE);
    expect(watched[0]![1].values).toHaveLength(truth.length);
    const stopping = stream.stop();
    expect(stream.stop()).toBe(stopping);
    await stopUnder(clock, stream);
    for (const [name, state] of watched) {
      expect(state.completed, `${name} completed`).toBe(true);
      expect(state.error, `${name} did not error`).toBeUndefined();
    }
    expect(completions.at(-1)).toBe('errors$');
    expect(clock.countTimers()).toBe(0);
    const sent = sim.history.length;
    await clock.tickAsync(30 * MINUTE);
    expect(sim.history.length).toBe(sent);
    // A subscriber after stop() completes at once, and does not restart anything.
    for (const o of Object.values(observablesOf(stream))) expect(watch(o).completed).toBe(true);
    stream.start();
    await clock.tickAsync(MINUTE);
    expect(sim.history.length).toBe(sent);
  });

  it('before start: sends nothing, saves nothing, completes everything', async () => {
    clock = installClock();
    const saves: StoreState[] = [];
    const store: Store = { load: async () => undefined, save: async (state) => void saves.push(state) };
    const { sim, stream } = simulatedStream({ store });
    await stopUnder(clock, stream);
    expect(saves).toEqual([]);
    expect(sim.history).toHaveLength(0);
    expect(watch(stream.events$).completed).toBe(true);
  });

  it('saves what was emitted, so a new stream on the store emits nothing again', async () => {
    clock = installClock();
    const store = memoryStore();
    const first = simulatedStream({ store });
    const truth = seed(first.sim);
    const firstEvents = watch(first.stream.events$);
    await clock.tickAsync(2 * MINUTE);
    await stopUnder(clock, first.stream);
    expect(firstEvents.values).toHaveLength(truth.length);
    const saved = await store.load();
    expect(Object.keys(saved?.emitted ?? {}).sort()).toEqual(truth.map((t) => t.sid).sort());
  });
});
