import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_AGE_MS, MAX_WINDOW_MS, ReadPlanner } from '../../src/engine/planner/ReadPlanner.js';
import { HintQueue } from '../../src/engine/HintQueue.js';
import type { PlannedRead, PlannerOptions } from '../../src/engine/planner/types.js';
import { InvalidOptionError } from '../../src/exotel/errors.js';
import { buildCallQuery } from '../../src/exotel/buildCallQuery.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.parse('2025-06-15T10:00:00Z');
const options = (extra: Partial<PlannerOptions> = {}): PlannerOptions => ({
  pollIntervalMs: 15 * SECOND,
  lookbackMs: 2 * HOUR,
  pageSize: 100,
  maxRequestsPerMinute: 200,
  details: false,
  ...extra,
});
const ms = (v: Date | number | undefined) => (v === undefined ? undefined : typeof v === 'number' ? v : v.getTime());
const window = (read: PlannedRead) => [ms(read.query.dateCreated?.gte)!, ms(read.query.dateCreated?.lte)!] as const;
const ofKind = (reads: PlannedRead[], kind: PlannedRead['kind']) => reads.filter((r) => r.kind === kind);
/** Completes every read; `records` gives each one's count. */
function completeAll(planner: ReadPlanner, reads: PlannedRead[], now: number, ok: (r: PlannedRead) => boolean = () => true, records: (r: PlannedRead) => number = () => 0) {
  for (const read of reads) planner.complete(read, { ok: ok(read), records: records(read), requests: 1 }, now);
}
/** Runs quiet cycles (every read succeeds, nothing listed) from `from` for `count` polls; returns the next `now`. */
function cycles(planner: ReadPlanner, from: number, count: number, pollMs = 15 * SECOND, records: (r: PlannedRead) => number = () => 0): number {
  let now = from;
  for (let i = 0; i < count; i++) {
    completeAll(planner, planner.plan(now, []), now, () => true, records);
    now += pollMs;
  }
  return now;
}

describe('ReadPlanner: options', () => {
  it.each([
    [{ pollIntervalMs: 0 }, /`pollIntervalMs`.*`0` \(number\)/],
    [{ lookbackMs: -1 }, /`lookbackMs`/],
    [{ lookbackMs: 200 * DAY }, /`lookbackMs`.*integer from 60000 to 2678400000/],
    [{ lookbackMs: 10 * SECOND }, /`lookbackMs`.*integer larger than `pollIntervalMs`|`lookbackMs`.*integer from 60000/],
    [{ pageSize: 101 }, /`pageSize`.*integer from 1 to 100.*`101`/],
    [{ pageSize: 2.5 }, /`pageSize`/],
    [{ maxRequestsPerMinute: 0 }, /`maxRequestsPerMinute`/],
    [{ skewMarginMs: Number.NaN }, /`skewMarginMs`/],
    [{ details: 'yes' as never }, /`details`.*"yes"/],
    [{ freshWindowMs: 3 * HOUR }, /`freshWindowMs`.*integer from 1000 to 7200000/],
    [{ sweepIntervalMs: -5 }, /`sweepIntervalMs`/],
    [{ sliceLagsMs: [10 * MINUTE, 3 * HOUR] }, /`sliceLagsMs\[1\]`.*integer from 1000 to 7200000/],
    [{ sliceLagsMs: 5 as never }, /`sliceLagsMs`/],
    [{ filters: 'inbound' as never }, /`filters`/],
  ])('rejects %o', (extra, message) => {
    expect(() => new ReadPlanner(options(extra))).toThrow(InvalidOptionError);
    expect(() => new ReadPlanner(options(extra))).toThrow(message);
  });

  it('always reads a slice at the lookback, whatever lags are given', () => {
    expect(new ReadPlanner(options()).sliceLagsMs).toEqual([10 * MINUTE, 30 * MINUTE, 2 * HOUR]);
    expect(new ReadPlanner(options({ sliceLagsMs: [20 * MINUTE, 5 * MINUTE, 20 * MINUTE] })).sliceLagsMs).toEqual([5 * MINUTE, 20 * MINUTE, 2 * HOUR]);
    expect(new ReadPlanner(options({ lookbackMs: 5 * MINUTE })).sliceLagsMs).toEqual([5 * MINUTE]);
  });
});

