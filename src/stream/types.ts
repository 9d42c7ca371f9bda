/**
 * The public contract of a call stream (see the README): options, events and the CallStream face.
 * Code outside this repository is written against these names; extend, never change.
 *
 * Each type is declared by the layer that produces it and re-exported here: the filters by
 * `exotel/` (they are a part of a `CallQuery`), the events and the settle context by `engine/`,
 * `Store` and `StoreState` by `stores/`.
 */
import type { Observable, SchedulerLike } from 'rxjs';
import type Bottleneck from 'bottleneck';
import type { Dispatcher } from 'undici';
import type { Call } from '../exotel/types.js';
import type { ExotelError } from '../exotel/errors.js';
import type { ClientStats } from '../exotel/clientStats.js';
import type { CallStreamFilters } from '../exotel/buildCallQuery.js';
import type { CallHint, CallStreamEvent, CallUpdate, SettleContext } from '../engine/types.js';
import type { Store } from '../stores/types.js';

export type { CallStreamFilters } from '../exotel/buildCallQuery.js';
export type { CallCompletedEvent, CallFailedEvent, CallHint, CallStreamEvent, CallUpdate, CallUpdatedEvent, EmittedState, SettleContext } from '../engine/types.js';
export type { Store, StoreState } from '../stores/types.js';

/** Events of the EventEmitter3 face. */
export interface CallStreamEvents {
  callCompleted: [call: Call];
  callFailed: [call: Call];
  callUpdated: [update: CallUpdate];
  error: [error: ExotelError];
}

export interface CallStreamOptions {
  accountSid: string;
  /** Default: `process.env.EXOTEL_API_KEY`. */
  apiKey?: string;
  /** Default: `process.env.EXOTEL_API_TOKEN`. Goes only into the Authorization header. */
  apiToken?: string;
  /** `api.exotel.com` (Singapore) or `api.in.exotel.com` (Mumbai). Default: `api.exotel.com`. */
  subdomain?: string;
  /** Instead of `subdomain`: a full base URL; `http:` only for loopback (simulator, tests). */
  baseUrl?: string;
  /** How often the fresh window is polled. @default 15_000 */
  pollIntervalMs?: number;
  /** How far back a call may start and still be caught when it ends: 60,000 to 31 days, more than `pollIntervalMs`. @default 7_200_000 */
  lookbackMs?: number;
  /** Longest a record is held waiting for Duration/Price/EndTime. @default 300_000 */
  settleMs?: number;
  /** Zone of the account's naive timestamps. @default 'Asia/Kolkata' */
  timeZone?: string;
  /** Records per page, 1 to 100. @default 100 */
  pageSize?: number;
  /** Exotel's per-account limit, 1 to 100,000. @default 200 */
  maxRequestsPerMinute?: number;
  /** A Bottleneck limiter to schedule every request through instead of the built-in one. */
  limiter?: Bottleneck;
  filters?: CallStreamFilters;
  /** Ask for leg-wise `Details`. @default false */
  details?: boolean;
  /** Where emitted Sids and the checkpoint are kept. @default memoryStore() */
  store?: Store;
  /** Replaces the settled predicate (default: Duration, Price and EndTime filled in). */
  isSettled?: (context: SettleContext) => boolean;
  /**
   * How far back the fresh window reaches, on top of `skewMarginMs`: every poll re-reads the start
   * times from the last completely read fresh window's upper edge, less this and the skew margin,
   * up to the API's "now". Calls that end within it are caught by the fresh tier; longer ones by
   * the long-call sweep. Fixing it keeps the fresh window on however busy the account.
   * @default adaptive: 15 minutes down to 3 by call rate, then off when busy (settled `Duration` bands read instead)
   */
  freshWindowMs?: number;
  /** How much further back every window reaches than the API clock says (clock skew). @default 60_000 */
  skewMarginMs?: number;
  /** How often the long-call sweep reads the rest of the lookback; `Infinity` turns it off. @default adaptive, 1 to 10 minutes (off when busy) */
  sweepIntervalMs?: number;
  /** Lags at which older start-time slices are read again (corrections after emission); `lookbackMs` is always added. @default [600_000, 1_800_000] */
  sliceLagsMs?: number[];
  /**
   * Least time between two saves of the store; 0 saves after every poll cycle, `Infinity` only
   * when the stream stops or fails. A larger value costs less at busy accounts (the state grows
   * with the calls in the horizon), at the price of repeating more events after a crash (a clean
   * `stop()` always saves).
   * @default the store's `saveIntervalMs`, else 0 (`Infinity` with the default `memoryStore()`)
   */
  saveIntervalMs?: number;
  /** Reads of one poll cycle in flight at once (the limiter still orders and paces them). @default 4 */
  readConcurrency?: number;
  /** Retries of a transient fault (429, 5xx, network, truncated body), per request, 0 to 100. @default 5 */
  retries?: number;
  /** An undici Dispatcher for every request (a proxy agent; in tests, one that answers in-process). */
  dispatcher?: Dispatcher;
  /**
   * The RxJS scheduler the poll timer runs on, and whose `now()` is the local clock (plus the API
   * clock's offset). Tests pass a `TestScheduler` or rely on fake timers. @default asyncScheduler
   */
  scheduler?: SchedulerLike;
}

