import { describe, expect, it, vi } from 'vitest';
import { CallTracker } from '../../src/engine/CallTracker.js';
import { defaultIsSettled } from '../../src/engine/defaultIsSettled.js';
import { fingerprint } from '../../src/engine/fingerprint.js';
import { InvalidOptionError } from '../../src/exotel/errors.js';
import { makeCall, unsettled } from './fixtures.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2025-01-15T10:00:00Z');
const tracker = (settleMs = 300_000) => new CallTracker({ settleMs, isSettled: defaultIsSettled, lookbackMs: 2 * HOUR, retainMarginMs: 0 });

describe('CallTracker', () => {
  it('emits a settled record at once, classified, and never again as completed', () => {
    const t = tracker();
    const call = makeCall({ sid: 'a', dateCreated: new Date(T0) });
    expect(t.observe(call, T0 + 60_000)).toEqual([{ type: 'callCompleted', call }]);
    expect(t.observe(call, T0 + 120_000)).toEqual([]);
    expect(t.observe({ ...call }, T0 + 180_000)).toEqual([]);
    expect(t.observe(makeCall({ sid: 'b', status: 'busy', dateCreated: new Date(T0) }), T0)[0]?.type).toBe('callFailed');
  });

  it('holds an unsettled record, lists it for re-reading and emits it when it settles', () => {
    const t = tracker();
    const call = makeCall({ sid: 'a', dateCreated: new Date(T0) });
    expect(t.observe(unsettled(call), T0 + 1000)).toEqual([]);
    expect(t.heldSids()).toEqual(['a']);
    expect(t.nextExpiry()).toBe(T0 + 1000 + 300_000);
    expect(t.observe(call, T0 + 90_000)).toEqual([{ type: 'callCompleted', call }]);
    expect(t.heldSids()).toEqual([]);
    expect(t.nextExpiry()).toBeNull();
  });

  it('emits a held record as it is once settleMs has run out, then reports its settling as an update', () => {
    const t = tracker(300_000);
    const call = makeCall({ sid: 'a', dateCreated: new Date(T0) });
    t.observe(unsettled(call), T0);
    expect(t.expire(T0 + 299_999)).toEqual([]);
    const [event] = t.expire(T0 + 300_000);
    expect(event).toEqual({ type: 'callCompleted', call: unsettled(call) });
    const [update] = t.observe(call, T0 + 400_000);
    expect(update).toMatchObject({ type: 'callUpdated', call, changes: ['endTime', 'duration', 'price'] });
    expect(update?.type === 'callUpdated' && update.previous.duration).toBeNull();
  });

  it('emits on observe when the record was already held settleMs', () => {
    const t = tracker(300_000);
    const call = unsettled(makeCall({ sid: 'a', dateCreated: new Date(T0) }));
    t.observe(call, T0);
    expect(t.observe(call, T0 + 300_000)).toEqual([{ type: 'callCompleted', call }]);
  });

  it('hands a custom predicate a frozen context with heldMs', () => {
    const isSettled = vi.fn(({ heldMs }: { heldMs: number }) => heldMs >= 20_000);
    const t = new CallTracker({ settleMs: 300_000, isSettled, lookbackMs: HOUR });
    const call = makeCall({ sid: 'a', dateCreated: new Date(T0) });
    expect(t.observe(call, T0)).toEqual([]);
    expect(t.observe(call, T0 + 20_000)).toHaveLength(1);
    const context = isSettled.mock.calls[0]?.[0];
    expect(Object.isFrozen(context)).toBe(true);
    expect(context).toEqual({ call, heldMs: 0 });
  });

  it('reports a correction after emission as callUpdated with previous and changes; dateUpdated alone is not one', () => {
    const t = tracker();
    const call = makeCall({ sid: 'a', dateCreated: new Date(T0) });
    t.observe(call, T0);
    expect(t.observe({ ...call, dateUpdated: new Date(T0 + 999_000) }, T0 + 1000)).toEqual([]);
    const corrected = { ...call, price: 2.25, dateUpdated: new Date(T0 + 1_999_000) };
    const [event] = t.observe(corrected, T0 + 2000);
    expect(event).toMatchObject({ type: 'callUpdated', call: corrected, changes: ['price', 'dateUpdated'] });
    expect(event?.type === 'callUpdated' && event.previous.price).toBe(1.5);
    expect(event?.type === 'callUpdated' && event.previous.dateUpdated?.getTime()).toBe(T0 + 999_000);
    expect(t.observe(corrected, T0 + 3000)).toEqual([]);
  });

  it('after restore, never emits a remembered Sid again, and reports its change against the remembered values', () => {
    const before = tracker();
    const call = makeCall({ sid: 'a', dateCreated: new Date(T0) });
    before.observe(call, T0);
    const state = JSON.parse(JSON.stringify(before.emittedState())) as ReturnType<CallTracker['emittedState']>;
    expect(state).toEqual({ a: { dateCreated: T0, fingerprint: fingerprint(call) } });

    const after = tracker();
    after.restore(state);
    expect(after.observe(call, T0 + 60_000)).toEqual([]);
    const corrected = { ...call, duration: 45, recordingUrl: 'https://rec/a.mp3' };
    const [event] = after.observe(corrected, T0 + 70_000);
    expect(event).toMatchObject({ type: 'callUpdated', changes: ['duration', 'recordingUrl'] });
    expect(event?.type === 'callUpdated' && event.previous).toMatchObject({ duration: 30, recordingUrl: null, sid: 'a' });
  });

  it('keeps the saved fingerprint in step with the latest values, restored or not', () => {
    const t = tracker();
    const call = makeCall({ sid: 'a', dateCreated: new Date(T0) });
    t.observe(call, T0);
    expect(t.emittedState().a?.fingerprint).toBe(fingerprint(call));
    const touched = { ...call, dateUpdated: new Date(T0 + 500_000) };
    expect(t.observe(touched, T0 + 1000)).toEqual([]);
    expect(t.emittedState().a?.fingerprint).toBe(fingerprint(touched));
    const corrected = { ...touched, duration: 31 };
    expect(t.observe(corrected, T0 + 2000)).toMatchObject([{ type: 'callUpdated', changes: ['duration'] }]);
    expect(t.emittedState()).toEqual({ a: { dateCreated: T0, fingerprint: fingerprint(corrected) } });

    const after = tracker();
    after.restore(t.emittedState());
    expect(after.observe({ ...corrected, dateUpdated: new Date(T0 + 600_000) }, T0 + 3000)).toEqual([]);
    expect(after.emittedState().a?.fingerprint).toBe(fingerprint({ ...corrected, dateUpdated: new Date(T0 + 600_000) }));
    const [event] = after.observe({ ...corrected, price: 3, dateUpdated: new Date(T0 + 700_000) }, T0 + 4000);
    expect(event).toMatchObject({ type: 'callUpdated', changes: ['price', 'dateUpdated'] });
    expect(event?.type === 'callUpdated' && event.previous.dateUpdated?.getTime()).toBe(T0 + 600_000);
    expect(event?.type === 'callUpdated' && event.previous.price).toBe(1.5);
  });

  it('keeps a first read held when isSettled throws, and emits it on a later read', () => {
    let calls = 0;
    const isSettled = () => {
      calls++;
      if (calls === 1) throw new Error('predicate broke');
      return true;
    };
    const t = new CallTracker({ settleMs: 300_000, isSettled, lookbackMs: HOUR });
    const call = makeCall({ sid: 'a', dateCreated: new Date(T0) });
    expect(() => t.observe(call, T0)).toThrow('predicate broke');
    expect(t.heldSids()).toEqual(['a']);
    expect(t.nextExpiry()).toBe(T0 + 300_000);
    expect(t.observe(call, T0 + 1000)).toEqual([{ type: 'callCompleted', call }]);
    expect(t.heldSids()).toEqual([]);
    expect(t.size).toBe(1);
  });

  it('emits a first read at once with settleMs 0, without asking isSettled', () => {
    const isSettled = vi.fn(() => false);
    const t = new CallTracker({ settleMs: 0, isSettled, lookbackMs: HOUR });
    const call = unsettled(makeCall({ sid: 'a', dateCreated: new Date(T0) }));
    expect(t.observe(call, T0)).toEqual([{ type: 'callCompleted', call }]);
    expect(isSettled).not.toHaveBeenCalled();
    expect(t.heldSids()).toEqual([]);
  });

  it('takes an undecodable remembered fingerprint as the new baseline, without an event', () => {
    const t = tracker();
    t.restore({ a: { dateCreated: T0, fingerprint: 'legacy' } });
    const call = makeCall({ sid: 'a', dateCreated: new Date(T0) });
    expect(t.observe(call, T0)).toEqual([]);
    expect(t.observe({ ...call, price: 9 }, T0)).toMatchObject([{ type: 'callUpdated', changes: ['price'] }]);
  });

  it('restore removes a held Sid and rejects entries of the wrong shape, naming the Sid', () => {
    const t = tracker();
    t.observe(unsettled(makeCall({ sid: 'a', dateCreated: new Date(T0) })), T0);
    t.restore({ a: { dateCreated: T0, fingerprint: '[]' } });
    expect(t.heldSids()).toEqual([]);
    expect(() => t.restore({ b: { dateCreated: 'x' } as never })).toThrow(/"b"/);
  });

  it('prunes emitted Sids that started before the horizon, keeps held ones, and honours keepFrom', () => {
    const t = new CallTracker({ settleMs: 300_000, isSettled: defaultIsSettled, lookbackMs: 2 * HOUR, retainMarginMs: 60_000 });
    t.observe(makeCall({ sid: 'old', dateCreated: new Date(T0) }), T0);
    t.observe(makeCall({ sid: 'new', dateCreated: new Date(T0 + HOUR) }), T0 + HOUR);
    t.observe(unsettled(makeCall({ sid: 'held', dateCreated: new Date(T0 - 5 * HOUR) })), T0 + HOUR);
    expect(t.size).toBe(3);
    t.prune(T0 + 2 * HOUR + 60_000);
    expect(t.size).toBe(3);
    t.prune(T0 + 2 * HOUR + 60_001, T0 - 1);
    expect(t.size).toBe(3);
    t.prune(T0 + 2 * HOUR + 60_001);
    expect(Object.keys(t.emittedState())).toEqual(['new']);
    expect(t.heldSids()).toEqual(['held']);
  });

  it('lists held Sids oldest first and expires them in that order', () => {
    const t = tracker(1000);
    for (const [sid, at] of [['c', 30], ['a', 10], ['b', 20]] as const) t.observe(unsettled(makeCall({ sid, dateCreated: new Date(T0) })), T0 + at);
    expect(t.heldSids()).toEqual(['a', 'b', 'c']);
    expect(t.nextExpiry()).toBe(T0 + 1010);
    expect(t.expire(T0 + 1020).map((e) => e.call.sid)).toEqual(['a', 'b']);
  });

  it('validates its options, naming them, by the rules of createCallStream', () => {
    const ok = { settleMs: 1, isSettled: defaultIsSettled, lookbackMs: 60_000 };
    expect(() => new CallTracker(ok)).not.toThrow();
    expect(() => new CallTracker({ ...ok, lookbackMs: 59_999 })).toThrow(/`lookbackMs` to be an integer from 60000 to 2678400000/);
    expect(() => new CallTracker({ ...ok, settleMs: 60_001 })).toThrow(/`settleMs` to be an integer from 0 to 60000/);
    expect(() => new CallTracker({ ...ok, settleMs: undefined as never })).toThrow(/`settleMs`/);
    expect(() => new CallTracker({ ...ok, settleMs: -1 })).toThrow(InvalidOptionError);
    expect(() => new CallTracker({ ...ok, settleMs: -1 })).toThrow(/`settleMs`.*`-1` \(number\)/);
    expect(() => new CallTracker({ ...ok, lookbackMs: 0 })).toThrow(/`lookbackMs`/);
    expect(() => new CallTracker({ ...ok, lookbackMs: Number.NaN })).toThrow(/`lookbackMs`/);
    expect(() => new CallTracker({ ...ok, isSettled: 'yes' as never })).toThrow(/`isSettled`.*"yes"/);
    expect(() => new CallTracker({ ...ok, retainMarginMs: -5 })).toThrow(/`retainMarginMs`/);
  });
});
