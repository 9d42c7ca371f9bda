import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import { createCallStream } from '../../src/stream/createCallStream.js';
import type { CallStreamOptions, Store, StoreState } from '../../src/stream/types.js';
import { memoryStore } from '../../src/stores/memoryStore.js';
import { SIM_ACCOUNT, clockPerTest, record, stopUnder, streamOn } from './harness.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 15, 6, 0, 0);

const useClock = clockPerTest();

/** A store that counts its saves; `inner` keeps them. */
function counting(inner: Store, saveIntervalMs?: number): Store & { saves: StoreState[] } {
  const saves: StoreState[] = [];
  return {
    saves,
    load: () => inner.load(),
    save: async (state) => {
      saves.push(state);
      await inner.save(state);
    },
    ...(saveIntervalMs === undefined ? {} : { saveIntervalMs }),
  };
}

function setup(options: Partial<CallStreamOptions>) {
  const clock = useClock(T0);
  const sim = createSimulator({ seed: 3, settleDelayMs: 30_000 });
  sim.addCall({ startAt: T0 - 20 * MINUTE, talkMs: 90_000 });
  sim.addCall({ startAt: T0 - 10 * MINUTE, talkMs: 30_000 });
  const stream = streamOn(sim, options);
  return { sim, stream, clock };
}

describe('how often the store is saved', () => {
  it('saves after every cycle by default (a store without saveIntervalMs)', async () => {
    const store = counting(memoryStore());
    const { stream, clock } = setup({ store });
    stream.start();
    await clock.tickAsync(MINUTE);
    // Cycles at 0, 15, 30, 45 and 60 s.
    expect(store.saves.length).toBeGreaterThanOrEqual(4);
    await stopUnder(clock, stream);
  });

  it('saves memoryStore() only when the stream stops: its state lives no longer than the process', async () => {
    const store = memoryStore();
    expect(store.saveIntervalMs).toBe(Number.POSITIVE_INFINITY);
    const saves: StoreState[] = [];
    const original = store.save.bind(store);
    store.save = async (state) => {
      saves.push(state);
      await original(state);
    };
    const { stream, clock } = setup({ store });
    const log = record(stream);
    await clock.tickAsync(10 * MINUTE);
    expect(log.emissions).toHaveLength(2);
    expect(saves).toHaveLength(0);
    expect(await store.load()).toBeUndefined();
    await stopUnder(clock, stream);
    expect(saves).toHaveLength(1);
    expect(Object.keys((await store.load())!.emitted)).toHaveLength(2);
  });

  it('saves memoryStore() when the stream ends on a fatal error, so a new stream on it emits nothing twice', async () => {
    const store = memoryStore();
    const first = setup({ store });
    const log = record(first.stream);
    await first.clock.tickAsync(MINUTE);
    expect(log.emissions).toHaveLength(2);
    first.sim.inject({ kind: 'status', status: 401, persist: true });
    await first.clock.tickAsync(MINUTE);
    expect(log.errors.some((e) => e.fatal && e.status === 401)).toBe(true);
    await stopUnder(first.clock, first.stream);
    expect(Object.keys((await store.load())!.emitted)).toHaveLength(2);
  });

  it("follows the store's saveIntervalMs, and the stream's own saveIntervalMs over it", async () => {
    const slow = counting(memoryStore(), 5 * MINUTE);
    const a = setup({ store: slow });
    a.stream.start();
    await a.clock.tickAsync(10 * MINUTE);
    // At 0 and 5 min (a cycle ends a little after its start), not every 15 s.
    expect(slow.saves.length).toBeGreaterThanOrEqual(2);
    expect(slow.saves.length).toBeLessThanOrEqual(3);
    await stopUnder(a.clock, a.stream);
    a.clock.uninstall();

    const overridden = counting(memoryStore(), Number.POSITIVE_INFINITY);
    const b = setup({ store: overridden, saveIntervalMs: 0 });
    b.stream.start();
    await b.clock.tickAsync(MINUTE);
    expect(overridden.saves.length).toBeGreaterThanOrEqual(4);
    await stopUnder(b.clock, b.stream);
  });

  it('takes saveIntervalMs: Infinity as "only at stop"', async () => {
    const store = counting(memoryStore());
    const { stream, clock } = setup({ store, saveIntervalMs: Number.POSITIVE_INFINITY });
    stream.start();
    await clock.tickAsync(5 * MINUTE);
    expect(store.saves).toHaveLength(0);
    await stopUnder(clock, stream);
    expect(store.saves).toHaveLength(1);
  });

  it.each([
    ['a negative store interval', { store: { ...memoryStore(), saveIntervalMs: -1 } }, 'store.saveIntervalMs', '-1'],
    ['a store interval that is not a number', { store: { ...memoryStore(), saveIntervalMs: '60000' as unknown as number } }, 'store.saveIntervalMs', '"60000"'],
    ['a NaN stream interval', { saveIntervalMs: Number.NaN }, 'saveIntervalMs', 'NaN'],
  ] as const)('refuses %s, naming it', (_, options, option, shown) => {
    expect(() => createCallStream({ ...SIM_ACCOUNT, baseUrl: 'http://127.0.0.1:9', ...options })).toThrow(expect.objectContaining({ message: expect.stringContaining(`\`${option}\``) }));
    expect(() => createCallStream({ ...SIM_ACCOUNT, baseUrl: 'http://127.0.0.1:9', ...options })).toThrow(expect.objectContaining({ message: expect.stringContaining(shown) }));
  });
});
