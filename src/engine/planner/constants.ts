/** The planner's constants: the API's limits it plans within (from `exotel/limits.ts`), and the choices its cadence search makes. */
import { DEFAULT_RANGE_MS, MAX_SIDS, MAX_WINDOW_MS, SID } from '../../exotel/limits.js';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const DAY = 24 * 60 * MINUTE;

/** The longest window planned: one `DateCreated` range always takes it (`exotel/limits.ts`). */
export { MAX_WINDOW_MS };
/**
 * The oldest start time planned: younger than any six calendar months (181 days at least), so
 * within what the API lists (`oldestListableMs` in `exotel/limits.ts`) in every zone.
 */
export const MAX_AGE_MS = 180 * DAY;
/** Sids in one `Sid=` list. */
export const SID_BATCH = MAX_SIDS;
/**
 * Sids in one `Sid=` list at a page size: the answer comes in pages of `pageSize` like any
 * listing, so a list of more Sids than a page holds costs a request per page. One request a list.
 */
export const sidBatch = (pageSize: number): number => Math.max(1, Math.min(SID_BATCH, pageSize));
/** `Sid=` is checked against the last 31 days unless `DateCreated` is given: held Sids older than this (a day short of it) get a range. */
export const SID_LOOKUP_MS = DEFAULT_RANGE_MS - DAY;
/** Sids the client can put in a `Sid=` list; any other is left to the windows, which find it too. */
export const LISTABLE_SID = SID;

/** The plan aims at this share of the quota: the rest absorbs retries, catch-up and estimation error. */
export const BUDGET_SHARE = 0.85;
/** What a busy account's plan may take rather than fall behind: the quota less a retry reserve. */
export const BEHIND_BUDGET_SHARE = 0.95;
export const FRESH_CANDIDATES = [15, 10, 5, 3, 2, 1].map((m) => m * MINUTE);
/** The narrowest fresh window chosen on its own (with the sweep); busier accounts get the bands. */
export const MIN_AUTO_FRESH_MS = 3 * MINUTE;
/** Held Sids are re-read every this many polls: every poll while the quota allows. */
export const HELD_EVERY_CANDIDATES = [1, 2, 4];
/**
 * The fresh window is read every this many polls: every poll while the quota allows. A short poll
 * interval stretches before anything else gives: up to `STRETCH_TO_MS` between fresh reads the
 * plan is never slower than the default poll interval would make it.
 */
export const FRESH_EVERY_CANDIDATES = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30, 40, 60, 90, 120, 180, 240];
export const STRETCH_TO_MS = 15 * SECOND;
/** The widest stretch, for the smallest quotas: a fresh read every 10 minutes at least. */
export const MAX_STRETCH_MS = 10 * MINUTE;
export const SWEEP_CANDIDATES = [1, 2, 5, 10].map((m) => m * MINUTE).concat(Number.POSITIVE_INFINITY);
/** Longest a lag's due start times wait to gather into a fuller page: bounds how late a lag read comes. */
export const MAX_GATHER_MS = 5 * MINUTE;
/** Chunk of a catch-up while the call rate is unknown. */
export const UNKNOWN_RATE_CHUNK_MS = 10 * MINUTE;
/** The fresh read reaches this much further back over start times it missed (failed reads); older misses are caught up in chunks. */
export const MIN_GAP_MS = 5 * MINUTE;
/**
 * A read outstanding this long is taken for lost: what it was to cover is planned again. Every read
 * ends (its retries are bounded, its sockets time out); this is a safety net, long enough for a
 * read of many pages under a small quota.
 */
export const LOST_READ_MS = 60 * MINUTE;
/** Outstanding reads of one lag (or of the catch-up) at once. */
export const MAX_PARALLEL_NET = 2;

/**
 * Settled bands, for an account too busy to re-read its fresh window every poll: `Duration` edges in
 * seconds. A `Duration=` filter lists only settled calls, so a band's read costs only the calls that
 * settled and are still inside its short window; the sweep takes the calls of `BAND_TOP_S` and over.
 */
export const BAND_EDGES_S = [0, 15, 30, 45, 60, 90, 120, 150, 180, 240, 300, 360, 480];
export const BAND_TOP_S = 600;
/**
 * Bands are read about this often: every 15 s while the quota allows (every poll at the default
 * poll interval; every few polls at a shorter one, whose every poll would cost 13 requests).
 */
export const BAND_INTERVAL_CANDIDATES_MS = [15, 30, 60].map((s) => s * SECOND);
/**
 * How long after its end a call typically settles (Exotel: one to a few minutes). A band's window
 * reaches this far behind its longest call; a call that settles later is found by the lags.
 */
export const SETTLE_SPREAD_MS = 3 * MINUTE;
/** Ringing or queueing before the talk, for an API whose `Duration` is the talk time only. */
export const RING_MS = 30 * SECOND;
/**
 * The bands' own margin: for clock error, and for the last few percent of settle delays, past the
 * 95th percentile the spread is measured at. A call a band misses is not lost (the lags read
 * every call), but on a busy account the lag that finds it may be the lookback's, hours later:
 * at 5,000 calls a minute with delays of 60–180 s, a 5 s margin left 33 of 527,302 calls (all
 * settling 175–180 s after their end, near the top of their band's Duration) to the 2-hour lag;
 * 12 s, none, for 5 more requests a minute.
 */
export const BAND_MARGIN_MS = 12 * SECOND;
/** Default lags after which every start second is read again (corrections, late settlers); `lookbackMs` is always added. */
export const DEFAULT_LAGS_MS = [10 * MINUTE, 30 * MINUTE];

export const floorSecond = (ms: number): number => Math.floor(ms / SECOND) * SECOND;
export const ceilSecond = (ms: number): number => Math.ceil(ms / SECOND) * SECOND;
