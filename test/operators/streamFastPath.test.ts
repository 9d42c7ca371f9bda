import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallTracker } from '../../src/engine/CallTracker.js';
import { createSimulator } from '../../src/simulator/index.js';
import { clockPerTest, record, stopUnder, streamOn } from '../stream/harness.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 15, 6, 0, 0);

const useClock = clockPerTest();
afterEach(() => {
  vi.restoreAllMocks();
});

/** 15 simulated minutes of a stream over a busy simulated account: what it emitted, in order. */
async function run(): Promise<string[]> {
  const clock = useClock(T0);
  const sim = createSimulator({ seed: 7, traffic: { callsPerMinute: 30, startAt: T0 - 40 * MINUTE } });
  const stream = streamOn(sim);
  const seen = record(stream);
  await clock.tickAsync(15 * MINUTE);
  await stopUnder(clock, stream);
  clock.uninstall();
  expect(seen.errors).toEqual([]);
  return seen.emissions.map(({ at, event }) =>
    event.type === 'callUpdated'
      ? `${at} ${event.type} ${event.call.sid} ${event.changes.join(',')} ${JSON.stringify(event.previous.raw === event.call.raw)}`
      : `${at} ${event.type} ${event.call.sid} ${event.call.duration} ${event.call.price}`,
  );
}

describe('the stream drops unchanged re-reads before normalizing them', () => {
  it('takes that path for most re-reads and emits exactly what normalizing every record emits', async () => {
    const unchanged = vi.spyOn(CallTracker.prototype, 'unchanged');
    const fast = await run();
    const skipped = unchanged.mock.results.filter((r) => r.type === 'return' && r.value === true).length;
    expect(skipped).toBeGreaterThan(unchanged.mock.calls.length / 2);

    // The same run with every record normalized and observed.
    unchanged.mockReturnValue(false);
    const slow = await run();
    expect(fast.length).toBeGreaterThan(1000);
    expect(fast.some((line) => line.includes('callUpdated'))).toBe(true);
    expect(fast).toEqual(slow);
  });
});
