import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { firstValueFrom, from, toArray } from 'rxjs';
import { CallTracker } from '../../src/engine/CallTracker.js';
import { defaultIsSettled } from '../../src/engine/defaultIsSettled.js';
import { normalizeCall } from '../../src/exotel/normalizeCall.js';
import type { MalformedRecordError } from '../../src/exotel/errors.js';
import type { RawCall } from '../../src/exotel/types.js';
import { normalizeRecords } from '../../src/operators/normalizeRecords.js';
import { trackCalls } from '../../src/operators/trackCalls.js';
import type { CallStreamEvent } from '../../src/stream/types.js';
import { TZ, rawCall } from './fixtures.js';

const T0 = Date.parse('2026-01-15T05:00:00Z');
const SIDS = ['CA0', 'CA1', 'CA2', 'CA3'];
const OPTIONS = { timeZone: TZ, details: false };

// Each field's variants: equal values written differently (numbers as strings or numbers, casing,
// "" vs null vs zeros), real changes, and values `normalizeCall` rejects.
const fields = {
  DateCreated: fc.constantFrom('2026-01-15 10:00:00', '2026-01-15 10:00:00', '2026-01-15 10:00:01', 'yesterday'),
  DateUpdated: fc.constantFrom('2026-01-15 10:03:00', '2026-01-15 10:04:00', '', null, '0000-00-00 00:00:00', undefined),
  Status: fc.constantFrom('completed', 'completed', 'no-answer', 'failed', 'ringing'),
  StartTime: fc.constantFrom('2026-01-15 10:00:00', '2026-01-15 10:00:02', '', null, 42),
  EndTime: fc.constantFrom('2026-01-15 10:01:00', '2026-01-15 10:01:00', '2026-01-15 10:02:00', '', null, '2026-02-30 10:00:00'),
  Duration: fc.constantFrom<unknown>('60', 60, '60.0', ' 60 ', '61', '', null, '-1', 'sixty', '007', 1e300),
  Price: fc.constantFrom<unknown>('1.500', 1.5, '1.5', '2', '-0', 0, '0', '', null, '1e3', '0.1', 0.1, '12345678901234567.5'),
  AnsweredBy: fc.constantFrom<unknown>('human', 'HUMAN', ' Human ', 'machine', '', null, undefined, 7, '  '),
  RecordingUrl: fc.constantFrom<unknown>(null, '', 'https://rec/a.mp3', 'https://rec/b.mp3', 'https://rec/"q".mp3', 'https://rec/é.mp3', 12),
  To: fc.constantFrom<unknown>('+918047000001', 918047000001, null, { n: 1 }),
  Direction: fc.constantFrom<unknown>('inbound', 'outbound-api', '', null, 'sideways'),
};

const BASE = { ...rawCall('', { RecordingUrl: 'https://rec/a.mp3' }), Sid: undefined };
const UNSETTLED = { Duration: '', Price: null, EndTime: '' };

// A version of a Sid's record: its settled (or unsettled) base with up to two fields varied.
const fieldArb = fc.oneof(...Object.entries(fields).map(([name, arb]) => (arb as fc.Arbitrary<unknown>).map((value) => [name, value] as const)));
const rawArb = (sid: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    {
      weight: 30,
      arbitrary: fc
        .tuple(fc.boolean(), fc.array(fieldArb, { maxLength: 2 }))
        .map(([settled, varied]) => ({ ...BASE, Sid: SIDS[sid], ...(settled ? {} : UNSETTLED), ...Object.fromEntries(varied) })),
    },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 'CA0', [], { Sid: '' }, { Sid: 5, DateCreated: '2026-01-15 10:00:00', Status: 'completed' }) },
  );

type Op =
  | { kind: 'read'; records: unknown[] }
  | { kind: 'advance'; ms: number }
  | { kind: 'save' }
  | { kind: 'restart' };

// A read repeats its record most of the time, as a later page does.
const readArb = fc
  .array(fc.nat(SIDS.length - 1).chain(rawArb), { minLength: 1, maxLength: 6 })
  .chain((records) => fc.array(fc.constantFrom(...records), { minLength: 1, maxLength: 12 }))
  .map((records) => ({ kind: 'read' as const, records }));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: readArb },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 400_000 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'save' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

interface Side {
  tracker: CallTracker;
  events: CallStreamEvent[];
  errors: string[];
}

/** One cycle through the stream's operators, with or without the tracker's `unchanged`. */
async function cycle(side: Side, records: unknown[], now: number, fast: boolean): Promise<void> {
  const page = { calls: records as RawCall[] };
  const onError = (error: MalformedRecordError) => side.errors.push(`${error.field} ${error.message}`);
  const tracker = side.tracker;
  const options = fast ? { ...OPTIONS, onError, unchanged: (raw: RawCall) => tracker.unchanged(raw, OPTIONS) } : { ...OPTIONS, onError };
  side.events.push(...(await firstValueFrom(from([page]).pipe(normalizeRecords(options), trackCalls(tracker, () => now), toArray()))));
}

