/**
 * The coverage ledger: for every start second (`DateCreated`, epoch ms on whole seconds), the API
 * time of the latest *completed* full listing that covered it — a listing with only the stream's
 * own filters, every page read. The API lists a call once it has ended, under its start second, so
 * a call that started at `s` and ended at `E` is known to have been listed iff `at(s) >= E`.
 *
 * The read tiers produce listings; the ledger records what they covered; what is still owed is a
 * question asked of the ledger (`owedUntil`, `owedForLag`), never of a tier's own bookkeeping. So
 * a read that fails, a restart, an outage or a clock that jumps leaves nothing silently uncovered:
 * what was not recorded is owed.
 *
 * Pure, no clock of its own. Spans are kept sorted, disjoint, and merged where they touch with the
 * same `at`; their number is bounded by the reads inside the horizon, not by the calls.
 */

const SECOND = 1000;

/** A run of start seconds `[from, to]` (inclusive, whole seconds) last covered by a listing at API time `at`. */
export interface CoverageSpan {
  readonly from: number;
  readonly to: number;
  readonly at: number;
}

/** A run of start seconds `[from, to]` (inclusive, whole seconds). */
export interface SecondRange {
  from: number;
  to: number;
}

/** The ledger as a store keeps it: `[from, to, at]` triples, ascending. */
export type CoverageJSON = Array<[from: number, to: number, at: number]>;

const floorSecond = (ms: number) => Math.floor(ms / SECOND) * SECOND;
const ceilSecond = (ms: number) => Math.ceil(ms / SECOND) * SECOND;

interface MutableSpan {
  from: number;
  to: number;
  at: number;
}

export class CoverageLedger {
  #spans: MutableSpan[] = [];

  /** Spans, ascending (a copy). */
  spans(): CoverageSpan[] {
    return this.#spans.map((s) => ({ ...s }));
  }

  get size(): number {
    return this.#spans.length;
  }

  /** The API time of the latest completed listing that covered second `second`, or null if none did. */
  at(second: number): number | null {
    const i = this.#indexAtOrAfter(floorSecond(second));
    const span = this.#spans[i];
    return span !== undefined && span.from <= second ? span.at : null;
  }

  /**
   * A listing of the start seconds `[from, to]` completed, every page, as of API time `at` (a lower
   * bound of when the API evaluated it). Each second keeps the later of its old and the new time.
   */
  record(from: number, to: number, at: number): void {
    from = ceilSecond(from);
    to = floorSecond(to);
    if (!(to >= from) || !Number.isFinite(at)) return;
    const out: MutableSpan[] = [];
    const spans = this.#spans;
    let i = this.#indexAtOrAfter(from);
    // Spans wholly before `from` stay as they are (copied later by splice).
    let cursor = from;
    while (i < spans.length && spans[i]!.from <= to) {
      const span = spans[i]!;
      if (span.from < from) out.push({ from: span.from, to: from - SECOND, at: span.at });
      if (span.from > cursor) out.push({ from: cursor, to: span.from - SECOND, at });
      const a = Math.max(span.from, from);
      const b = Math.min(span.to, to);
      out.push({ from: a, to: b, at: Math.max(span.at, at) });
      if (span.to > to) out.push({ from: to + SECOND, to: span.to, at: span.at });
      cursor = b + SECOND;
      i++;
    }
    if (cursor <= to) out.push({ from: cursor, to, at });
    const first = this.#indexAtOrAfter(from);
    spans.splice(first, i - first, ...out);
    this.#mergeAround(first - 1, first + out.length);
  }

  /**
   * Seconds of `[from, to]` not covered by a listing at or after `minAt`: what a read at `minAt`
   * or later still has to cover (the fresh window; a catch-up after a restart).
   */
  owedUntil(from: number, to: number, minAt: number): SecondRange[] {
    return this.#owed(from, to, (span) => (span.at >= minAt ? null : span.from));
  }

  /**
   * Seconds `s` of `[from, to]` never covered at or after `s + lagMs`: start times not yet read at
   * the age `lagMs` (a call of start `s` that ended within `lagMs` is listed by such a read). The
   * caller bounds `to` by `now - lagMs` (a second is due only once it is that old).
   */
  owedForLag(from: number, to: number, lagMs: number): SecondRange[] {
    // at < s + lag  ⟺  s > at − lag: owed from the first whole second after at − lag.
    return this.#owed(from, to, (span) => floorSecond(span.at - lagMs) + SECOND);
  }

  /** The oldest second of `[from, to]` for which `owedForLag` is not empty, or null. */
  oldestOwedForLag(from: number, to: number, lagMs: number): number | null {
    return this.owedForLag(from, to, lagMs)[0]?.from ?? null;
  }

