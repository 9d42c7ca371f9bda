/**
 * The `DateCreated` windows of a backfill: within one calendar month of the account's zone each
 * (the API refuses ranges over a month), back to back at one-second resolution (`gte`/`lte` are
 * inclusive, so the next window starts one second after the previous one ends and no call is
 * listed twice).
 */
import { oldestListableMs } from '../../exotel/limits.js';
import { formatNaive, parseNaiveMs } from '../../exotel/time.js';

export interface BackfillWindow {
  /** Epoch ms of the first second, inclusive. */
  startMs: number;
  /** Epoch ms of the last second, inclusive. */
  endMs: number;
  /** The same, as the API's naive timestamps in the zone. */
  gte: string;
  lte: string;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Epoch ms of the first second of the calendar month after the one holding `ms`, in `timeZone`. */
function nextMonthStartMs(ms: number, timeZone: string): number {
  const naive = formatNaive(ms, timeZone);
  let year = Number(naive.slice(0, 4));
  let month = Number(naive.slice(5, 7)) + 1;
  if (month > 12) {
    month = 1;
    year += 1;
  }
  const start = parseNaiveMs(`${year}-${pad2(month)}-01 00:00:00`, timeZone);
  if (start === undefined) throw new RangeError(`Cannot find the month after ${naive} in ${timeZone}`);
  return start;
}

/** Splits [fromMs, toMs] (both inclusive, whole seconds) into calendar-month windows. */
export function planWindows(fromMs: number, toMs: number, timeZone: string): BackfillWindow[] {
  const from = Math.floor(fromMs / 1000) * 1000;
  const to = Math.floor(toMs / 1000) * 1000;
  const windows: BackfillWindow[] = [];
  let start = from;
  while (start <= to) {
    const end = Math.min(to, nextMonthStartMs(start, timeZone) - 1000);
    windows.push({ startMs: start, endMs: end, gte: formatNaive(start, timeZone), lte: formatNaive(end, timeZone) });
    start = end + 1000;
  }
  return windows;
}

/**
 * The oldest instant the API still serves: six calendar months back in the account's zone, but
 * never more than 183 days (the rule the client checks queries with: `exotel/limits.ts`).
 */
export function oldestAllowedMs(nowMs: number, timeZone: string): number {
  return oldestListableMs(nowMs, timeZone);
}
