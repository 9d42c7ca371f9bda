import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { EMPTY, Subject, map, of } from 'rxjs';
import { CallTracker } from '../../src/engine/CallTracker.js';
import { defaultIsSettled } from '../../src/engine/defaultIsSettled.js';
import { pollEvery } from '../../src/operators/pollEvery.js';
import { trackCalls } from '../../src/operators/trackCalls.js';
import type { CallStreamEvent } from '../../src/stream/types.js';
import { call, rawCall, unsettledRaw } from './fixtures.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const label = (e: CallStreamEvent) => `${e.type}:${e.call.sid}${e.type === 'callUpdated' ? `[${e.changes.join(',')}]` : ''}`;

describe('trackCalls', () => {
  it('emits a call once, when it settles, however often it is read', () => {
    const ts = scheduler();
    const tracker = new CallTracker({ settleMs: 1_000, isSettled: defaultIsSettled, lookbackMs: 100_000 });
    const pending = call(unsettledRaw('CA1'));
    const settled = call(rawCall('CA1'));
    ts.run(({ expectObservable }) => {
      // Polls at 0, 10, 20, ...: unsettled until 30, settled from then on.
      const result = pollEvery(10, () => of(ts.now() < 30 ? pending : settled).pipe(trackCalls(tracker, () => ts.now())), ts).pipe(map(label));
      expectObservable(result, '^ 60ms !').toBe('30ms a', { a: 'callCompleted:CA1' });
    });
  });

  it('emits a held record as it is when settleMs runs out, at the end of the first cycle past it', () => {
    const ts = scheduler();
    const tracker = new CallTracker({ settleMs: 25, isSettled: defaultIsSettled, lookbackMs: 100_000 });
    const pending = call(unsettledRaw('CA2', { Status: 'no-answer' }));
    ts.run(({ cold, expectObservable }) => {
      // The record is read only by the first cycle; later cycles read nothing (say the re-read failed).
      const result = pollEvery(
        10,
        (tick) => (tick === 0 ? cold('-(a|)', { a: pending }) : cold<typeof pending>('--|')).pipe(trackCalls(tracker, () => ts.now())),
        ts,
      ).pipe(map(label));
      // First seen at 1: expires at 26; the cycle running then (20..22) is too early, the one at 30 ends at 32.
      expectObservable(result, '^ 60ms !').toBe('32ms a', { a: 'callFailed:CA2' });
    });
    expect(tracker.heldSids()).toEqual([]);
  });

  it('turns a change after emission into a callUpdated, and the same values read again into nothing', () => {
    const ts = scheduler();
    const tracker = new CallTracker({ settleMs: 1_000, isSettled: defaultIsSettled, lookbackMs: 100_000 });
    const first = call(rawCall('CA3'));
    const corrected = call(rawCall('CA3', { Price: '2.000', DateUpdated: '2026-01-15 10:09:00' }));
    ts.run(({ expectObservable }) => {
      const result = pollEvery(10, () => of(ts.now() < 20 ? first : corrected).pipe(trackCalls(tracker, () => ts.now())), ts).pipe(map(label));
      expectObservable(result, '^ 50ms !').toBe('a 19ms b', { a: 'callCompleted:CA3', b: 'callUpdated:CA3[price,dateUpdated]' });
    });
  });

  it('prunes emitted entries past the horizon at the end of each cycle', () => {
    const tracker = new CallTracker({ settleMs: 0, isSettled: defaultIsSettled, lookbackMs: 60_000, retainMarginMs: 0 });
    const c = call(rawCall('CA4'));
    const start = c.dateCreated.getTime();
    let now = start + 1_000;
    of(c).pipe(trackCalls(tracker, () => now)).subscribe();
    expect(tracker.size).toBe(1);
    now = start + 61_000;
    EMPTY.pipe(trackCalls(tracker, () => now)).subscribe();
    expect(tracker.size).toBe(0);
  });

  it('keeps entries from `keepFrom` on while older windows are still to be read', () => {
    const tracker = new CallTracker({ settleMs: 0, isSettled: defaultIsSettled, lookbackMs: 60_000, retainMarginMs: 0 });
    const c = call(rawCall('CA5'));
    const start = c.dateCreated.getTime();
    of(c).pipe(trackCalls(tracker, () => start)).subscribe();
    EMPTY.pipe(trackCalls(tracker, () => start + 120_000, { keepFrom: () => start - 1 })).subscribe();
    expect(tracker.size).toBe(1);
  });

  it('passes errors through without expiring', () => {
    const tracker = new CallTracker({ settleMs: 0, isSettled: defaultIsSettled, lookbackMs: 60_000 });
    const source = new Subject<ReturnType<typeof call>>();
    const seen: string[] = [];
    source.pipe(trackCalls(tracker, () => 0)).subscribe({ next: (e) => seen.push(label(e)), error: (e: Error) => seen.push(`error:${e.message}`) });
    source.error(new Error('boom'));
    expect(seen).toEqual(['error:boom']);
  });
});