describe('ReadPlanner: a fresh start', () => {
  it('plans held, fresh and a catch-up over the lookback, in priority order, and holds the checkpoint at its start until read', () => {
    const planner = new ReadPlanner(options({ filters: { direction: 'inbound', phoneNumber: ['+918047000001'] }, details: true }));
    planner.begin(null, T0 + 500);
    // A first start owes its own lookback: a restart before the catch-up completed reads it again.
    expect(planner.checkpoint()).toBe(T0);
    const reads = planner.plan(T0 + 500, ['s1', 's2', 's1']);
    expect(reads.map((r) => r.kind)).toEqual(['held', 'fresh', 'catchup']);
    expect(reads.map((r) => r.priority)).toEqual([0, 1, 7]);
    const [held, fresh, catchup] = reads as [PlannedRead, PlannedRead, PlannedRead];
    expect(held.query).toMatchObject({ sid: ['s1', 's2'], direction: 'inbound', phoneNumber: ['+918047000001'], details: true });
    expect(fresh.query).toMatchObject({ sortBy: 'asc', pageSize: 100, direction: 'inbound', details: true });
    // One clock reading, whole seconds: the fresh window reaches back the window, the skew margin
    // and the poll interval (each start second is read once more after it is the window's width old).
    expect(window(fresh)).toEqual([T0 - planner.freshWindowMs! - MINUTE - 15 * SECOND, T0]);
    expect(window(catchup)[0]).toBe(T0 - 2 * HOUR - MINUTE);
    expect(Object.isFrozen(fresh)).toBe(true);

    // The catch-up goes on, window after window sharing edges, until it reaches now.
    let now = T0 + 500;
    let previousEnd = window(catchup)[0];
    let reads2 = reads;
    for (let i = 0; i < 100 && planner.catchingUp; i++) {
      for (const read of ofKind(reads2, 'catchup')) {
        expect(window(read)[0]).toBe(previousEnd);
        previousEnd = window(read)[1];
      }
      completeAll(planner, reads2, now);
      if (planner.catchingUp) expect(planner.checkpoint()).toBe(T0);
      now += 15 * SECOND;
      reads2 = planner.plan(now, []);
    }
    expect(planner.catchingUp).toBe(false);
    // The catch-up stops where the fresh reads (made since the start) took over.
    expect(previousEnd).toBeGreaterThanOrEqual(window(fresh)[0]);
    expect(planner.checkpoint()).toBeGreaterThanOrEqual(T0);
    // Every start second of the lookback was read completely since the start.
    const spans = planner.coverage();
    expect(spans[0]![0]).toBeLessThanOrEqual(T0 - 2 * HOUR - MINUTE);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBe(spans[i - 1]![1] + SECOND);
    for (const [from, , at] of spans) if (from < T0) expect(at).toBeGreaterThanOrEqual(T0 + 500);
  });

  it('batches held Sids by 100', () => {
    const planner = new ReadPlanner(options());
    const sids = Array.from({ length: 250 }, (_, i) => `sid${i}`);
    const held = ofKind(planner.plan(T0, sids), 'held');
    expect(held.map((r) => (r.query.sid as string[]).length)).toEqual([100, 100, 50]);
    expect(held.flatMap((r) => r.query.sid)).toEqual(sids);
  });

  it('leaves a Sid that cannot go into a Sid list to the windows', () => {
    const planner = new ReadPlanner(options());
    const held = ofKind(planner.plan(T0, ['ok_1', 'has space', 'a,b', 'x'.repeat(129), 'ok-2']), 'held');
    expect(held.flatMap((r) => r.query.sid)).toEqual(['ok_1', 'ok-2']);
  });
});

