import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TrackedValues, applyFingerprint, changedFields, encodeFingerprint, fingerprint } from '../../src/engine/fingerprint.js';
import { TRACKED_FIELDS } from '../../src/exotel/trackedFields.js';
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

describe('TrackedValues', () => {
  // Few values per field, so that two calls often agree on some fields and sometimes on all.
  const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
  const T = Date.parse('2025-01-15T10:00:00Z');
  const dateArb = nullable(fc.constantFrom(T, T + 1000, Number.NaN).map((ms) => new Date(ms)));
  const numberArb = nullable(fc.constantFrom(0, -0, 1.5, 30, Number.NaN, Number.POSITIVE_INFINITY));
  const textArb = nullable(fc.constantFrom('', 'human', 'https://rec/a.mp3', 'https://rec/a.mp3",', 'https://rec/a', '"quoted"\n', 'a\ud800'));
  const detailsArb = fc.option(
    fc.record({
      conversationDuration: nullable(fc.constantFrom(0, 20)),
      leg1Status: nullable(fc.constantFrom('completed' as const, 'busy' as const)),
      leg2Status: fc.constant(null),
      legs: fc.array(fc.record({ id: fc.constantFrom(1, 2), onCallDuration: nullable(fc.constantFrom(5, 25)) }), { maxLength: 2 }),
    }),
    { nil: undefined },
  );
  const model = {
    status: fc.constantFrom('completed' as const, 'busy' as const),
    startTime: dateArb,
    endTime: dateArb,
    dateUpdated: dateArb,
    duration: numberArb,
    price: numberArb,
    recordingUrl: textArb,
    answeredBy: textArb,
    details: detailsArb,
  };
  type Fields = Partial<Pick<Call, 'status' | 'startTime' | 'endTime' | 'dateUpdated' | 'duration' | 'price' | 'recordingUrl' | 'answeredBy' | 'details'>>;
  const callOf = (fields: Fields): Call => {
    const { details, ...rest } = fields;
    const call = makeCall({ sid: 'p', ...rest });
    if (details !== undefined) call.details = details;
    return call;
  };

  it('matches a call exactly when their fingerprints are equal, and writes the same fingerprint (property)', () => {
    // The second call is the first with a few fields redrawn (often to the same value).
    fc.assert(
      fc.property(fc.record(model), fc.record(model, { requiredKeys: [] }), (a, changes) => {
        const first = callOf(a);
        const second = callOf({ ...a, ...changes });
        const same = fingerprint(first) === fingerprint(second);
        // Before its fingerprint is built, and after (the URL is then compared inside it).
        const values = new TrackedValues(first);
        expect(values.matches(second)).toBe(same);
        expect(values.matches(first)).toBe(true);
        expect(values.fingerprint).toBe(fingerprint(first));
        expect(values.matches(first)).toBe(true);
        expect(values.matches(second)).toBe(same);
      }),
      { numRuns: 2000 },
    );
  });

  it('tells apart values a string compare would, and only those', () => {
    const a = makeCall({ sid: 'a' });
    const values = new TrackedValues(a);
    expect(values.matches({ ...a, to: 'other', raw: { ...a.raw, Extra: 1 }, startTime: new Date(a.startTime!.getTime()) })).toBe(true);
    expect(values.matches({ ...a, dateUpdated: new Date(a.dateUpdated!.getTime() + 1) })).toBe(false);
    expect(values.matches({ ...a, recordingUrl: '' })).toBe(false);
    expect(values.matches(withDetails(a))).toBe(false);
    expect(new TrackedValues(withDetails(a)).matches(withDetails(a))).toBe(true);
    // The URL is compared inside the fingerprint: neither a prefix nor an extension of it matches.
    const url = 'https://rec/a.mp3';
    const withUrl = new TrackedValues({ ...a, recordingUrl: url });
    expect(withUrl.fingerprint).toBe(fingerprint({ ...a, recordingUrl: url }));
    expect(withUrl.matches({ ...a, recordingUrl: `${url}` })).toBe(true);
    expect(withUrl.matches({ ...a, recordingUrl: url.slice(0, -1) })).toBe(false);
    expect(withUrl.matches({ ...a, recordingUrl: `${url}","human` })).toBe(false);
    expect(withUrl.matches({ ...a, recordingUrl: 'https://rec/b.mp3' })).toBe(false);
    expect(withUrl.matches({ ...a, recordingUrl: null })).toBe(false);
    const quoted = new TrackedValues({ ...a, recordingUrl: 'say "hi"' });
    expect(quoted.matches({ ...a, recordingUrl: 'say "hi"' })).toBe(true);
    expect(quoted.matches({ ...a, recordingUrl: 'say "ho"' })).toBe(false);
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
