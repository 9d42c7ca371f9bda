/**
 * One page of a listing: candidates from a sorted id list (all calls, the long-call index, or the
 * Sids asked for), bounded by binary search on DateCreated, filtered by a predicate compiled once
 * per request. Cost: O(log n + rows scanned), plus the scan for `Total` (cached per clock reading).
 */
import type { CallTable } from './callTable.js';
import { DIRECTIONS, DURATION_BUCKETS, STATUSES } from './callTable.js';
import type { Cursor, ListQuery } from './query.js';
import { RETENTION_MS } from './query.js';
import { countInList } from './blockTotals.js';
import { SortedIds } from './sortedIds.js';

export interface Page {
  ids: number[];
  total: number;
  hasPrev: boolean;
  hasNext: boolean;
}

const PRICE_EPSILON = 1e-9;

function compile(table: CallTable, q: ListQuery, now: number): (id: number) => boolean {
  const { end, settle, flags, status, dir, phone, agent, customer, dur, priceMilli } = table;
  const statusMask = q.statuses ? STATUSES.reduce((m, s, i) => (q.statuses!.has(s) ? m | (1 << i) : m), 0) : -1;
  const dirMask = q.directions ? DIRECTIONS.reduce((m, d, i) => (q.directions!.has(d) ? m | (1 << i) : m), 0) : -1;
  const indexSets = (numbers: string[] | undefined) => {
    if (!numbers) return undefined;
    const sets = { exo: new Set<number>(), agent: new Set<number>(), customer: new Set<number>(), strings: new Set(numbers) };
    for (const n of numbers) {
      const hit = table.pools.lookup(n);
      if (hit) sets[hit.kind].add(hit.i);
    }
    return sets;
  };
  const phoneSets = indexSets(q.phoneNumber);
  const toSets = indexSets(q.to);
  const fromSets = indexSets(q.from);
  const d = q.duration;
  const p = q.price;

  // Scripted and corrected calls: read their state and strings (rare, so the slow path is fine).
  const slow = (id: number): boolean => {
    if (q.directions && !(dirMask & (1 << dir[id]!))) return false;
    if (phoneSets && !phoneSets.strings.has(table.phoneNumber(id))) return false;
    if (toSets && !toSets.strings.has(table.to(id))) return false;
    if (fromSets && !fromSets.strings.has(table.from(id))) return false;
    if (!q.statuses && !d && !p) return true;
    const state = table.stateAt(id, now, false);
    if (q.statuses && !q.statuses.has(state.status)) return false;
    if (d && (state.durationSec === null || state.durationSec < d.min || state.durationSec > d.max)) return false;
    if (p && (state.price === null || state.price < p.min - PRICE_EPSILON || state.price > p.max + PRICE_EPSILON)) return false;
    return true;
  };

  return (id: number): boolean => {
    if (end[id]! > now) return false;
    if (flags[id] !== 0) return slow(id);
    if (!(statusMask & (1 << status[id]!))) return false;
    if (!(dirMask & (1 << dir[id]!))) return false;
    if (phoneSets && !phoneSets.exo.has(phone[id]!)) return false;
    const inbound = dir[id] === 0;
    if (toSets && !(inbound ? toSets.agent.has(agent[id]!) : toSets.customer.has(customer[id]!))) return false;
    if (fromSets && !(inbound ? fromSets.customer.has(customer[id]!) : fromSets.agent.has(agent[id]!))) return false;
    if (d) {
      if (settle[id]! > now) return false;
      const v = dur[id]!;
      if (v < d.min || v > d.max) return false;
    }
    if (p) {
      if (settle[id]! > now) return false;
      const v = priceMilli[id]! / 1000;
      if (v < p.min - PRICE_EPSILON || v > p.max + PRICE_EPSILON) return false;
    }
    return true;
  };
}