describe('ReadPlanner: faults', () => {
  it('reads again what a failed fresh read was to cover, reaching back over the start times it missed', () => {
    const planner = new ReadPlanner(options({ freshWindowMs: 5 * MINUTE }));
    planner.begin(T0, T0);
    let now = cycles(planner, T0, 8);
    // Four polls in a row the fresh read fails.
    const failed: PlannedRead[] = [];
    for (let i = 0; i < 4; i++) {
      const reads = planner.plan(now, []);
      failed.push(...ofKind(reads, 'fresh'));
      completeAll(planner, reads, now, (r) => r.kind !== 'fresh');
      now += 15 * SECOND;
    }
    const retry = ofKind(planner.plan(now, []), 'fresh')[0]!;
    // Every start second that grew older than the window since the last fresh read that completed is in the retry.
    const lastComplete = now - 5 * 15 * SECOND;
    expect(window(retry)[0]).toBeLessThanOrEqual(lastComplete - 5 * MINUTE + SECOND);
    expect(window(retry)[1]).toBe(now);
    planner.complete(retry, { ok: true, records: 0, requests: 1 }, now);
    // The ledger's claim: every start second older than the window was read once it was that old.
    for (const [from, to, at] of planner.coverage()) {
      if (to > now - 5 * MINUTE || from < T0 - 5 * MINUTE) continue;
      expect(at, `${new Date(from).toISOString()}..${new Date(to).toISOString()}`).toBeGreaterThanOrEqual(to + 5 * MINUTE);
    }
  });

  it('reads a long outage back in chunks beside a fresh read that is small again, and holds the checkpoint until then', () => {
    const planner = new ReadPlanner(options({ freshWindowMs: 5 * MINUTE }));
    planner.begin(T0, T0);
    let now = cycles(planner, T0, 8); // caught up
    expect(planner.catchingUp).toBe(false);
    const before = planner.checkpoint()!;
    // Twenty minutes of failures.
    const outageFrom = now;
    for (let i = 0; i < 80; i++) {
      completeAll(planner, planner.plan(now, []), now, () => false);
      now += 15 * SECOND;
    }
    expect(planner.checkpoint()).toBeLessThanOrEqual(outageFrom);
    expect(planner.checkpoint()).toBeGreaterThanOrEqual(before - 15 * SECOND);
    expect(planner.catchingUp).toBe(true);
    const reads = planner.plan(now, []);
    const fresh = ofKind(reads, 'fresh')[0]!;
    // Small again, first in line: at most the window, the skew margin, a poll and the misses it reaches back over.
    expect(window(fresh)[1]).toBe(now);
    expect(now - window(fresh)[0]).toBeLessThanOrEqual(5 * MINUTE + MINUTE + 15 * SECOND + 5 * MINUTE);
    const gap = ofKind(reads, 'catchup');
    expect(gap.length).toBeGreaterThan(0);
    expect(gap[0]!.priority).toBeGreaterThan(fresh.priority);
    // The start times that aged past the window during the outage, from the oldest.
    expect(window(gap[0]!)[0]).toBeLessThanOrEqual(outageFrom - 5 * MINUTE);
    expect(planner.oldestPlanned()).toBeLessThanOrEqual(window(gap[0]!)[0]);
    completeAll(planner, reads, now);
    now = cycles(planner, now + 15 * SECOND, 40);
    expect(planner.catchingUp).toBe(false);
    expect(planner.checkpoint()).toBeGreaterThan(before + 20 * MINUTE);
  });

  it('never takes a failed lag read for read, and shares edges between its windows', () => {
    const planner = new ReadPlanner(options({ sliceLagsMs: [20 * MINUTE], freshWindowMs: 5 * MINUTE }));
    planner.begin(T0, T0);
    let now = T0;
    const seen: Array<readonly [number, number]> = [];
    let failed: readonly [number, number] | undefined;
    for (let i = 0; i < 200; i++) {
      const reads = planner.plan(now, []);
      for (const read of reads) {
        const fail = read.kind === 'slice' && failed === undefined && now > T0 + 30 * MINUTE;
        if (read.kind === 'slice') {
          if (fail) failed = window(read);
          else seen.push(window(read));
        }
        planner.complete(read, { ok: !fail, records: 0, requests: 1 }, now);
      }
      now += 15 * SECOND;
    }
    expect(failed).toBeDefined();
    // What the failed read was to cover is read again, by a later window of the same lag.
    expect(seen.some(([a, b]) => a <= failed![0] && b >= failed![1])).toBe(true);
    const lag = seen.filter(([a]) => a >= T0).sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < lag.length; i++) expect(lag[i]![0]).toBeLessThanOrEqual(lag[i - 1]![1]);
    // And every start second from the start to now − 20 min (less a gathering time and a poll) was
    // read at least 20 minutes after it.
    const due = now - 20 * MINUTE - planner.gatherMs - 15 * SECOND;
    for (const [from, to, at] of planner.coverage()) if (from >= T0 && to <= due) expect(at).toBeGreaterThanOrEqual(to + 20 * MINUTE);
  });

  it('ignores completions of reads planned before the last begin, and rejects reads it did not plan', () => {
    const planner = new ReadPlanner(options());
    planner.begin(null, T0);
    const reads = planner.plan(T0, []);
    planner.begin(null, T0 + HOUR);
    completeAll(planner, reads, T0 + HOUR);
    expect(planner.catchingUp).toBe(true);
    expect(planner.checkpoint()).toBe(T0 + HOUR);
    expect(() => planner.complete({ kind: 'fresh', query: {}, priority: 1 }, { ok: true, records: 0, requests: 1 }, T0)).toThrow(/planned by this ReadPlanner/);
  });
});

