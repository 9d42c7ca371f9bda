import type { CallQuery } from '../../../exotel/buildCallQuery.js';
import { MAX_WINDOW_MS, SID_LOOKUP_MS, ceilSecond, floorSecond, sidBatch } from '../constants.js';

/** One `Sid=` listing: the Sids and, for Sids older than the API's 31-day `Sid=` lookup, a `DateCreated` range. */
export interface HeldBatch {
  readonly query: CallQuery;
  readonly sids: readonly string[];
}

/**
 * The `Sid=` listings that re-read `held` (oldest first): as many Sids a list as a page holds (100
 * at most), so each is one request. Sids whose start is
 * known and older than 30 days are grouped by start, each group within one `DateCreated` window
 * (the API checks `Sid=` against the last 31 days unless `DateCreated` is given).
 */
export function heldBatches(base: CallQuery, held: ReadonlyArray<{ sid: string; dateCreated?: number | undefined }>, now: number, oldest: number): HeldBatch[] {
  const batch = sidBatch(base.pageSize ?? 100);
  const recent: string[] = [];
  const old: Array<{ sid: string; dateCreated: number }> = [];
  for (const h of held) {
    if (h.dateCreated !== undefined && Number.isFinite(h.dateCreated) && h.dateCreated < now - SID_LOOKUP_MS) old.push({ sid: h.sid, dateCreated: h.dateCreated });
    else recent.push(h.sid);
  }
  const out: HeldBatch[] = [];
  for (let i = 0; i < recent.length; i += batch) {
    const sids = recent.slice(i, i + batch);
    out.push({ query: { ...base, sid: sids }, sids });
  }
  old.sort((a, b) => a.dateCreated - b.dateCreated);
  let group: Array<{ sid: string; dateCreated: number }> = [];
  const flush = () => {
    if (group.length === 0) return;
    const from = Math.max(oldest, floorSecond(group[0]!.dateCreated));
    const to = ceilSecond(group.at(-1)!.dateCreated);
    const sids = group.map((g) => g.sid);
    out.push({ query: { ...base, sid: sids, dateCreated: { gte: from, lte: Math.max(from, to) } }, sids });
    group = [];
  };
  for (const h of old) {
    if (group.length === batch || (group.length > 0 && h.dateCreated - group[0]!.dateCreated > MAX_WINDOW_MS - 2_000)) flush();
    group.push(h);
  }
  flush();
  return out;
}
