import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { map } from 'rxjs';
import { CallTracker } from '../../src/engine/CallTracker.js';
import { defaultIsSettled } from '../../src/engine/defaultIsSettled.js';
import { expireHeld } from '../../src/operators/expireHeld.js';
import { call, unsettledRaw } from './fixtures.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('expireHeld', () => {
  it('emits each held record exactly when its settleMs runs out, then arms for the next', () => {
    const ts = scheduler();
    const tracker = new CallTracker({ settleMs: 30, isSettled: defaultIsSettled, lookbackMs: 100_000 });
    ts.run(({ cold, expectObservable }) => {
      // Held at 0 (CA1) and at 12 (CA2); a cycle ends at 2 and at 14.
      ts.schedule(() => tracker.observe(call(unsettledRaw('CA1')), ts.now()), 0);
      ts.schedule(() => tracker.observe(call(unsettledRaw('CA2')), ts.now()), 12);
      const rearm = cold('--a-----------a');
      const result = expireHeld(tracker, rearm, () => ts.now(), ts).pipe(map((e) => `${e.type}:${e.call.sid}`));
      expectObservable(result, '^ 100ms !').toBe('30ms a 11ms b', { a: 'callCompleted:CA1', b: 'callCompleted:CA2' });
    });
    expect(tracker.heldSids()).toEqual([]);
  });

  it('arms nothing while nothing is held, and a later cycle end arms it', () => {
    const ts = scheduler();
    const tracker = new CallTracker({ settleMs: 10, isSettled: defaultIsSettled, lookbackMs: 100_000 });
    ts.run(({ cold, expectObservable }) => {
      ts.schedule(() => tracker.observe(call(unsettledRaw('CA3', { Status: 'busy' })), ts.now()), 5);
      // The first cycle end (at 0) finds nothing held; the one at 20 finds CA3 already due (at 15).
      const rearm = cold('a-------------------a');
      const result = expireHeld(tracker, rearm, () => ts.now(), ts).pipe(map((e) => `${e.type}:${e.call.sid}`));
      expectObservable(result, '^ 60ms !').toBe('20ms a', { a: 'callFailed:CA3' });
    });
  });

  it('does not emit a record the poll already emitted (settled in time)', () => {
    const ts = scheduler();
    const tracker = new CallTracker({ settleMs: 10, isSettled: defaultIsSettled, lookbackMs: 100_000 });
    ts.run(({ cold, expectObservable }) => {
      ts.schedule(() => tracker.observe(call(unsettledRaw('CA4')), ts.now()), 0);
      // Settled on a read at 5: emitted by the poll, so the expiry at 10 finds nothing held.
      ts.schedule(() => tracker.observe(call({ ...unsettledRaw('CA4'), Duration: '30', Price: '0.5', EndTime: '2026-01-15 10:00:30' }), ts.now()), 5);
      const rearm = cold('-a');
      expectObservable(expireHeld(tracker, rearm, () => ts.now(), ts), '^ 40ms !').toBe('');
    });
  });
});