describe('ReadPlanner: windows', () => {
  it('after a long downtime reads back in windows of at most 27 days, never older than 180 days, sharing edges, and says what it cannot read', () => {
    const planner = new ReadPlanner(options({ lookbackMs: 31 * DAY }));
    // Down for 200 days: what started from the checkpoint's reach to 180 days ago is gone.
    const checkpoint = T0 - 200 * DAY;
    planner.begin(checkpoint, T0);
    expect(planner.checkpoint()).toBe(checkpoint);
    const oldest = Math.ceil((T0 - MAX_AGE_MS) / SECOND) * SECOND;
    expect(planner.takeGaps()).toEqual([{ from: checkpoint - 31 * DAY - MINUTE, to: oldest - SECOND }]);
    let now = T0;
    const catchup: Array<readonly [number, number]> = [];
    for (let i = 0; i < 50 && planner.catchingUp; i++) {
      const reads = planner.plan(now, []);
      for (const read of reads) {
        const [gte, lte] = window(read);
        expect(lte - gte).toBeLessThanOrEqual(MAX_WINDOW_MS);
        expect(gte).toBeGreaterThanOrEqual(now - MAX_AGE_MS);
        if (read.kind === 'catchup') catchup.push([gte, lte]);
      }
      completeAll(planner, reads, now);
      now += 15 * SECOND;
    }
    expect(planner.catchingUp).toBe(false);
    expect(catchup[0]![0]).toBe(oldest);
    for (let i = 1; i < catchup.length; i++) expect(catchup[i]![0]).toBe(catchup[i - 1]![1]);
    // Up to where the fresh reads since the start took over.
    expect(catchup.at(-1)![1]).toBeGreaterThanOrEqual(T0 - 15 * MINUTE - MINUTE - 15 * SECOND);
    expect(planner.checkpoint()).toBeGreaterThanOrEqual(T0);
    expect(planner.takeGaps()).toEqual([]);
  });

  it('plans only queries the client accepts (calendar months in the account zone), whatever the tier', () => {
    for (const timeZone of ['Asia/Kolkata', 'America/New_York', 'Pacific/Kiritimati']) {
      const planner = new ReadPlanner(options({ lookbackMs: 31 * DAY, details: true, filters: { status: ['completed', 'busy'], to: '+919800000001' } }));
      // Around month ends and a DST change, after a downtime past the six-month limit.
      for (const now of [Date.parse('2025-03-31T23:59:59Z'), Date.parse('2025-11-02T06:30:00Z'), Date.parse('2024-02-29T12:00:00Z')]) {
        planner.begin(now - 200 * DAY, now);
        let at = now;
        for (let i = 0; i < 30; i++) {
          const reads = planner.plan(at, ['abc123', 'def456']);
          for (const read of reads) expect(() => buildCallQuery(read.query, { timeZone, now: at })).not.toThrow();
          completeAll(planner, reads, at);
          at += 15 * SECOND;
        }
      }
    }
  });

  it('sweeps the rest of the lookback for long calls, up to the fresh window, once per interval', () => {
    const planner = new ReadPlanner(options({ freshWindowMs: 10 * MINUTE, sweepIntervalMs: 2 * MINUTE }));
    planner.begin(T0, T0);
    let now = T0;
    const sweeps: PlannedRead[] = [];
    for (let i = 0; i <= 24; i++) {
      const reads = planner.plan(now, []);
      const fresh = ofKind(reads, 'fresh')[0]!;
      for (const sweep of ofKind(reads, 'sweep')) {
        sweeps.push(sweep);
        expect(sweep.query.duration).toEqual({ gte: 300 });
        expect(window(sweep)).toEqual([now - 2 * HOUR - MINUTE, window(fresh)[0]]);
        expect(sweep.priority).toBeGreaterThan(fresh.priority);
      }
      completeAll(planner, reads, now);
      now += 15 * SECOND;
    }
    expect(sweeps).toHaveLength(3); // at 2, 4 and 6 minutes (the start's catch-up covers the first two)
  });

  it('turns the sweep off with sweepIntervalMs: Infinity', () => {
    const planner = new ReadPlanner(options({ sweepIntervalMs: Number.POSITIVE_INFINITY }));
    planner.begin(T0, T0);
    const now = cycles(planner, T0, 40);
    expect(ofKind(planner.plan(now, []), 'sweep')).toEqual([]);
  });
});

