import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TRACKED_FIELDS, applyFingerprint, changedFields, encodeFingerprint, fingerprint } from '../../src/engine/fingerprint.js';
import type { Call } from '../../src/exotel/types.js';
import { makeCall } from './fixtures.js';

const withDetails = (call: Call): Call => ({
  ...call,
  details: { conversationDuration: 20, leg1Status: 'completed', leg2Status: 'no-answer', legs: [{ id: 1, onCallDuration: 25 }, { id: 2, onCallDuration: null }] },
});

describe('fingerprint', () => {
  it('is equal for equal tracked values and differs when one changes', () => {
    const a = makeCall({ sid: 'a' });
    expect(fingerprint({ ...a, raw: { ...a.raw, Extra: 1 }, to: 'other' })).toBe(fingerprint(a));
    expect(fingerprint({ ...a, price: 2 })).not.toBe(fingerprint(a));
    expect(fingerprint(withDetails(a))).not.toBe(fingerprint(a));
  });

  it('decodes back to the remembered values (applyFingerprint)', () => {
    const before = withDetails(makeCall({ sid: 'a', duration: null, price: null, endTime: null, recordingUrl: null }));
    const after = makeCall({ sid: 'a', recordingUrl: 'https://rec/a.mp3', dateUpdated: new Date('2025-01-15T10:05:00Z') });
    const restored = applyFingerprint(after, fingerprint(before));
    for (const field of [...TRACKED_FIELDS, 'dateUpdated' as const]) expect(restored[field]).toEqual(before[field]);
    expect(restored.raw).toBe(after.raw);
    expect(restored.to).toBe(after.to);
    const noDetails = applyFingerprint(withDetails(after), fingerprint(after));
    expect('details' in noDetails).toBe(false);
  });

  it('round-trips any tracked values (property)', () => {
    const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
    const dateArb = nullable(fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms)));
    fc.assert(
      fc.property(
        fc.record({
          status: fc.constantFrom('completed', 'failed', 'busy', 'no-answer', 'canceled' as const),
          startTime: dateArb,
          endTime: dateArb,
          dateUpdated: dateArb,
          duration: nullable(fc.nat()),
          price: nullable(fc.double({ noNaN: true, noDefaultInfinity: true })),
          recordingUrl: nullable(fc.string()),
          answeredBy: nullable(fc.string()),
        }),
        (fields) => {
          const call = makeCall({ sid: 'p', ...fields });
          const restored = applyFingerprint(makeCall({ sid: 'p' }), fingerprint(call));
          expect(changedFields(restored, call)).toEqual([]);
          expect(fingerprint(restored)).toBe(fingerprint(call));
          // The hand-built string is exactly the JSON of the encoding (fingerprints saved before stay equal).
          expect(fingerprint(call)).toBe(JSON.stringify(encodeFingerprint(call)));
          const withDetails = { ...call, details: { conversationDuration: fields.duration, leg1Status: 'completed' as const, leg2Status: null, legs: [{ id: 1, onCallDuration: fields.duration }] } };
          expect(fingerprint(withDetails)).toBe(JSON.stringify(encodeFingerprint(withDetails)));
        },
      ),
    );
  });

  it('rejects what it cannot decode, naming the text', () => {
    expect(() => applyFingerprint(makeCall({ sid: 'a' }), 'nope')).toThrow(/fingerprint.*"nope"/);
    expect(() => applyFingerprint(makeCall({ sid: 'a' }), '[2,"completed"]')).toThrow(TypeError);
  });
});

describe('changedFields', () => {
  const a = makeCall({ sid: 'a' });
  it('names the tracked fields that changed, in order', () => {
    expect(changedFields(a, { ...a, price: 2, duration: 31 })).toEqual(['duration', 'price']);
    expect(changedFields(a, { ...a, endTime: new Date(a.endTime!.getTime() + 1000) })).toEqual(['endTime']);
    expect(changedFields(a, withDetails(a))).toEqual(['details']);
  });
  it('compares dates by instant, not identity', () => {
    expect(changedFields(a, { ...a, startTime: new Date(a.startTime!.getTime()) })).toEqual([]);
  });
  it('does not count dateUpdated alone, but names it beside a tracked change', () => {
    const later = new Date(a.dateUpdated!.getTime() + 60_000);
    expect(changedFields(a, { ...a, dateUpdated: later })).toEqual([]);
    expect(changedFields(a, { ...a, dateUpdated: later, recordingUrl: 'https://rec' })).toEqual(['recordingUrl', 'dateUpdated']);
  });
  it('ignores untracked fields such as raw, to or callerName', () => {
    expect(changedFields(a, { ...a, to: 'x', callerName: 'y', raw: { ...a.raw, Foo: 'bar' } })).toEqual([]);
  });
});
