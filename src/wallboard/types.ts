/** Shapes the wallboard server computes and sends to its page (all JSON-safe). */
import type { CallStatus } from '../exotel/types.js';
import type { BoardCall } from './boardCall.js';

export type { BoardCall } from './boardCall.js';

/** Calls of one group (a line, a direction, an hour). */
export interface GroupTotals {
  total: number;
  completed: number;
  failed: number;
}

/** Calls through one ExoPhone (`line: 'other'` sums the lines past the first eight). */
export interface LineTotals extends GroupTotals {
  line: string;
}

/** Calls that ended in one hour of the day (0-23, in the board's zone). */
export interface HourBar {
  hour: number;
  completed: number;
  failed: number;
}

/** Counts and sums over one period (today, the last 15 minutes). */
export interface PeriodTotals {
  /** Calls that ended in the period, completed and failed. */
  total: number;
  /** Completed (answered) calls over all calls that ended, 0 to 1; null when none ended. */
  answerRate: number | null;
  /** By ExoPhone, busiest first: at most eight, then `other`. */
  byLine: LineTotals[];
  /** By direction (`inbound`, `outbound-dial`, `outbound-api`; `unknown` when the record has none). */
  byDirection: Record<string, GroupTotals>;
  completed: number;
  /** Failed calls of every failed status (`failed`, `busy`, `no-answer`, `canceled`). */
  failed: number;
  /** Calls per final status. */
  byStatus: Record<CallStatus, number>;
  /** Sum of talk seconds of completed calls whose talk time is known. */
  talkSeconds: number;
  /** Completed calls whose talk time is known (the divisor of the average). */
  talkedCalls: number;
  /** Mean talk seconds of completed calls, or null when none is known. */
  averageTalkSeconds: number | null;
  /** Sum of known prices, in the account's currency. */
  spend: number;
}

/** Calls that ended in one minute. `start` is the minute's first instant (epoch ms). */
export interface MinuteBar {
  start: number;
  completed: number;
  failed: number;
}

/** The state of the feed behind the board, as the server sees it. */
export interface FeedStatus {
  /** `live`: events flow; `retrying`: the stream reported a transient fault recently; `down`: a fatal error; `stopped`: the stream ended. */
  state: 'live' | 'retrying' | 'down' | 'stopped';
  /** When the state last changed (epoch ms). */
  since: number;
  /** When the last call event arrived (epoch ms), or null. */
  lastEventAt: number | null;
  /** The last reported error's stable code and HTTP status (never its URL or message). */
  lastError: { code: string; status: number | null; at: number } | null;
  /** The stream is still reading start times it missed (a restart, an outage): the numbers are filling in. */
  catchingUp: boolean;
}

/** What the board shows, computed on the server at instant `at`. */
export interface WallboardStats {
  /** The instant the numbers were computed for (epoch ms). */
  at: number;
  timeZone: string;
  /** Today's date in `timeZone`, `YYYY-MM-DD`. */
  day: string;
  today: PeriodTotals;
  /** The current minute and the 14 before it. */
  last15Minutes: PeriodTotals;
  /** The current minute and the 59 before it, oldest first. */
  perMinute: MinuteBar[];
  /** Today by hour of the day, 0 to 23 (the busiest hours stand out). */
  byHour: HourBar[];
  /** The calls that ended last, newest first (by end time, not by arrival). */
  latest: BoardCall[];
}

/** One call event as pushed to the page; `seq` is also the SSE event id. */
export interface BoardEvent {
  seq: number;
  type: 'callCompleted' | 'callFailed' | 'callUpdated';
  call: BoardCall;
  /** For `callUpdated`: the names of the changed fields. */
  changes?: string[];
}

/** The SSE `snapshot` message: everything a fresh page needs. */
export interface WallboardSnapshot {
  /** The sequence number of the last event included in `stats`. */
  seq: number;
  stats: WallboardStats;
  feed: FeedStatus;
  /** Server settings the page needs. */
  config: { title: string; currency: string; heartbeatMs: number; locale: string; retryMs: number; theme: WallboardTheme; latestCount: number };
}

/** `auto` follows the screen's `prefers-color-scheme`; `?theme=dark|light` on the page's URL overrides. */
export type WallboardTheme = 'dark' | 'light' | 'auto';

/** The SSE `stats` message. */
export interface WallboardStatsMessage {
  seq: number;
  stats: WallboardStats;
  feed: FeedStatus;
}