describe('ReadPlanner: Sid lists', () => {
  // Found by the guarantee property (seed 777, page size 1): a Sid list of 40 held Sids came back
  // in 40 pages, 40 requests, where the cost model charged one.
  it('hold no more Sids than a page: each list is one request, as the cost model charges', () => {
    for (const pageSize of [1, 10, 37, 100]) {
      const planner = new ReadPlanner(options({ pageSize }));
      const held = Array.from({ length: 250 }, (_, i) => `s${String(i).padStart(31, '0')}`);
      const hinted = held.slice(0, 120).map((sid) => ({ sid: `h${sid.slice(1)}` }));
      const reads = planner.plan(T0, held, hinted);
      for (const kind of ['held', 'hinted'] as const) {
        const lists = ofKind(reads, kind).map((r) => r.query.sid ?? []);
        const count = kind === 'held' ? 250 : 120;
        expect(lists.every((l) => l.length <= Math.min(100, pageSize))).toBe(true);
        expect(lists.flat()).toHaveLength(count);
        expect(lists).toHaveLength(Math.ceil(count / Math.min(100, pageSize)));
      }
    }
  });
});

describe('ReadPlanner: hinted re-reads', () => {
  // Found by the guarantee property (seed 2026): quota 3 a minute, polls of 1.7 s, a hint every
  // few seconds. Each cycle sent its one due Sid in a list of its own, at a priority above the
  // lags, while the cost model charged one list a minute: the lags starved, calls were missed
  // and nothing warned.
  it('sends no more lists than the cost model charges for the hints plus what the quota leaves, and still reads every hinted Sid', () => {
    const planner = new ReadPlanner(options({ maxRequestsPerMinute: 3, pollIntervalMs: 2 * SECOND, lookbackMs: 10 * MINUTE }));
    const queue = new HintQueue();
    const added: string[] = [];
    const read = new Set<string>();
    let hintedLists = 0;
    let now = T0;
    for (let i = 0; i < 900; i++, now += 2 * SECOND) {
      // A hint every other cycle (30 a minute), each for a new Sid, due at once.
      if (i % 2 === 0) {
        const sid = `a${String(i).padStart(31, '0')}`;
        added.push(sid);
        queue.add({ sid, endedAt: now - 10 * MINUTE }, now, 0);
      }
      const hinted = queue.take(now, () => false, planner.hintSidsAllowed(now));
      const reads = planner.plan(now, [], hinted.sids, hinted.demand);
      for (const r of ofKind(reads, 'hinted')) {
        hintedLists++;
        for (const sid of r.query.sid ?? []) read.add(sid);
      }
      completeAll(planner, reads, now);
    }
    // 30 minutes: the model charges one list a minute for 30 hints a minute, and the plan leaves
    // little of 3 a minute. Before the fix: one list every other cycle, 450.
    expect(hintedLists).toBeLessThanOrEqual(2 * 30 + 1);
    // Nothing is dropped for want of budget: every hint of the first 29 minutes was read.
    expect(added.slice(0, 29 * 15).filter((sid) => !read.has(sid))).toEqual([]);
  });
});

describe('ReadPlanner: what it learns of the account', () => {
  // A read every P that first sees a call settled says its delay is at most the time since the end
  // and more than that less P (the tier's read before did not see it settled): the middle is taken.
  // Taking the upper bound added half a band interval (30 s at a minute) to every delay.
  it('measures a settle delay between the read that first saw it settled and the one before', () => {
    const sample = (kind: PlannedRead['kind'] | undefined) => {
      const planner = new ReadPlanner(options());
      completeAll(planner, planner.plan(T0, []), T0);
      expect(planner.heldEveryPolls).toBe(1);
      for (let i = 0; i < 40; i++) planner.observeSettled({ dateCreated: T0 - 130 * SECOND, endTime: T0 - 100 * SECOND, durationSec: 30 }, T0, kind);
      return planner.settleSpreadMs;
    };
    expect(sample('held')).toBe(100 * SECOND - 15 * SECOND / 2);
    expect(sample('fresh')).toBe(100 * SECOND - 15 * SECOND / 2);
    // A hint's read, or none named: no read before it to bound the delay from below.
    expect(sample('hinted')).toBe(100 * SECOND);
    expect(sample(undefined)).toBe(100 * SECOND);
    // A call that ended after the read before: its delay is anywhere from 0 to the time since its end.
    const planner = new ReadPlanner(options());
    completeAll(planner, planner.plan(T0, []), T0);
    for (let i = 0; i < 40; i++) planner.observeSettled({ dateCreated: T0 - 30 * SECOND, endTime: T0 - 10 * SECOND, durationSec: 20 }, T0, 'held');
    expect(planner.hintDelayMs()).toBe(5 * SECOND); // the median
  });
});

