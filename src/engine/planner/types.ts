import type { CallQuery } from '../../exotel/buildCallQuery.js';
import type { CallStreamFilters } from '../../exotel/buildCallQuery.js';

/**
 * Which tier of the read plan a read belongs to (see docs/engine.md): `held` (re-read by Sid),
 * `fresh` (the newest start times), `settled` (Duration bands), `sweep` (long calls), `slice`
 * (start times read again at a lag), `catchup` (start times missed during a restart or an outage),
 * `hinted` (Sids a hint named, re-read by Sid once they should have settled).
 */
export type ReadKind = 'fresh' | 'settled' | 'held' | 'hinted' | 'sweep' | 'slice' | 'catchup';

/** One listing the poll cycle should make: its query (all pages of it) and its Bottleneck priority. */
export interface PlannedRead {
  readonly kind: ReadKind;
  readonly query: CallQuery;
  /** Bottleneck priority: 0 first .. 9 last. */
  readonly priority: number;
  /** Retries of a transient fault for this read's requests; undefined (the planner's reads): the client's own `retries`. */
  readonly retries?: number;
}

/** A held record to re-read by Sid: its Sid, and its start (epoch ms) when known. */
export interface HeldRef {
  readonly sid: string;
  readonly dateCreated?: number;
}

/** How a read went, as `ReadPlanner.complete` takes it. */
export interface ReadCompletion {
  /** Every page was read. A read that failed covers nothing: what it was to cover is planned again. */
  ok: boolean;
  /** Records listed (all pages). */
  records: number;
  /** Requests that answered. */
  requests: number;
  /**
   * An instant of the API's clock at or before which the API served the read's first page (its
   * `CallPage.asOf`). What the read covers is recorded as of this instant, and never past it: a
   * window that reached past the API's "now" covers only what had started by then. Without it, the
   * `now` the read was planned at stands in (correct only when that `now` was the API's).
   */
  asOf?: number;
  /**
   * Start times (epoch ms; NaN when the record's own start could not be read) of records the read
   * listed but that could not be read (malformed): their start seconds are read again, up to 3
   * times, before what the read covered is taken as covered despite them (they were reported).
   */
  malformedAt?: readonly number[];
}

/**
 * Options of a `ReadPlanner`, with `createCallStream`'s rules and defaults (README, "Options").
 * Durations in milliseconds; instants are epoch ms on the API's clock.
 */
export interface PlannerOptions {
  /** How often `plan` is called (one poll), 1 s to a day. @default 15_000 */
  pollIntervalMs?: number;
  /** How far back a call may start and still be caught when it ends: 60 s to 31 days, longer than `pollIntervalMs`. @default 7_200_000 */
  lookbackMs?: number;
  /** Records per page, 1 to 100. @default 100 */
  pageSize?: number;
  /** The account's quota, 1 to 100,000; the plan fits itself into 85 % of it. @default 200 */
  maxRequestsPerMinute?: number;
  /**
   * How much further back than the windows' edges to read, for a `DateCreated` stamped by another
   * clock than the API's `Date` header (and, before the first answer, for the gap between our
   * clock and the API's). @default 60_000
   */
  skewMarginMs?: number;
  /** Applied to every read. */
  filters?: CallStreamFilters;
  /** Ask for leg-wise details on every read. @default false */
  details?: boolean;
  /**
   * Fixes the fresh window's width (start times re-read every poll). @default adaptive: 15 minutes
   * down to 3 by call rate (with the sweep on), then off: settled `Duration` bands, or the slices
   * alone when even those do not fit the quota
   */
  freshWindowMs?: number;
  /** Fixes how often the long-call sweep runs; `Infinity` turns it off. @default adaptive, 1 to 10 minutes, or off when busy */
  sweepIntervalMs?: number;
  /** Lags at which start-time slices are read again. `lookbackMs` is always added. @default [600_000, 1_800_000, lookbackMs] */
  sliceLagsMs?: number[];
}
