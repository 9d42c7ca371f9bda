import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CoverageLedger } from '../../../src/engine/coverage/CoverageLedger.js';
import type { SecondRange } from '../../../src/engine/coverage/CoverageLedger.js';

const S = 1000;

/** The obvious model: one entry per second. */
class Naive {
  readonly at = new Map<number, number>();
  record(from: number, to: number, at: number) {
    for (let s = Math.ceil(from / S) * S; s <= Math.floor(to / S) * S; s += S) this.at.set(s, Math.max(this.at.get(s) ?? -Infinity, at));
  }
  owed(from: number, to: number, isOwed: (s: number, at: number | undefined) => boolean): SecondRange[] {
    const out: SecondRange[] = [];
    for (let s = Math.ceil(from / S) * S; s <= Math.floor(to / S) * S; s += S) {
      if (!isOwed(s, this.at.get(s))) continue;
      const last = out.at(-1);
      if (last && last.to + S === s) last.to = s;
      else out.push({ from: s, to: s });
    }
    return out;
  }
}

const op = fc.oneof(
  fc.record({ kind: fc.constant('record' as const), from: fc.integer({ min: 0, max: 200 }), len: fc.integer({ min: 0, max: 60 }), at: fc.integer({ min: 0, max: 400_000 }) }),
  fc.record({ kind: fc.constant('forget' as const), before: fc.integer({ min: 0, max: 120 }) }),
  fc.record({ kind: fc.constant('shift' as const), delta: fc.integer({ min: -50_000, max: 0 }) }),
  fc.record({ kind: fc.constant('erase' as const), from: fc.integer({ min: 0, max: 200 }), len: fc.integer({ min: 0, max: 30 }) }),
);

describe('CoverageLedger', () => {
  it('answers like a per-second model after any sequence of records, erasures, forgets and shifts', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 400_000 }), fc.integer({ min: 0, max: 300_000 }), (ops, qFrom, qLen, minAt, lag) => {
        const ledger = new CoverageLedger();
        const naive = new Naive();
        for (const o of ops) {
          if (o.kind === 'record') {
            ledger.record(o.from * S, (o.from + o.len) * S, o.at);
            naive.record(o.from * S, (o.from + o.len) * S, o.at);
          } else if (o.kind === 'forget') {
            ledger.forgetBefore(o.before * S);
            for (const s of [...naive.at.keys()]) if (s < o.before * S) naive.at.delete(s);
          } else if (o.kind === 'erase') {
            ledger.erase(o.from * S, (o.from + o.len) * S);
            for (let x = o.from; x <= o.from + o.len; x++) naive.at.delete(x * S);
          } else {
            ledger.shift(o.delta);
            for (const [s, at] of naive.at) naive.at.set(s, at + o.delta);
          }
        }
        const from = qFrom * S;
        const to = (qFrom + qLen) * S;
        expect(ledger.owedUntil(from, to, minAt)).toEqual(naive.owed(from, to, (_s, at) => at === undefined || at < minAt));
        expect(ledger.owedForLag(from, to, lag)).toEqual(naive.owed(from, to, (s, at) => at === undefined || at < s + lag));
        for (let s = from; s <= to; s += S) expect(ledger.at(s)).toBe(naive.at.get(s) ?? null);
        // Spans stay sorted, disjoint, and merged where they touch with the same time.
        const spans = ledger.spans();
        for (let i = 1; i < spans.length; i++) {
          expect(spans[i]!.from).toBeGreaterThan(spans[i - 1]!.to);
          if (spans[i]!.from === spans[i - 1]!.to + S) expect(spans[i]!.at).not.toBe(spans[i - 1]!.at);
        }
        // A store's copy restores the same ledger.
        const copy = new CoverageLedger();
        copy.restore(JSON.parse(JSON.stringify(ledger.toJSON())));
        expect(copy.spans()).toEqual(spans);
      }),
      { numRuns: 400 },
    );
  });

  it('grows by the reads, not by the seconds: a window re-read every poll keeps one span per poll that left it', () => {
    const ledger = new CoverageLedger();
    for (let t = 0; t < 3_600; t += 15) ledger.record((t - 900) * S, t * S, t * S);
    expect(ledger.size).toBeLessThanOrEqual(3_600 / 15 + 1);
  });

  it('refuses a stored ledger it cannot use, naming the entry', () => {
    const ledger = new CoverageLedger();
    expect(() => ledger.restore([[0, 1000, 5], [500, 2000, 5]])).toThrow(/coverage\[1\]/);
    expect(() => ledger.restore([[0, 1500, 5]])).toThrow(/coverage\[0\]/);
    expect(() => ledger.restore('x')).toThrow(TypeError);
  });
});
