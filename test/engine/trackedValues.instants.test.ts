import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TrackedValues, fingerprint } from '../../src/engine/fingerprint.js';
import { makeCall } from './fixtures.js';

// Instants are kept as offsets from the call's start: they must still tell every instant apart,
// at the far ends of the Date range too, where an offset would not be exact.
const MAX = 8.64e15;
const instant = fc.oneof(
  fc.constantFrom(-MAX, MAX, -MAX + 1, MAX - 1, 0, Date.parse('2026-01-15T04:30:00Z')),
  fc.integer({ min: -MAX, max: MAX }),
  fc.integer({ min: 1_768_000_000_000, max: 1_769_000_000_000 }),
);
const date = fc.oneof(fc.constant(null), fc.constant(new Date(Number.NaN)), instant.map((ms) => new Date(ms)));

describe('TrackedValues: instants', () => {
  it('matches exactly the calls with the same instants, and writes them back unchanged (property)', () => {
    fc.assert(
      fc.property(instant, date, date, date, fc.option(fc.constantFrom(-1, 1, 2 ** 40), { nil: undefined }), (created, start, end, updated, nudge) => {
        const call = makeCall({ sid: 'a', dateCreated: new Date(created), startTime: start, endTime: end, dateUpdated: updated });
        const values = new TrackedValues(call);
        expect(values.matches(call)).toBe(true);
        // One instant moved a little or a lot (or not at all when it cannot be).
        const moved = start === null || nudge === undefined ? start : new Date(start.getTime() + nudge);
        const other = { ...call, startTime: moved };
        expect(values.matches(other)).toBe(fingerprint(other) === fingerprint(call));
        expect(values.startTime).toBe(start === null || Number.isNaN(start.getTime()) ? null : start.getTime());
        expect(values.fingerprint).toBe(fingerprint(call));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps instants too far apart for an exact offset as they are', () => {
    const call = makeCall({ sid: 'a', dateCreated: new Date(-MAX), startTime: new Date(MAX), endTime: new Date(MAX - 1), dateUpdated: null });
    const values = new TrackedValues(call);
    expect(values.matches(call)).toBe(true);
    expect(values.matches({ ...call, startTime: new Date(MAX - 1) })).toBe(false);
    expect(values.matches({ ...call, endTime: new Date(MAX - 2) })).toBe(false);
    expect([values.startTime, values.endTime, values.dateUpdated]).toEqual([MAX, MAX - 1, null]);
  });
});