describe('ReadPlanner: adapting to the call rate', () => {
  it('keeps the widest fresh window and a frequent sweep while the account is quiet', () => {
    const planner = new ReadPlanner(options());
    planner.begin(T0, T0);
    cycles(planner, T0, 60, 15 * SECOND, (r) => (r.kind === 'fresh' ? 5 : 0));
    expect(planner.freshWindowMs).toBe(15 * MINUTE);
    expect(planner.sweepIntervalMs).toBe(MINUTE);
    expect(planner.estimatedRequestsPerMinute()).toBeLessThan(50);
  });

  it('narrows the fresh window and spaces the sweep as the account gets busy, and says when the quota cannot hold', () => {
    const busy = (perMinute: number) => {
      const planner = new ReadPlanner(options());
      planner.begin(T0, T0);
      cycles(planner, T0, 60, 15 * SECOND, (r) => {
        const [a, b] = window(r);
        if (r.kind === 'sweep') return Math.round((perMinute * (b - a)) / MINUTE / 10);
        return r.kind === 'held' ? 0 : Math.round((perMinute * (b - a)) / MINUTE);
      });
      return planner;
    };
    const medium = busy(300);
    expect(medium.callsPerMinute).toBeGreaterThan(250);
    expect(medium.freshWindowMs).toBeLessThan(15 * MINUTE);
    // The plan aims at 85% of the quota (the rest absorbs retries and catch-up).
    expect(medium.estimatedRequestsPerMinute()).toBeLessThanOrEqual(170);
    // Very busy: the fresh tier and the sweep go off, held Sids wait 4 polls, the slices read each call.
    const extreme = busy(20_000);
    expect(extreme.freshWindowMs).toBeNull();
    expect(extreme.sweepIntervalMs).toBe(Number.POSITIVE_INFINITY);
    expect(extreme.heldEveryPolls).toBe(4);
    expect(extreme.estimatedRequestsPerMinute()).toBeGreaterThan(200);
    const now = T0 + 60 * 15 * SECOND;
    const reads = extreme.plan(now, ['a']);
    expect(ofKind(reads, 'fresh')).toEqual([]);
    // A fresh tier turned off is not an outage: the only catch-up is still the start's, up to T0.
    for (const read of ofKind(reads, 'catchup')) expect(window(read)[1]).toBeLessThanOrEqual(T0);
    expect(ofKind(reads, 'slice').length).toBeGreaterThan(0);
  });

  it('stretches the fresh reads over several polls when not even one a poll fits, which is not an outage to catch up on', () => {
    const planner = new ReadPlanner(options({ maxRequestsPerMinute: 3 }));
    planner.begin(T0, T0);
    let now = T0;
    const kinds: string[] = [];
    for (let i = 0; i < 100; i++) {
      const reads = planner.plan(now, []);
      if (i >= 10) for (const read of reads) kinds.push(read.kind);
      completeAll(planner, reads, now);
      now += 15 * SECOND;
    }
    expect(planner.freshWindowMs).toBe(15 * MINUTE);
    expect(planner.freshEveryPolls).toBeGreaterThan(1);
    expect(planner.estimatedRequestsPerMinute()).toBeLessThanOrEqual(3);
    // About one fresh read every `freshEveryPolls` polls, and nothing caught up.
    const fresh = kinds.filter((k) => k === 'fresh').length;
    expect(fresh).toBeGreaterThanOrEqual(Math.floor(90 / planner.freshEveryPolls) - 1);
    expect(fresh).toBeLessThanOrEqual(Math.ceil(90 / planner.freshEveryPolls) + 1);
    expect(kinds).not.toContain('catchup');
    expect(planner.catchingUp).toBe(false);
    expect(planner.checkpoint()).toBeGreaterThan(T0 + 15 * MINUTE);
  });

  it('never plans slower on a short poll interval than it would on the default one: the fresh reads stretch instead', () => {
    // The same account (100 calls a minute) and quota (60 a minute), polled every 15 s and every second.
    const listed = (r: PlannedRead) => (r.kind === 'held' ? 0 : r.kind === 'sweep' ? 2 : Math.round((100 * (window(r)[1] - window(r)[0])) / MINUTE));
    const at15 = new ReadPlanner(options({ maxRequestsPerMinute: 60 }));
    at15.begin(T0, T0);
    cycles(at15, T0, 60, 15 * SECOND, listed);
    const at1 = new ReadPlanner(options({ pollIntervalMs: SECOND, maxRequestsPerMinute: 60 }));
    at1.begin(T0, T0);
    cycles(at1, T0, 900, SECOND, listed);
    expect(at15.freshWindowMs).not.toBeNull();
    expect(at1.freshWindowMs).not.toBeNull();
    expect(at1.freshWindowMs!).toBeGreaterThanOrEqual(at15.freshWindowMs!);
    expect(at1.freshEveryPolls).toBeGreaterThan(1);
    expect(at1.freshEveryPolls * SECOND).toBeLessThanOrEqual(15 * SECOND);
    expect(at1.estimatedRequestsPerMinute()).toBeLessThanOrEqual(60);
  });

  it('reads settled Duration bands over short windows when the fresh window no longer fits, and thins the default lags', () => {
    // 2,000 calls a minute: settled calls are listed by the bands, about 3 minutes of them each.
    const perMinute = 2000;
    const listed = (r: PlannedRead) => {
      const [a, b] = window(r);
      if (r.kind === 'held') return 0;
      if (r.kind === 'settled') return Math.round((perMinute * (b - a)) / MINUTE / 13 / 2);
      if (r.kind === 'sweep') return Math.round((perMinute * (b - a)) / MINUTE / 100);
      return Math.round((perMinute * (b - a)) / MINUTE);
    };
    const planner = new ReadPlanner(options());
    planner.begin(T0, T0);
    const now = cycles(planner, T0, 80, 15 * SECOND, listed);
    expect(planner.freshWindowMs).toBeNull();
    expect(planner.settledEveryPolls).not.toBeNull();
    expect(planner.sliceLagsMs).toEqual([10 * MINUTE, 2 * HOUR]);
    expect(planner.sweepThresholdSeconds()).toBe(600);
    expect(planner.estimatedRequestsPerMinute()).toBeLessThanOrEqual(170);
    // Over the next polls, every band is read, each with a Duration range and a window of minutes.
    const bands = new Map<string, [number, number]>();
    for (let i = 0; i < 4; i++) {
      const at = now + i * 15 * SECOND;
      const reads = planner.plan(at, []);
      for (const read of ofKind(reads, 'settled')) {
        const [a, b] = window(read);
        expect(b).toBe(at);
        expect(b - a).toBeGreaterThan(3 * MINUTE);
        expect(b - a).toBeLessThan(15 * MINUTE);
        bands.set(JSON.stringify(read.query.duration), [a, b]);
      }
      expect(ofKind(reads, 'fresh')).toEqual([]);
      completeAll(planner, reads, at, () => true, listed);
    }
    expect(bands.size).toBe(13);
    expect(bands.has(JSON.stringify({ gte: 0, lte: 14 }))).toBe(true);
    expect(bands.has(JSON.stringify({ gte: 480, lte: 599 }))).toBe(true);
    // Quiet again: the fresh window and the 30-minute lag come back.
    const quiet = new ReadPlanner(options());
    quiet.begin(T0, T0);
    cycles(quiet, T0, 80, 15 * SECOND, listed);
    cycles(quiet, T0 + 80 * 15 * SECOND, 200, 15 * SECOND, () => 0);
    expect(quiet.settledEveryPolls).toBeNull();
    expect(quiet.freshWindowMs).not.toBeNull();
    expect(quiet.sliceLagsMs).toEqual([10 * MINUTE, 30 * MINUTE, 2 * HOUR]);
  });

  it('sizes catch-up windows to the spare quota once the rate is known', () => {
    const planner = new ReadPlanner(options());
    planner.begin(T0 - HOUR, T0);
    // First cycle: rate unknown, one 10-minute chunk.
    const first = planner.plan(T0, []);
    expect(ofKind(first, 'catchup').map(window).map(([a, b]) => b - a)).toEqual([10 * MINUTE]);
    completeAll(planner, first, T0, () => true, (r) => (r.kind === 'held' ? 0 : Math.round((1000 * (window(r)[1] - window(r)[0])) / MINUTE)));
    const second = ofKind(planner.plan(T0 + 15 * SECOND, []), 'catchup');
    const planned = second.reduce((sum, r) => sum + (window(r)[1] - window(r)[0]), 0);
    // About 1000 calls a minute: the spare requests of one cycle (under 50) hold under 5 minutes
    // of calls, and a catch-up window is never under a minute.
    expect(planned).toBeGreaterThanOrEqual(MINUTE);
    expect(planned).toBeLessThan(5 * MINUTE);
  });
});