describe('CallTracker.unchanged (the read path that skips normalizing)', () => {
  it('gives the same events, errors and state as normalizing every record', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 120_000, 300_000), fc.array(opArb, { maxLength: 30 }), async (settleMs, ops) => {
        const options = { settleMs, isSettled: defaultIsSettled, lookbackMs: 7_200_000 };
        const slow: Side = { tracker: new CallTracker(options), events: [], errors: [] };
        const fast: Side = { tracker: new CallTracker(options), events: [], errors: [] };
        let now = T0;
        for (const op of ops) {
          if (op.kind === 'read') {
            await cycle(slow, op.records, now, false);
            await cycle(fast, op.records, now, true);
          } else if (op.kind === 'advance') now += op.ms;
          else if (op.kind === 'save') expect(fast.tracker.emittedState()).toEqual(slow.tracker.emittedState());
          else {
            // A restart: only fingerprints survive.
            for (const side of [slow, fast]) {
              const saved = side.tracker.emittedState();
              side.tracker = new CallTracker(options);
              side.tracker.restore(saved);
            }
          }
          expect(fast.events).toEqual(slow.events);
          expect(fast.errors).toEqual(slow.errors);
          expect(fast.tracker.heldSids()).toEqual(slow.tracker.heldSids());
          expect(fast.tracker.size).toBe(slow.tracker.size);
        }
        expect(fast.tracker.emittedState()).toEqual(slow.tracker.emittedState());
      }),
      { numRuns: 300 },
    );
  });

  it('is true exactly for a re-read of an emitted Sid whose tracked values did not change', () => {
    const tracker = new CallTracker({ settleMs: 300_000, isSettled: defaultIsSettled, lookbackMs: 7_200_000 });
    const raw = rawCall('CA1', { RecordingUrl: 'https://rec/CA1.mp3' });
    const unsettled = { ...raw, Sid: 'CA2', Duration: '', Price: null, EndTime: '' };
    expect(tracker.unchanged(raw, OPTIONS)).toBe(false); // never seen
    expect(tracker.observe(normalizeCall(raw, OPTIONS), T0)).toHaveLength(1);
    expect(tracker.observe(normalizeCall(unsettled, OPTIONS), T0)).toHaveLength(0);
    expect(tracker.unchanged(unsettled, OPTIONS)).toBe(false); // held: must reach the settle check
    expect(tracker.unchanged({ ...raw }, OPTIONS)).toBe(true);
    expect(tracker.unchanged({ ...raw, Duration: 60, Price: 1.5, AnsweredBy: ' HUMAN ', To: 918047000001 }, OPTIONS)).toBe(true);
    expect(tracker.unchanged({ ...raw, Price: '1.6' }, OPTIONS)).toBe(false);
    expect(tracker.unchanged({ ...raw, DateUpdated: '2026-01-15 10:05:00' }, OPTIONS)).toBe(false);
    expect(tracker.unchanged({ ...raw, RecordingUrl: 'https://rec/CA1.mp4' }, OPTIONS)).toBe(false);
    expect(tracker.unchanged({ ...raw, From: { x: 1 } }, OPTIONS)).toBe(false); // malformed: reported by normalizeCall
    expect(tracker.unchanged({ ...raw, Direction: 'sideways' }, OPTIONS)).toBe(false);
    expect(tracker.unchanged(raw, { ...OPTIONS, details: true })).toBe(false);
    // Once saved, the URL is compared inside the fingerprint.
    tracker.emittedState();
    expect(tracker.unchanged({ ...raw }, OPTIONS)).toBe(true);
    expect(tracker.unchanged({ ...raw, RecordingUrl: 'https://rec/CA2.mp3' }, OPTIONS)).toBe(false);
    expect(tracker.unchanged({ ...raw, RecordingUrl: null }, OPTIONS)).toBe(false);
    // Restored: only a fingerprint, so the record goes the whole way.
    const restored = new CallTracker({ settleMs: 300_000, isSettled: defaultIsSettled, lookbackMs: 7_200_000 });
    restored.restore(tracker.emittedState());
    expect(restored.unchanged(raw, OPTIONS)).toBe(false);
    expect(restored.observe(normalizeCall(raw, OPTIONS), T0)).toEqual([]);
    expect(restored.unchanged(raw, OPTIONS)).toBe(true);
  });

  it('never takes a Sid emitted or restored after it was asked about for a new one', () => {
    const tracker = new CallTracker({ settleMs: 0, isSettled: defaultIsSettled, lookbackMs: 7_200_000 });
    const raw = { Sid: 'CA9', DateCreated: '2026-01-15 10:00:00', Status: 'completed', Duration: '5', Price: '1', EndTime: '2026-01-15 10:00:05' };
    const call = normalizeCall(raw, OPTIONS);
    expect(tracker.unchanged(raw, OPTIONS)).toBe(false);
    tracker.restore({ CA9: { dateCreated: call.dateCreated.getTime(), fingerprint: '[1,"completed",null,null,null,null,null,null,null,null]' } });
    // Restored in between: a change against the remembered values, not a first emission.
    expect(tracker.observe(call, T0).map((e) => e.type)).toEqual(['callUpdated']);
    expect(tracker.unchanged(raw, OPTIONS)).toBe(true);

    const other = { ...raw, Sid: 'CA10' };
    expect(tracker.unchanged(other, OPTIONS)).toBe(false);
    expect(tracker.observe(normalizeCall(other, OPTIONS), T0).map((e) => e.type)).toEqual(['callCompleted']);
    // Emitted since it was asked about: the next read of it is a re-read.
    expect(tracker.observe(normalizeCall(other, OPTIONS), T0)).toEqual([]);
  });
});
