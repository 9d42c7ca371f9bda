/**
 * `TRACKED_FIELDS` is the one list of tracked fields: `TrackedRead` is derived from it, and every
 * part that handles tracked values (the raw-record reader, the fingerprint, `TrackedValues`,
 * `changedFields`, `applyFingerprint`, the tracker's fast path) sees each field of it. A field
 * added to the list is then seen everywhere, or this test fails: `CHANGE` below does not compile
 * without an entry for it, and the checks name the part that missed it.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { TRACKED_FIELDS } from '../../src/exotel/trackedFields.js';
import type { TrackedField, TrackedRead } from '../../src/exotel/trackedFields.js';
import { normalizeCall, readTrackedValues } from '../../src/exotel/normalizeCall.js';
import type { Call, RawCall } from '../../src/exotel/types.js';
import { TrackedValues, applyFingerprint, changedFields, encodeFingerprint, fingerprint } from '../../src/engine/fingerprint.js';
import { CallTracker } from '../../src/engine/CallTracker.js';
import { defaultIsSettled } from '../../src/engine/defaultIsSettled.js';
import { TZ, rawCall } from '../operators/fixtures.js';

const base: RawCall = {
  ...rawCall('CA-tracked'),
  RecordingUrl: 'https://recordings.example/CA-tracked.mp3',
  Details: { ConversationDuration: '55', Leg1Status: 'completed', Leg2Status: 'completed', Legs: [{ Leg: { Id: 1, OnCallDuration: '58' } }] },
};

/** How to change each tracked field, in the raw record the API sends. Must name every tracked field. */
const CHANGE: Record<TrackedField, (raw: RawCall) => RawCall> = {
  status: (r) => ({ ...r, Status: 'busy' }),
  startTime: (r) => ({ ...r, StartTime: '2026-01-15 10:00:04' }),
  endTime: (r) => ({ ...r, EndTime: '2026-01-15 10:01:07' }),
  duration: (r) => ({ ...r, Duration: '67' }),
  price: (r) => ({ ...r, Price: '1.750' }),
  recordingUrl: (r) => ({ ...r, RecordingUrl: 'https://recordings.example/CA-tracked-2.mp3' }),
  answeredBy: (r) => ({ ...r, AnsweredBy: 'machine' }),
  details: (r) => ({ ...r, Details: { ...r.Details, ConversationDuration: '56' } }),
};

const read = (raw: RawCall, details = true): Call => normalizeCall(raw, { timeZone: TZ, details });
/** A value as the fingerprint compares it. */
const compared = (v: unknown) => (v instanceof Date ? v.getTime() : v);

describe('TRACKED_FIELDS, the one list', () => {
  it('TrackedRead is derived from it: every tracked field but details, plus dateUpdated, instants as epoch ms', () => {
    expectTypeOf<keyof TrackedRead>().toEqualTypeOf<Exclude<TrackedField, 'details'> | 'dateUpdated'>();
    expectTypeOf<TrackedRead['startTime']>().toEqualTypeOf<number | null>();
    expectTypeOf<TrackedRead['status']>().toEqualTypeOf<Call['status']>();
    expectTypeOf<TrackedRead['recordingUrl']>().toEqualTypeOf<Call['recordingUrl']>();
    expect(Object.isFrozen(TRACKED_FIELDS)).toBe(true);
  });

  it('the raw-record reader gives every tracked value normalizeCall gives', () => {
    const values = readTrackedValues(base, { timeZone: TZ })!;
    const call = read(base, false);
    const keys = [...TRACKED_FIELDS.filter((f) => f !== 'details'), 'dateUpdated'] as const;
    expect(Object.keys(values).filter((k) => (keys as readonly string[]).includes(k)).sort()).toEqual([...keys].sort());
    for (const key of keys) expect(values[key], key).toEqual(compared(call[key]));
  });

  for (const field of TRACKED_FIELDS) {
    describe(`${field}: a change of it alone`, () => {
      const before = read(base);
      const after = read(CHANGE[field](base));

      it('is the one change between the two reads (the mutation is a real change of this field)', () => {
        expect(compared(after[field])).not.toEqual(compared(before[field]));
        for (const other of TRACKED_FIELDS.filter((f) => f !== field)) expect(after[other], other).toEqual(before[other]);
      });

      it('changes the fingerprint, which stays the JSON of its encoding', () => {
        expect(fingerprint(after)).not.toBe(fingerprint(before));
        expect(fingerprint(after)).toBe(JSON.stringify(encodeFingerprint(after)));
      });

      it('is named by changedFields, alone', () => {
        expect(changedFields(before, after)).toEqual([field]);
      });

      it('is seen by TrackedValues, whose fingerprint is fingerprint()', () => {
        const values = new TrackedValues(before);
        expect(values.matches(before)).toBe(true);
        expect(values.matches(after)).toBe(false);
        expect(values.fingerprint).toBe(fingerprint(before));
        expect(new TrackedValues(after).fingerprint).toBe(fingerprint(after));
      });

      it('is put back by applyFingerprint', () => {
        const previous = applyFingerprint(after, fingerprint(before));
        expect(compared(previous[field])).toEqual(compared(before[field]));
        expect(fingerprint(previous)).toBe(fingerprint(before));
      });

      it('is a callUpdated of the tracker, and the fast path does not skip it', () => {
        const details = field === 'details';
        const tracker = new CallTracker({ settleMs: 0, isSettled: defaultIsSettled, lookbackMs: 7_200_000 });
        const now = before.dateCreated.getTime() + 600_000;
        expect(tracker.observe(read(base, details), now)).toHaveLength(1);
        const changed = CHANGE[field](base);
        // The fast path: a re-read with nothing tracked changed is skipped; this one must not be.
        expect(tracker.unchanged(base, { timeZone: TZ, details })).toBe(!details);
        expect(tracker.unchanged(changed, { timeZone: TZ, details })).toBe(false);
        const [event] = tracker.observe(read(changed, details), now + 1_000);
        expect(event).toMatchObject({ type: 'callUpdated', changes: [field] });
      });
    });
  }
});
