/**
 * Counting `Total` over long DateCreated ranges without scanning them on every request. A sorted
 * id list (the listing order, or one of the long-call lists) is cut into blocks of 4096 positions. Once every ordinary call of a full block has ended
 * and settled (and its corrections applied), whether it matches a filter no longer depends on the
 * clock, so its count is cached per filter. Calls that may change much later (long calls, scripted
 * ones) are kept aside per block and checked on every request.
 */
import type { CallTable } from './callTable.js';
import { F_SCRIPTED } from './callTable.js';
import type { SortedIds } from './sortedIds.js';

const BLOCK = 4096;
/** Calls at least this long (s) are checked live: they end (and settle) long after they start. */
const LIVE_DURATION_SEC = 1200;
const MAX_FILTERS = 256;

interface BlockInfo {
  frozenAt: number;
  live: Int32Array;
}

class BlockTotals {
  private epoch = -1;
  private blocks: BlockInfo[] = [];
  private counts = new Map<string, Int32Array>();

  constructor(
    private readonly table: CallTable,
    private readonly list: SortedIds,
  ) {}

  private info(b: number): BlockInfo {
    let info = this.blocks[b];
    if (!info) {
      const { ids } = this.list;
      const { end, settle, flags } = this.table;
      let frozenAt = -Infinity;
      const live: number[] = [];
      for (let i = b * BLOCK; i < (b + 1) * BLOCK; i++) {
        const id = ids[i]!;
        if (flags[id]! & F_SCRIPTED || this.table.maxDurationSec(id) >= LIVE_DURATION_SEC) live.push(id);
        else frozenAt = Math.max(frozenAt, end[id]!, settle[id]!, this.table.lastCorrectionAt(id));
      }
      info = { frozenAt, live: Int32Array.from(live) };
      this.blocks[b] = info;
    }
    return info;
  }

  count(lo: number, hi: number, now: number, predicateKey: string, match: (id: number) => boolean): number {
    const order = this.list;
    if (order.epoch !== this.epoch) {
      // Ids moved: every block's content changed.
      this.epoch = order.epoch;
      this.blocks = [];
      this.counts.clear();
    }
    const ids = order.ids;
    const scan = (a: number, b: number) => {
      let n = 0;
      for (let i = a; i < b; i++) if (match(ids[i]!)) n++;
      return n;
    };
    const firstFull = Math.ceil(lo / BLOCK);
    const lastFull = Math.min(Math.floor(hi / BLOCK), Math.floor(order.len / BLOCK)); // exclusive
    if (firstFull >= lastFull) return scan(lo, hi);
    let cached = this.counts.get(predicateKey);
    if (!cached) {
      if (this.counts.size >= MAX_FILTERS) this.counts.clear();
      cached = new Int32Array(Math.max(64, lastFull * 2)).fill(-1);
      this.counts.set(predicateKey, cached);
    } else if (cached.length < lastFull) {
      const grown = new Int32Array(lastFull * 2).fill(-1);
      grown.set(cached);
      cached = grown;
      this.counts.set(predicateKey, cached);
    }
    let total = scan(lo, firstFull * BLOCK) + scan(lastFull * BLOCK, hi);
    for (let b = firstFull; b < lastFull; b++) {
      const info = this.info(b);
      if (info.frozenAt > now) {
        total += scan(b * BLOCK, (b + 1) * BLOCK);
        continue;
      }
      if (cached[b] === -1) {
        const liveSet = new Set(info.live);
        let n = 0;
        for (let i = b * BLOCK; i < (b + 1) * BLOCK; i++) {
          const id = ids[i]!;
          if (!liveSet.has(id) && match(id)) n++;
        }
        cached[b] = n;
      }
      total += cached[b]!;
      for (const id of info.live) if (match(id)) total++;
    }
    return total;
  }
}

const byList = new WeakMap<SortedIds, BlockTotals>();

/** Counts the matches among the positions [lo, hi) of `list`, one of `table`'s sorted lists. */
export function countInList(
  table: CallTable,
  list: SortedIds,
  lo: number,
  hi: number,
  now: number,
  predicateKey: string,
  match: (id: number) => boolean,
): number {
  let totals = byList.get(list);
  if (!totals) byList.set(list, (totals = new BlockTotals(table, list)));
  return totals.count(lo, hi, now, predicateKey, match);
}
