import { floorSecond } from '../constants.js';

/** `[from, to]` in pieces of at most `maxMs`, each starting on the second the previous ended (`gte`/`lte` are inclusive). */
export function splitWindow(from: number, to: number, maxMs: number): Array<[number, number]> {
  const pieces: Array<[number, number]> = [];
  let a = from;
  do {
    const b = Math.min(to, floorSecond(a + maxMs));
    pieces.push([a, b]);
    a = b;
  } while (a < to);
  return pieces;
}

/** Start-second ranges `ranges` less those in `minus` (all inclusive, whole seconds, ascending). */
export function subtractRanges(ranges: ReadonlyArray<{ from: number; to: number }>, minus: ReadonlyArray<{ from: number; to: number }>): Array<{ from: number; to: number }> {
  if (minus.length === 0) return ranges.map((r) => ({ ...r }));
  const cuts = [...minus].sort((a, b) => a.from - b.from);
  const out: Array<{ from: number; to: number }> = [];
  for (const range of ranges) {
    let from = range.from;
    for (const cut of cuts) {
      if (cut.to < from) continue;
      if (cut.from > range.to) break;
      if (cut.from > from) out.push({ from, to: Math.min(range.to, cut.from - 1000) });
      from = Math.max(from, cut.to + 1000);
      if (from > range.to) break;
    }
    if (from <= range.to) out.push({ from, to: range.to });
  }
  return out;
}

/** Start-second ranges `ranges` cut to the seconds at or before `to`. */
export function clipRanges(ranges: ReadonlyArray<{ from: number; to: number }>, to: number): Array<{ from: number; to: number }> {
  const out: Array<{ from: number; to: number }> = [];
  for (const r of ranges) if (r.from <= to) out.push({ from: r.from, to: Math.min(r.to, to) });
  return out;
}
