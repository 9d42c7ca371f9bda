/**
 * What the leader's outbox relies on in the stream: when the stream hands a state to its store,
 * every event it has emitted is recorded in that state, and every call recorded there was emitted
 * (or is one the stream loaded as emitted). If the stream ever emitted after saving the state
 * that records an event, a leader killed in between would lose that event; this test would fail.
 */
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import type { Store, StoreState } from '../../src/stream/types.js';
import { clockPerTest, stopUnder, streamOn } from '../stream/harness.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 15, 6, 0, 0);
const useClock = clockPerTest();

describe('the stream records before it emits, and emits before it saves', () => {
  it('holds at every save of a busy simulated 20 minutes, held records expiring between cycles included', async () => {
    const clock = useClock(T0);
    const sim = createSimulator({ seed: 11, settleDelayMs: { min: 5_000, max: 400_000 }, traffic: { callsPerMinute: 20, startAt: T0 - 20 * MINUTE } });
    const emitted = new Set<string>();
    // Emitted since the last save: all of them must be in the next state (older ones may be pruned).
    let recent = new Set<string>();
    const problems: string[] = [];
    let saves = 0;
    let checked = 0;
    const store: Store = {
      load: async () => undefined,
      save: async (state: StoreState) => {
        saves++;
        for (const sid of recent) {
          checked++;
          if (!(sid in state.emitted)) problems.push(`save ${saves}: ${sid} was emitted but is not in the state`);
        }
        recent = new Set();
        for (const sid in state.emitted) if (!emitted.has(sid)) problems.push(`save ${saves}: ${sid} is in the state but was not emitted yet`);
      },
    };
    // settleMs shorter than the slowest settle delay: some records expire between cycles.
    const stream = streamOn(sim, { store, settleMs: 180_000 });
    let expiredBetweenCycles = 0;
    stream.events$.subscribe((event) => {
      if (event.type === 'callUpdated') return;
      emitted.add(event.call.sid);
      recent.add(event.call.sid);
      if (event.call.duration === null) expiredBetweenCycles++;
    });
    stream.start();
    await clock.tickAsync(20 * MINUTE);
    await stopUnder(clock, stream);
    expect(problems.slice(0, 5)).toEqual([]);
    expect(saves).toBeGreaterThan(70);
    expect(emitted.size).toBeGreaterThan(300);
    expect(checked).toBeGreaterThan(300);
    expect(expiredBetweenCycles).toBeGreaterThan(0);
  }, 60_000);
});