describe('ReadPlanner: restarts', () => {
  it('reads back from checkpoint - lookback - skew, keeps the checkpoint until then, and reports the oldest start to keep', () => {
    const planner = new ReadPlanner(options());
    const checkpoint = T0 - 30 * MINUTE;
    planner.begin(checkpoint, T0);
    const reads = planner.plan(T0, []);
    expect(window(ofKind(reads, 'catchup')[0]!)[0]).toBe(checkpoint - 2 * HOUR - MINUTE);
    expect(planner.oldestPlanned()).toBe(checkpoint - 2 * HOUR - MINUTE);
    expect(planner.checkpoint()).toBe(checkpoint);
  });

  // The stream forgets emitted Sids that started before `oldestPlanned()` (CallTracker.prune): no
  // later read, in this run or after a restart from what it saved, may list start times before it,
  // or those calls go out twice. Found by the guarantee's property: a 19-minute poll, a lookback
  // as long and a 44-minute skew margin put the fresh window's reach past it.
  it('never reads start times older than oldestPlanned() said before, in the run or after a restart from its state, over every accepted poll, lookback and skew margin', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: SECOND, max: HOUR }),
        fc.integer({ min: 0, max: 3 * HOUR }),
        fc.integer({ min: 0, max: HOUR }),
        fc.constantFrom(1, 20, 200, 1000),
        fc.constantFrom(0, 1, 100, 10_000),
        (pollIntervalMs, extraLookback, skewMarginMs, maxRequestsPerMinute, callsPerMinute) => {
          const opts = options({ pollIntervalMs, lookbackMs: Math.max(MINUTE, pollIntervalMs + SECOND + extraLookback), skewMarginMs, maxRequestsPerMinute });
          const records = (r: PlannedRead) => (r.query.dateCreated === undefined ? 0 : Math.round(((window(r)[1] - window(r)[0]) * callsPerMinute) / MINUTE));
          let floor = Number.NEGATIVE_INFINITY;
          const check = (reads: PlannedRead[], now: number, when = 'in the run') => {
            for (const read of reads) {
              if (read.kind === 'held' || read.kind === 'hinted') continue;
              if (window(read)[0] < floor) throw new Error(`${read.kind} read from ${window(read)[0]} at ${now}, under the ${floor} kept before, ${when} (${JSON.stringify({ ...opts, callsPerMinute })})`);
            }
          };
          const planner = new ReadPlanner(opts);
          let now = T0;
          planner.begin(null, now);
          for (let i = 0; i < 12; i++) {
            const reads = planner.plan(now, []);
            check(reads, now);
            completeAll(planner, reads, now, () => true, records);
            floor = Math.max(floor, planner.oldestPlanned()!);
            now += pollIntervalMs;
          }
          // A restart from what a save holds now, placed (before the API answers) no earlier than
          // the latest API time the state shows, as the stream places it.
          const coverage = planner.coverage();
          const checkpoint = planner.checkpoint();
          const latest = Math.max(checkpoint ?? Number.NEGATIVE_INFINITY, ...coverage.map((span) => span[2]));
          const again = new ReadPlanner(opts);
          again.begin(checkpoint, latest, { coverage });
          check(again.plan(latest, []), latest, 'after a restart');
        },
      ),
      { numRuns: 300, seed: 122 },
    );
  });

  it('treats a checkpoint ahead of now as now, and rejects one that is not a number', () => {
    const planner = new ReadPlanner(options());
    planner.begin(T0 + HOUR, T0);
    expect(planner.checkpoint()).toBe(T0);
    expect(() => planner.begin('yesterday' as never, T0)).toThrow(/`checkpoint`/);
  });
});
