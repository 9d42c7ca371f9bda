/**
 * Which worker runs which account: rendezvous hashing with bounded load. Every worker computes it
 * from the same inputs (the account list and the live workers) and gets the same answer, without
 * talking to the others: each account goes to the worker that ranks highest for it (a hash of
 * both), unless that worker already has its fair share, `ceil(accounts / workers)`; accounts are
 * placed in the order of their own hash. A worker that joins or leaves moves about its share of
 * accounts, not all of them.
 */

/** A 32-bit hash with good avalanche (FNV-1a, then murmur3's finalizer). */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Account → worker, for every account, when there is at least one worker. */
export function assignAccounts(accounts: readonly string[], workers: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (workers.length === 0) return out;
  const unique = [...new Set(accounts)];
  const cap = Math.ceil(unique.length / workers.length);
  const load = new Map<string, number>(workers.map((w) => [w, 0]));
  const ordered = unique.map((a) => ({ a, h: hash(a) })).sort((x, y) => x.h - y.h || (x.a < y.a ? -1 : 1));
  for (const { a } of ordered) {
    const ranked = workers.map((w) => ({ w, h: hash(`${a}\u0000${w}`) })).sort((x, y) => y.h - x.h || (x.w < y.w ? -1 : 1));
    const chosen = ranked.find(({ w }) => load.get(w)! < cap)!;
    load.set(chosen.w, load.get(chosen.w)! + 1);
    out.set(a, chosen.w);
  }
  return out;
}
