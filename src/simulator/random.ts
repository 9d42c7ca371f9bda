/** A tiny seeded PRNG (mulberry32) and a 32-bit hash to derive independent streams from a seed. */

export type Random = () => number;

/** Uniform floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes numbers into one 32-bit seed, so that each (seed, account, chunk) gets its own stream. */
export function hash32(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    // Fold in both halves so that values above 2^32 (epoch ms) still matter.
    const lo = part >>> 0;
    const hi = Math.floor(part / 4294967296) >>> 0;
    for (const v of [lo, hi]) {
      h = Math.imul(h ^ v, 0x01000193);
      h ^= h >>> 13;
      h = Math.imul(h, 0x5bd1e995);
      h ^= h >>> 15;
    }
  }
  return h >>> 0;
}

export const uint32 = (rnd: Random): number => Math.floor(rnd() * 4294967296) >>> 0;

/** Picks an index by weights (non-negative, summing to more than 0). */
export function pickWeighted(rnd: Random, cumulative: Float64Array): number {
  const total = cumulative[cumulative.length - 1] ?? 0;
  const r = rnd() * total;
  for (let i = 0; i < cumulative.length; i++) if (r < (cumulative[i] ?? 0)) return i;
  return cumulative.length - 1;
}

export function cumulativeOf(weights: number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => {
    sum += w;
    out[i] = sum;
  });
  return out;
}
