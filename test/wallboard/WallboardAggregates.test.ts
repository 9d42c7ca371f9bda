import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WallboardAggregates } from '../../src/wallboard/WallboardAggregates.js';
import { InvalidOptionError } from '../../src/exotel/errors.js';
import type { CallStatus } from '../../src/exotel/types.js';
import { ended, makeCall, updated } from './fixtures.js';

// 2026-03-10 12:00:00 in Asia/Kolkata (06:30 UTC).
const NOON_IST = Date.UTC(2026, 2, 10, 6, 30, 0);
const MIN = 60_000;

describe('WallboardAggregates', () => {
  it('counts completed and failed calls by status, today and in the last 15 minutes', () => {
    const agg = new WallboardAggregates({ timeZone: 'Asia/Kolkata' });
    agg.apply(ended(makeCall({ end: NOON_IST - 2 * MIN, duration: 100, price: 2 })), NOON_IST);
    agg.apply(ended(makeCall({ end: NOON_IST - 3 * MIN, duration: 50, price: 1.25 })), NOON_IST);
    agg.apply(ended(makeCall({ end: NOON_IST - 4 * MIN, status: 'busy', duration: 0, price: 0 })), NOON_IST);
    agg.apply(ended(makeCall({ end: NOON_IST - 40 * MIN, status: 'no-answer', duration: null, price: null })), NOON_IST);
    agg.apply(ended(makeCall({ end: NOON_IST - 3 * 3600_000, duration: 30, price: 0.5 })), NOON_IST);
    const s = agg.snapshot(NOON_IST);
    expect(s.day).toBe('2026-03-10');
    expect(s.today).toMatchObject({ total: 5, completed: 3, failed: 2, talkSeconds: 180, talkedCalls: 3, averageTalkSeconds: 60, spend: 3.75 });
    expect(s.today.byStatus).toEqual({ completed: 3, failed: 0, busy: 1, 'no-answer': 1, canceled: 0 });
    expect(s.last15Minutes).toMatchObject({ total: 3, completed: 2, failed: 1, averageTalkSeconds: 75, spend: 3.25 });
    expect(s.perMinute).toHaveLength(60);
    expect(s.perMinute.reduce((n, b) => n + b.completed + b.failed, 0)).toBe(4);
    expect(s.perMinute[59]!.start).toBe(NOON_IST);
    expect(s.perMinute.find((b) => b.start === NOON_IST - 4 * MIN)).toEqual({ start: NOON_IST - 4 * MIN, completed: 0, failed: 1 });
  });

  it('starts "today" at midnight in the board zone, not UTC', () => {
    const agg = new WallboardAggregates({ timeZone: 'Asia/Kolkata' });
    // 00:10 IST on 10 March is 18:40 UTC on 9 March.
    const justAfterMidnight = Date.UTC(2026, 2, 9, 18, 40);
    agg.apply(ended(makeCall({ end: justAfterMidnight - 5 * MIN })), justAfterMidnight);
    agg.apply(ended(makeCall({ end: justAfterMidnight - 20 * MIN })), justAfterMidnight); // 23:50 IST, yesterday
    const s = agg.snapshot(justAfterMidnight);
    expect(s.day).toBe('2026-03-10');
    expect(s.today.completed).toBe(1);
    // Yesterday's call is still in the last hour's chart.
    expect(s.perMinute.reduce((n, b) => n + b.completed, 0)).toBe(2);
  });

  it('replaces a call on callUpdated instead of counting it twice', () => {
    const agg = new WallboardAggregates();
    const first = makeCall({ end: NOON_IST - MIN, duration: null, price: null, status: 'completed' });
    agg.apply(ended(first), NOON_IST);
    expect(agg.snapshot(NOON_IST).today).toMatchObject({ completed: 1, talkedCalls: 0, spend: 0, averageTalkSeconds: null });
    agg.apply(updated(first, { duration: 90, price: 3.5 }), NOON_IST);
    let s = agg.snapshot(NOON_IST);
    expect(s.today).toMatchObject({ total: 1, completed: 1, talkSeconds: 90, talkedCalls: 1, spend: 3.5 });
    expect(s.latest).toHaveLength(1);
    expect(s.latest[0]).toMatchObject({ sid: first.sid, talkSeconds: 90, price: 3.5 });
    // A status correction moves the call between tiles.
    agg.apply(updated(first, { status: 'failed', duration: 0, price: 0 }), NOON_IST);
    s = agg.snapshot(NOON_IST);
    expect(s.today).toMatchObject({ total: 1, completed: 0, failed: 1, talkedCalls: 0, spend: 0 });
    expect(agg.size).toBe(1);
  });

  it('gives the answer rate, calls by line and by direction, and today by hour of the day', () => {
    const agg = new WallboardAggregates({ timeZone: 'Asia/Kolkata' });
    const lineA = '+918047000001';
    const lineB = '+918047000002';
    // 09:00-09:02 IST: 3 calls on line A; 11:10 and 11:20: 2 on B (one outbound); 11:55: a failure on A.
    for (let i = 0; i < 3; i++) agg.apply(ended(makeCall({ sid: `a${i}`, end: NOON_IST - 3 * 3600_000 + i * MIN, phoneNumber: lineA })), NOON_IST);
    agg.apply(ended(makeCall({ sid: 'b0', end: NOON_IST - 50 * MIN, phoneNumber: lineB })), NOON_IST);
    agg.apply(ended(makeCall({ sid: 'b1', end: NOON_IST - 40 * MIN, phoneNumber: lineB, direction: 'outbound-api', status: 'no-answer' })), NOON_IST);
    agg.apply(ended(makeCall({ sid: 'a3', end: NOON_IST - 5 * MIN, phoneNumber: lineA, status: 'busy' })), NOON_IST);
    const s = agg.snapshot(NOON_IST);
    expect(s.today.answerRate).toBeCloseTo(4 / 6);
    expect(s.last15Minutes.answerRate).toBe(0);
    expect(s.today.byLine).toEqual([
      { line: lineA, total: 4, completed: 3, failed: 1 },
      { line: lineB, total: 2, completed: 1, failed: 1 },
    ]);
    expect(s.today.byDirection).toEqual({ inbound: { total: 5, completed: 4, failed: 1 }, 'outbound-api': { total: 1, completed: 0, failed: 1 } });
    expect(s.byHour).toHaveLength(24);
    expect(s.byHour.filter((h) => h.completed + h.failed > 0)).toEqual([
      { hour: 9, completed: 3, failed: 0 },
      { hour: 11, completed: 1, failed: 2 },
    ]);
    // A correction moves the call's counts, it does not add a call.
    agg.apply(updated(makeCall({ sid: 'b1', end: NOON_IST - 40 * MIN, phoneNumber: lineB, direction: 'outbound-api', status: 'no-answer' }), { status: 'completed' }), NOON_IST);
    const after = agg.snapshot(NOON_IST);
    expect(after.today.byLine[1]).toEqual({ line: lineB, total: 2, completed: 2, failed: 0 });
    expect(after.today.answerRate).toBeCloseTo(5 / 6);
    expect(new WallboardAggregates().snapshot(NOON_IST).today).toMatchObject({ answerRate: null, byLine: [], byDirection: {} });
  });

  it('sums the lines past the eighth as `other`', () => {
    const agg = new WallboardAggregates();
    for (let i = 0; i < 11; i++) {
      for (let k = 0; k <= i; k++) agg.apply(ended(makeCall({ sid: `l${i}-${k}`, end: NOON_IST - MIN, phoneNumber: `+9180470000${String(i).padStart(2, '0')}` })), NOON_IST);
    }
    const lines = agg.snapshot(NOON_IST).today.byLine;
    expect(lines.map((l) => l.total)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 6]);
    expect(lines.at(-1)!.line).toBe('other');
  });

  it('lists the latest calls by the time they ended, not by arrival, and corrects one in place', () => {
    const agg = new WallboardAggregates({ latestCount: 3 });
    // A catch-up brings an old call after newer ones.
    agg.apply(ended(makeCall({ sid: 'new', end: NOON_IST - MIN })), NOON_IST);
    agg.apply(ended(makeCall({ sid: 'mid', end: NOON_IST - 5 * MIN })), NOON_IST);
    agg.apply(ended(makeCall({ sid: 'old', end: NOON_IST - 30 * MIN })), NOON_IST);
    agg.apply(ended(makeCall({ sid: 'older', end: NOON_IST - 60 * MIN })), NOON_IST);
    expect(agg.snapshot(NOON_IST).latest.map((c) => c.sid)).toEqual(['new', 'mid', 'old']);
    agg.apply(ended(makeCall({ sid: 'between', end: NOON_IST - 2 * MIN })), NOON_IST);
    expect(agg.snapshot(NOON_IST).latest.map((c) => c.sid)).toEqual(['new', 'between', 'mid']);
    agg.apply(updated(makeCall({ sid: 'mid', end: NOON_IST - 5 * MIN }), { price: 9 }), NOON_IST);
    expect(agg.snapshot(NOON_IST).latest.map((c) => [c.sid, c.price])).toEqual([
      ['new', 1.5],
      ['between', 1.5],
      ['mid', 9],
    ]);
  });

  it('prefers the leg-wise conversation duration for talk time', () => {
    const agg = new WallboardAggregates();
    agg.apply(ended(makeCall({ end: NOON_IST - MIN, duration: 100, conversation: 70 })), NOON_IST);
    expect(agg.snapshot(NOON_IST).today.averageTalkSeconds).toBe(70);
  });

  it('keeps only the latest calls, newest first, with masked numbers and no raw fields', () => {
    const agg = new WallboardAggregates({ latestCount: 3 });
    for (let i = 0; i < 5; i++) agg.apply(ended(makeCall({ sid: `s${i}`, end: NOON_IST - (10 - i) * MIN })), NOON_IST);
    const { latest } = agg.snapshot(NOON_IST);
    expect(latest.map((c) => c.sid)).toEqual(['s4', 's3', 's2']);
    expect(latest[0]!.customer).toBe('+9198•••••210');
    const text = JSON.stringify(latest);
    expect(text).not.toContain('secret-token');
    expect(text).not.toContain('acme1');
  });

  it('forgets what no period shows any more (memory bounded by the board)', () => {
    const agg = new WallboardAggregates();
    agg.apply(ended(makeCall({ end: NOON_IST - MIN })), NOON_IST);
    expect(agg.size).toBe(1);
    const nextDay = NOON_IST + 24 * 3600_000;
    const s = agg.snapshot(nextDay);
    expect(s.today.total).toBe(0);
    expect(agg.size).toBe(0);
    // A backfilled call from days ago is listed but not counted.
    agg.apply(ended(makeCall({ end: NOON_IST - 5 * 24 * 3600_000 })), nextDay);
    expect(agg.size).toBe(0);
  });

  it('validates its options', () => {
    expect(() => new WallboardAggregates({ timeZone: 'Mars/Base' })).toThrow(InvalidOptionError);
    expect(() => new WallboardAggregates({ timeZone: 'Mars/Base' })).toThrow(/`timeZone`.*"Mars\/Base"/);
    expect(() => new WallboardAggregates({ latestCount: 0 })).toThrow(/`latestCount`.*`0` \(number\)/);
  });

  it('matches a direct count for any sequence of ends and updates (property)', () => {
    const statusArb = fc.constantFrom<CallStatus>('completed', 'failed', 'busy', 'no-answer', 'canceled');
    const op = fc.record({
      sid: fc.integer({ min: 0, max: 15 }),
      status: statusArb,
      minutesAgo: fc.integer({ min: 0, max: 200 }),
      duration: fc.option(fc.integer({ min: 0, max: 600 }), { nil: null }),
      priceMilli: fc.option(fc.integer({ min: 0, max: 9999 }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const agg = new WallboardAggregates({ timeZone: 'Asia/Kolkata' });
        const last = new Map<string, ReturnType<typeof makeCall>>();
        for (const o of ops) {
          const sid = `s${o.sid}`;
          const call = makeCall({ sid, status: o.status, end: NOON_IST - o.minutesAgo * MIN, duration: o.duration, price: o.priceMilli === null ? null : o.priceMilli / 1000 });
          const prev = last.get(sid);
          agg.apply(prev ? { type: 'callUpdated', call, previous: prev, changes: ['status'] } : ended(call), NOON_IST);
          last.set(sid, call);
        }
        const s = agg.snapshot(NOON_IST);
        const dayStart = Date.UTC(2026, 2, 9, 18, 30);
        const today = [...last.values()].filter((c) => c.endTime!.getTime() >= dayStart);
        const completed = today.filter((c) => c.status === 'completed');
        const talked = completed.filter((c) => c.duration !== null);
        expect(s.today.completed).toBe(completed.length);
        expect(s.today.failed).toBe(today.length - completed.length);
        expect(s.today.talkSeconds).toBe(talked.reduce((n, c) => n + c.duration!, 0));
        expect(Math.round(s.today.spend * 1000)).toBe(today.reduce((n, c) => n + Math.round((c.price ?? 0) * 1000), 0));
        const lastHour = [...last.values()].filter((c) => c.endTime!.getTime() > NOON_IST - 60 * MIN);
        expect(s.perMinute.reduce((n, b) => n + b.completed + b.failed, 0)).toBe(lastHour.length);
      }),
      { numRuns: 200 },
    );
  });
});