/** Counters of one read tier (see docs/engine.md): listings that completed or failed, and what they took. */
export interface ReadTierStats {
  /** Listings read completely (every page). */
  ok: number;
  /** Listings given up on (retries ran out, or a fatal error); what they covered is planned again. */
  failed: number;
  /** Pages answered (requests that got a page), of both. */
  requests: number;
  /** Records listed, of both. */
  records: number;
}

/** Counters since the stream was created, for metrics (`CallStream.stats()`). A fresh object each call. */
export interface CallStreamStats {
  /** By read tier: `held`, `fresh`, `settled`, `sweep`, `slice`, `catchup` (and any tier a later engine adds). */
  reads: Record<string, ReadTierStats>;
  /** The client's HTTP counters: attempts sent, retries, responses by status class, 429s, network failures. */
  http: ClientStats;
  /** Events emitted, by type. */
  events: { callCompleted: number; callFailed: number; callUpdated: number };
  /** Errors reported on `errors$` (non-fatal and fatal), by `code`. */
  errors: Record<string, number>;
  /** Saves of the store that succeeded and that failed. */
  saves: { ok: number; failed: number };
}

/** What a stream is doing now (`CallStream.status()`), for health checks and dashboards. A frozen snapshot. */
export interface CallStreamStatus {
  /** `idle` before the first subscription or `start()`, `running`, `stopped` after `stop()`, `failed` after a fatal error. */
  phase: 'idle' | 'running' | 'stopped' | 'failed';
  /** The API's clock now, as the stream estimates it (epoch ms): local time plus `clockOffsetMs`. */
  apiTime: number;
  /** The API's clock minus the local clock (ms), from the server's `Date` headers; 0 before any answer. */
  clockOffsetMs: number;
  /** Records held waiting to settle. */
  heldCalls: number;
  /** Held records plus emitted Sids remembered (bounded by the lookback horizon). */
  trackedCalls: number;
  /** Whether start times missed while nothing polled (a restart, an outage) are still being read. */
  catchingUp: boolean;
  /** API-clock instant of the last listing that completed, or null before the first. */
  lastReadAt: number | null;
  /**
   * How long ago (API clock, ms) the reads that decide latency last completed: the newest start
   * times and the held Sids. Close to `pollIntervalMs` while healthy; it grows during an outage.
   * Null before the first such read completed.
   */
  lagMs: number | null;
  /** Requests a minute the current read plan needs at the observed call rate. */
  estimatedRequestsPerMinute: number;
  /** The quota the plan fits itself into. */
  maxRequestsPerMinute: number;
  /**
   * How long after its end nearly every call (95 %) was seen settled by the reads that decide
   * latency, as learned on this account (3 minutes until 30 calls were seen): what the settled
   * bands reach over. Absent while no stream runs (a Redis standby).
   */
  settleSpreadMs?: number;
}

/** The object `createCallStream()` returns. */
export interface CallStreamLike {
  readonly callCompleted$: Observable<Call>;
  readonly callFailed$: Observable<Call>;
  readonly callUpdated$: Observable<CallUpdate>;
  readonly events$: Observable<CallStreamEvent>;
  readonly errors$: Observable<ExotelError>;
  /** Starts polling without a subscriber. */
  start(): void;
  /** Completes every observable, frees sockets, timers and the limiter. */
  stop(): Promise<void>;
  /** Counters since the stream was created (reads by tier, HTTP, events, errors, saves). */
  stats(): CallStreamStats;
  /** What the stream is doing now (phase, clock, held records, catch-up, lag). */
  status(): CallStreamStatus;
  /** A hint that a call ended (Exotel's `StatusCallback`): its Sid is re-read once it should have settled. (Optional for other implementations of this face.) */
  hint?(hint: CallHint): boolean;
}