function candidates(table: CallTable, q: ListQuery): SortedIds | { ids: Int32Array; len: number } {
  if (q.sids) {
    const found = new Set<number>();
    for (const sid of q.sids) {
      const id = table.lookup(sid);
      if (id !== undefined) found.add(id);
    }
    const ids = Int32Array.from([...found].sort((a, b) => table.compare(a, b)));
    return { ids, len: ids.length };
  }
  const min = q.duration?.min ?? 0;
  for (let b = DURATION_BUCKETS.length - 1; b >= 0; b--) {
    if (min >= DURATION_BUCKETS[b]!) return table.buckets[b]!;
  }
  return table.order;
}

const totals = new WeakMap<CallTable, Map<string, number>>();

/** The first index of `ids[0..len)` (sorted by start second) whose call started at or after second `sec`. */
export function firstAtSecond(table: CallTable, ids: ArrayLike<number>, len: number, sec: number): number {
  let a = 0;
  let b = len;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (table.sec(ids[m]!) < sec) a = m + 1;
    else b = m;
  }
  return a;
}

/** The ids of the page `q` asks for (cursor, order, page size), with `Total` and whether pages come before and after it. */
export function selectPage(table: CallTable, q: ListQuery, now: number): Page {
  const source = candidates(table, q);
  const { ids, len } = source;
  const match = compile(table, q, now);
  const fromSec = Math.max(q.fromSec, Math.ceil((now - RETENTION_MS) / 1000));

  const lowerSec = (sec: number) => firstAtSecond(table, ids, len, sec);
  /** First index whose key is >= the cursor (`strict`: > the cursor). */
  const boundKey = (c: Cursor, strict: boolean) => {
    let a = 0;
    let b = len;
    while (a < b) {
      const m = (a + b) >>> 1;
      const r = table.compareToKey(ids[m]!, c.sec, c.sid);
      if (r < 0 || (strict && r === 0)) a = m + 1;
      else b = m;
    }
    return a;
  };
  const lo = lowerSec(fromSec);
  const hi = Math.max(lo, lowerSec(q.toSec + 1));
  const n = hi - lo;
  // Positions in listing order: 0 is the first record of the first page.
  const at = q.desc ? (pos: number) => ids[hi - 1 - pos]! : (pos: number) => ids[lo + pos]!;
  const clamp = (v: number) => Math.min(n, Math.max(0, v));
  const exists = (from: number, step: 1 | -1) => {
    for (let pos = from; pos >= 0 && pos < n; pos += step) if (match(at(pos))) return true;
    return false;
  };

  const rows: number[] = [];
  let hasPrev: boolean;
  let hasNext: boolean;
  if (q.before) {
    const endPos = q.desc ? clamp(hi - boundKey(q.before, true)) : clamp(boundKey(q.before, false) - lo);
    let pos = endPos - 1;
    for (; pos >= 0 && rows.length < q.pageSize; pos--) {
      const id = at(pos);
      if (match(id)) rows.push(id);
    }
    rows.reverse();
    hasPrev = exists(pos, -1);
    hasNext = exists(endPos, 1);
  } else {
    const startPos = q.after ? (q.desc ? clamp(hi - boundKey(q.after, false)) : clamp(boundKey(q.after, true) - lo)) : 0;
    let pos = startPos;
    for (; pos < n && rows.length < q.pageSize; pos++) {
      const id = at(pos);
      if (match(id)) rows.push(id);
    }
    hasNext = exists(pos, 1);
    hasPrev = startPos > 0 && exists(startPos - 1, -1);
  }

  let cache = totals.get(table);
  if (!cache) totals.set(table, (cache = new Map()));
  const key = `${q.filterKey}|${fromSec}|${now}|${table.version}`;
  let total = cache.get(key);
  if (total === undefined) {
    if (source instanceof SortedIds) {
      total = countInList(table, source, lo, hi, now, q.predicateKey, match);
    } else {
      total = 0;
      for (let i = lo; i < hi; i++) if (match(ids[i]!)) total++;
    }
    if (cache.size > 64) cache.clear();
    cache.set(key, total);
  }
  return { ids: rows, total, hasPrev, hasNext };
}
