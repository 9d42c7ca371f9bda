import { describe, expect, it } from 'vitest';
import { HintFeed } from '../../bench/HintFeed.js';
import type { CallHint } from '../../src/engine/types.js';
import { createSimulator } from '../../src/simulator/createSimulator.js';
import type { SimulatedCall, Simulator } from '../../src/simulator/types.js';

const T0 = Date.UTC(2026, 0, 15, 3, 30, 0);
const MINUTE = 60_000;

/** A simulator on a clock the test moves, and a feed run over `minutes`, second by second. */
function run(minutes: number, options: { share: number; lateShare: number; seed?: number }) {
  let now = T0;
  const sim = createSimulator({ seed: 3, clock: { now: () => now }, traffic: { callsPerMinute: 600, startAt: T0 } });
  let looked = 0;
  // Counts the calls the feed reads, to see that each is read once.
  const counting: Simulator = Object.create(sim, {
    calls: {
      value: (range: Parameters<Simulator['calls']>[0]) => {
        const calls = sim.calls(range);
        looked += calls.length;
        return calls;
      },
    },
  });
  const got: Array<{ hint: CallHint; at: number }> = [];
  const feed = new HintFeed({ ...options, sim: counting, seed: options.seed ?? 1, from: T0, send: (hint) => got.push({ hint, at: now }) > 0 });
  for (; now < T0 + minutes * MINUTE; now += 1000) feed.advance(now);
  now -= 1000;
  return { sim, feed, got, looked, now };
}

describe('HintFeed', () => {
  const { sim, feed, got, looked, now } = run(40, { share: 0.9, lateShare: 0.05 });
  const truth = new Map<string, SimulatedCall>(sim.calls({ from: T0, to: now }).map((c) => [c.sid, c]));

  it('reads each call once, and hints each Sid at most once, with its end and start in whole seconds', () => {
    expect(looked).toBe(truth.size);
    const sids = got.map((g) => g.hint.sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const { hint } of got) {
      const call = truth.get(hint.sid)!;
      expect(hint.endedAt).toBe(Math.floor(call.endAt / 1000) * 1000);
      expect(hint.dateCreated).toBe(Math.floor(call.startAt / 1000) * 1000);
    }
  });

  it('sends on-time hints within 5 s of the end and late ones 3 to 5 minutes after it, in the order they are due', () => {
    let late = 0;
    for (const { hint, at } of got) {
      const call = truth.get(hint.sid)!;
      const after = at - call.endAt;
      if (feed.fate(hint.sid) === 'late') {
        late++;
        expect(after).toBeGreaterThanOrEqual(3 * MINUTE - 1000);
        expect(after).toBeLessThanOrEqual(5 * MINUTE + 1000);
      } else {
        expect(feed.fate(hint.sid)).toBe('onTime');
        expect(after).toBeGreaterThanOrEqual(-1000);
        expect(after).toBeLessThanOrEqual(6000);
      }
    }
    expect(late).toBe(feed.counts.late);
    const times = got.map((g) => g.at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('counts what it sent, what came late and what it dropped, in the shares asked for', () => {
    expect(feed.counts.sent).toBe(got.length);
    expect(feed.counts.refused).toBe(0);
    const total = feed.counts.sent + feed.counts.dropped;
    // Every call whose hint was due by now (by the second) is counted once: sent or dropped.
    const due = [...truth.values()].filter((c) => feed.fate(c.sid) === 'dropped' && Math.floor(c.endAt / 1000) * 1000 <= now).length;
    expect(feed.counts.dropped).toBe(due);
    expect(total).toBeGreaterThan(15_000);
    expect(feed.counts.dropped / total).toBeCloseTo(0.1, 1);
    expect(feed.counts.late / total).toBeGreaterThan(0.035);
    expect(feed.counts.late / total).toBeLessThan(0.06);
  });

  it('draws the same fates for the same seed and others for another', () => {
    const again = run(5, { share: 0.9, lateShare: 0.05 });
    const other = run(5, { share: 0.9, lateShare: 0.05, seed: 2 });
    expect(again.got.map((g) => g.hint.sid)).toEqual(got.filter((g) => g.at <= again.now).map((g) => g.hint.sid));
    expect(other.got.map((g) => g.hint.sid)).not.toEqual(again.got.map((g) => g.hint.sid));
  });

  it('counts a hint the stream refuses', () => {
    let at = T0;
    const sim = createSimulator({ seed: 3, clock: { now: () => at }, traffic: { callsPerMinute: 600, startAt: T0 } });
    const feed = new HintFeed({ share: 1, lateShare: 0, sim, seed: 1, from: T0, send: () => false });
    for (; at < T0 + 10 * MINUTE; at += 1000) feed.advance(at);
    expect(feed.counts.sent).toBeGreaterThan(0);
    expect(feed.counts.refused).toBe(feed.counts.sent);
    expect(feed.counts.dropped).toBe(0);
  });

  it('names a share out of range', () => {
    const sim = createSimulator({ seed: 3, clock: { now: () => T0 } });
    const make = (o: { share: number; lateShare: number; lateDelayMs?: { min: number; max: number } }) => () => new HintFeed({ ...o, sim, seed: 1, from: T0, send: () => true });
    expect(make({ share: 1.5, lateShare: 0 })).toThrow('Expected `hints.share` to be a number from 0 to 1, got `1.5` (number)');
    expect(make({ share: 0.5, lateShare: 0.6 })).toThrow('Expected `hints.lateShare` to be a number from 0 to 0.5, got `0.6` (number)');
    expect(make({ share: 0.5, lateShare: 0.1, lateDelayMs: { min: 10, max: 5 } })).toThrow('Expected `hints.lateDelayMs` to be `{ min, max }`');
  });
});