  /** Takes back what was recorded of the start seconds `[from, to]`: they are owed again. */
  erase(from: number, to: number): void {
    from = ceilSecond(from);
    to = floorSecond(to);
    if (!(to >= from)) return;
    const spans = this.#spans;
    const first = this.#indexAtOrAfter(from);
    let i = first;
    const out: MutableSpan[] = [];
    while (i < spans.length && spans[i]!.from <= to) {
      const span = spans[i]!;
      if (span.from < from) out.push({ from: span.from, to: from - SECOND, at: span.at });
      if (span.to > to) out.push({ from: to + SECOND, to: span.to, at: span.at });
      i++;
    }
    spans.splice(first, i - first, ...out);
  }

  /** Forgets the spans wholly before `before` (and cuts one that straddles it). */
  forgetBefore(before: number): void {
    before = ceilSecond(before);
    const spans = this.#spans;
    let drop = 0;
    while (drop < spans.length && spans[drop]!.to < before) drop++;
    if (drop > 0) spans.splice(0, drop);
    if (spans[0] !== undefined && spans[0].from < before) spans[0].from = before;
  }

  /**
   * Moves every `at` by `deltaMs` (negative after the API's clock went back, so that no listing is
   * believed to have happened later, on the new clock, than it did), capped at `maxAt`.
   */
  shift(deltaMs: number, maxAt: number = Number.POSITIVE_INFINITY): void {
    if (!Number.isFinite(deltaMs)) return;
    for (const span of this.#spans) span.at = Math.min(span.at + deltaMs, maxAt);
    this.#mergeAround(0, this.#spans.length);
  }

  /** Caps every `at` at `maxAt` (nothing recorded may lie in the API's future). */
  capAt(maxAt: number): void {
    let changed = false;
    for (const span of this.#spans) {
      if (span.at > maxAt) {
        span.at = maxAt;
        changed = true;
      }
    }
    if (changed) this.#mergeAround(0, this.#spans.length);
  }

  /** `[from, to, at]` triples, for a store. */
  toJSON(): CoverageJSON {
    return this.#spans.map((s) => [s.from, s.to, s.at]);
  }

  /** Replaces the spans with those a store kept. Throws a TypeError naming the first bad entry. */
  restore(json: unknown): void {
    if (!Array.isArray(json)) throw new TypeError(`Expected the coverage to be an array of [from, to, at], got ${typeof json}`);
    const spans: MutableSpan[] = [];
    let previousTo = Number.NEGATIVE_INFINITY;
    json.forEach((entry: unknown, index) => {
      const ok =
        Array.isArray(entry) &&
        entry.length === 3 &&
        entry.every((v) => typeof v === 'number' && Number.isFinite(v)) &&
        entry[0] % SECOND === 0 &&
        entry[1] % SECOND === 0 &&
        entry[0] <= entry[1] &&
        entry[0] > previousTo;
      if (!ok) throw new TypeError(`Expected coverage[${index}] to be [from, to, at] on whole seconds, ascending and disjoint, got ${JSON.stringify(entry)}`);
      const [from, to, at] = entry as [number, number, number];
      spans.push({ from, to, at });
      previousTo = to;
    });
    this.#spans = spans;
    this.#mergeAround(0, spans.length);
  }

  #owed(from: number, to: number, owedFrom: (span: MutableSpan) => number | null): SecondRange[] {
    from = ceilSecond(from);
    to = floorSecond(to);
    const out: SecondRange[] = [];
    if (!(to >= from)) return out;
    const push = (a: number, b: number) => {
      if (b < a) return;
      const last = out.at(-1);
      if (last !== undefined && last.to + SECOND >= a) last.to = Math.max(last.to, b);
      else out.push({ from: a, to: b });
    };
    const spans = this.#spans;
    let cursor = from;
    for (let i = this.#indexAtOrAfter(from); i < spans.length && spans[i]!.from <= to; i++) {
      const span = spans[i]!;
      // Never covered: owed.
      if (span.from > cursor) push(cursor, Math.min(to, span.from - SECOND));
      const a = Math.max(span.from, from);
      const b = Math.min(span.to, to);
      const start = owedFrom(span);
      if (start !== null) push(Math.max(a, start), b);
      cursor = b + SECOND;
    }
    if (cursor <= to) push(cursor, to);
    return out;
  }

  /** Index of the first span whose `to` is at or after `second`. */
  #indexAtOrAfter(second: number): number {
    const spans = this.#spans;
    let lo = 0;
    let hi = spans.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (spans[mid]!.to < second) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Merges touching spans with the same `at` in `[from, to)` of the span array (indexes clamped). */
  #mergeAround(from: number, to: number): void {
    const spans = this.#spans;
    let i = Math.max(0, from);
    const end = Math.min(spans.length - 1, to);
    while (i < Math.min(spans.length - 1, end + 1)) {
      const a = spans[i]!;
      const b = spans[i + 1]!;
      if (a.to + SECOND === b.from && a.at === b.at) {
        a.to = b.to;
        spans.splice(i + 1, 1);
      } else {
        i++;
      }
    }
  }
}
