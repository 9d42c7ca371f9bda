import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CallTracker } from '../../src/engine/CallTracker.js';
import { defaultIsSettled } from '../../src/engine/defaultIsSettled.js';
import { changedFields } from '../../src/engine/fingerprint.js';
import type { Call } from '../../src/exotel/types.js';
import type { CallStreamEvent } from '../../src/stream/types.js';
import { makeCall, unsettled } from './fixtures.js';

const T0 = Date.parse('2025-01-15T10:00:00Z');
const SIDS = ['s0', 's1', 's2', 's3', 's4'];
const LOOKBACK = 3_600_000;
const MARGIN = 120_000;

/** The versions a record goes through: unsettled, settled, corrected, touched (dateUpdated only), recorded, failed. */
function versions(sid: string, index: number): Call[] {
  const base = makeCall({ sid, dateCreated: new Date(T0 + index * 600_000), status: index % 2 ? 'completed' : 'no-answer' });
  return [
    unsettled(base),
    base,
    { ...base, price: 3.75, dateUpdated: new Date(base.dateUpdated!.getTime() + 60_000) },
    { ...base, dateUpdated: new Date(base.dateUpdated!.getTime() + 120_000) },
    { ...base, recordingUrl: `https://rec/${sid}.mp3` },
    { ...base, status: 'failed' },
  ];
}

type Op =
  | { kind: 'observe'; sid: number; version: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'expire' }
  | { kind: 'prune' }
  | { kind: 'restart' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('observe' as const), sid: fc.nat(SIDS.length - 1), version: fc.nat(5) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 900_000 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'expire' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'prune' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

describe('CallTracker (properties)', () => {
  it('emits each Sid once, never early, turns every later change into an update and prunes by the horizon', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 600_000 }), fc.array(opArb, { maxLength: 80 }), (settleMs, ops) => {
        const options = { settleMs, isSettled: defaultIsSettled, lookbackMs: LOOKBACK, retainMarginMs: MARGIN };
        let tracker = new CallTracker(options);
        let now = T0;
        const firstEmitted = new Set<string>();
        const firstSeen = new Map<string, number>(); // held since (model), reset by a restart
        const baseline = new Map<string, Call>(); // last version seen after emission
        const latest = new Map<string, Call>();

        const check = (events: CallStreamEvent[], observed?: Call) => {
          for (const event of events) {
            const sid = event.call.sid;
            if (event.type === 'callUpdated') {
              const before = baseline.get(sid);
              expect(before, `update of ${sid} before its emission`).toBeDefined();
              expect(event.changes).toEqual(changedFields(before!, event.call));
              expect(event.changes.length).toBeGreaterThan(0);
              baseline.set(sid, event.call);
              continue;
            }
            expect(firstEmitted.has(sid), `${sid} emitted twice`).toBe(false);
            const held = now - (firstSeen.get(sid) ?? now);
            expect(held >= settleMs || defaultIsSettled({ call: event.call, heldMs: held }), `${sid} emitted early`).toBe(true);
            expect(event.type).toBe(event.call.status === 'completed' ? 'callCompleted' : 'callFailed');
            firstEmitted.add(sid);
            firstSeen.delete(sid);
            baseline.set(sid, event.call);
          }
          // An observed change of an emitted Sid must have produced an update (or the baseline moves silently).
          if (observed && firstEmitted.has(observed.sid) && !events.some((e) => e.call.sid === observed.sid)) {
            const before = baseline.get(observed.sid)!;
            expect(changedFields(before, observed), `change of ${observed.sid} not reported`).toEqual([]);
            baseline.set(observed.sid, observed);
          }
        };

        for (const op of ops) {
          switch (op.kind) {
            case 'observe': {
              const sid = SIDS[op.sid]!;
              const call = versions(sid, op.sid)[op.version]!;
              // Reads only ever reach back over the lookback.
              if (call.dateCreated.getTime() < now - LOOKBACK) break;
              if (!firstEmitted.has(sid) && !firstSeen.has(sid)) firstSeen.set(sid, now);
              latest.set(sid, call);
              check(tracker.observe(call, now), call);
              break;
            }
            case 'advance':
              now += op.ms;
              break;
            case 'expire':
              check(tracker.expire(now));
              break;
            case 'prune': {
              tracker.prune(now);
              for (const entry of Object.values(tracker.emittedState())) expect(entry.dateCreated).toBeGreaterThanOrEqual(now - LOOKBACK - MARGIN);
              // Forgotten Sids are out of reach of every later read: drop them from the model too.
              const kept = new Set(Object.keys(tracker.emittedState()));
              for (const sid of [...firstEmitted]) {
                if (!kept.has(sid)) {
                  firstEmitted.delete(sid);
                  baseline.delete(sid);
                }
              }
              break;
            }
            case 'restart': {
              const saved = JSON.parse(JSON.stringify(tracker.emittedState())) as ReturnType<CallTracker['emittedState']>;
              tracker = new CallTracker(options);
              tracker.restore(saved);
              firstSeen.clear();
              break;
            }
          }
          expect(tracker.size).toBe(tracker.heldSids().length + Object.keys(tracker.emittedState()).length);
          for (const sid of tracker.heldSids()) expect(firstEmitted.has(sid)).toBe(false);
          const expiry = tracker.nextExpiry();
          if (expiry !== null) expect(expiry).toBe(Math.min(...tracker.heldSids().map((s) => firstSeen.get(s)!)) + settleMs);
        }
      }),
      { numRuns: 400 },
    );
  });
});
