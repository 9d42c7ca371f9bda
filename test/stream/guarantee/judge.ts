/**
 * The judge of the stream's promise, written from docs/engine.md ("The guarantee" and "The bound")
 * and the simulator's ground truth alone: it imports nothing of the engine, and assumes nothing of
 * how the planner reads — only what the documentation promises, in the API's time.
 */
import type { SimulatedCall } from '../../../src/simulator/index.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** The options and conditions of one run, as the judge needs them. */
export interface Conditions {
  pollIntervalMs: number;
  lookbackMs: number;
  settleMs: number;
  /** The lags configured (the documented default when not given), and `lookbackMs`. */
  lagsMs: readonly number[];
  /** API-time intervals during which answers were faulty, the stream was down, or the clocks jumped (with the size of the jump). */
  disturbances: ReadonlyArray<{ from: number; to: number; extraMs: number }>;
  /** Whether the quota can carry the account's traffic by the judge's own rule (see `feasible`). */
  feasible: boolean;
  /** API time at which the judged run ended. */
  endAt: number;
  /**
   * Calls that started before this API instant are not promised: the first start reads back over
   * the lookback from the API's time at its first answer, no further.
   */
  coveredFrom: number;
  /** Records a page holds (`pageSize`), and the account's calls a minute that the filters admit, for the gathering time. */
  pageSize: number;
  callsPerMinute: number;
  /**
   * Where the API's clock jumped: the steady time (the API's clock without its jumps, which never
   * goes back) at which it first read `apiMs` or later. A hold is judged on this timeline too:
   * after a jump back the API's clock reads before the end of a call the stream saw ended already.
   */
  steadyReach?: (apiMs: number) => number;
}

/** One event as the test recorded it: the API's clock when it was emitted. */
export interface Observed {
  type: 'callCompleted' | 'callFailed' | 'callUpdated';
  sid: string;
  apiAt: number;
  /** The API's clock without its jumps when it was emitted (see `Conditions.steadyReach`). */
  steadyAt?: number;
  settled: boolean;
  price: number | null;
  changes?: readonly string[];
}

/** docs/engine.md, "The bound": the longest a due start second waits to gather into a fuller page. */
export const MAX_GATHER_MS = 5 * MINUTE;

/**
 * docs/engine.md, "The bound": due start seconds gather for about a page of calls, at least a poll
 * and at most 5 minutes. The stream measures the rate; the judge allows it to be off by half.
 */
export function gatherMs(c: Pick<Conditions, 'pollIntervalMs' | 'pageSize' | 'callsPerMinute'>): number {
  const page = c.callsPerMinute > 0 ? ((2 * c.pageSize) / c.callsPerMinute) * MINUTE : MAX_GATHER_MS;
  return Math.max(c.pollIntervalMs, Math.min(MAX_GATHER_MS, page));
}
/** Time a read may take to be answered, retries and the quota's pacing included, when nothing is wrong. */
const READ_SLACK_MS = 90 * SECOND;

/**
 * The judge's own rule of when a quota can carry an account: three listings a call (a call is
 * listed when it ends, once settled, and by the lags), plus 30 requests a minute for the reads of
 * quiet windows and held Sids. Independent of the planner's cost model, and more demanding.
 */
export function feasible(callsPerMinute: number, pageSize: number, quota: number): boolean {
  return quota >= 4 * ((callsPerMinute * 3) / pageSize) + 30;
}

/** The smallest lag at or above `ageMs`, or null past the lookback. */
function lagFor(ageMs: number, lagsMs: readonly number[]): number | null {
  for (const lag of lagsMs) if (lag >= ageMs) return lag;
  return null;
}

/**
 * The latest API instant by which `call` must have gone out, or null when the promise does not
 * cover it (it ended or settled too late in its lookback, or after the run). From docs/engine.md:
 * a call is listed by the first lag (of the first configured lag and `lookbackMs`, the two always
 * in force) at or after its end, within a gathering time, a poll and a read; if it had not settled
 * by then it is held and re-read by Sid within 4 polls of settling, or goes out as it is when
 * `settleMs` runs out. Disturbances that overlap that time lengthen it by their length.
 */
export function deadline(call: SimulatedCall, c: Conditions): number | null {
  const created = Math.floor(call.startAt / SECOND) * SECOND;
  const alwaysOn = [Math.min(...c.lagsMs), c.lookbackMs];
  const slack = gatherMs(c) + c.pollIntervalMs + READ_SLACK_MS;
  // Calls that end later than the lookback after their start are not promised (one second of
  // margin: the API keeps whole seconds).
  if (call.endAt - created > c.lookbackMs - SECOND) return null;
  if (created < c.coveredFrom) return null;
  const lag = lagFor(call.endAt - created, alwaysOn);
  if (lag === null) return null;
  let listedBy = created + lag + slack;
  let by = call.settledAt - created <= lag ? listedBy : Math.min(Math.max(listedBy, call.settledAt + 4 * c.pollIntervalMs + READ_SLACK_MS), listedBy + c.settleMs + READ_SLACK_MS);
  // Every disturbance in the way lengthens it; what it lengthens may meet another.
  for (let pass = 0; pass < 3; pass++) {
    let extra = 0;
    for (const d of c.disturbances) if (d.from <= by && d.to >= call.endAt) extra += d.to - d.from + d.extraMs;
    if (extra === 0) break;
    listedBy = created + lag + slack + extra;
    by = call.settledAt - created <= lag ? listedBy : Math.min(Math.max(listedBy, call.settledAt + 4 * c.pollIntervalMs + READ_SLACK_MS + extra), listedBy + c.settleMs + READ_SLACK_MS);
  }
  return by <= c.endAt ? by : null;
}

export interface Verdict {
  judged: number;
  missed: string[];
  twice: string[];
  wrongStream: string[];
  premature: string[];
  late: string[];
  spuriousUpdates: string[];
  /** Emitted, but not a call of the account that the stream's filters admit. */
  unexpected: string[];
  /** Never emitted though due, in a run whose quota the judge deems too small: the stream must have said so. */
  missedUnderQuota: string[];
}

/** Judges what the stream emitted against the truth. */
export function judge(truth: readonly SimulatedCall[], observed: readonly Observed[], c: Conditions): Verdict {
  const verdict: Verdict = { judged: 0, missed: [], twice: [], wrongStream: [], premature: [], late: [], spuriousUpdates: [], unexpected: [], missedUnderQuota: [] };
  const first = new Map<string, Observed>();
  for (const o of observed) {
    if (o.type === 'callUpdated') {
      if ((o.changes ?? []).length === 0) verdict.spuriousUpdates.push(o.sid);
      continue;
    }
    if (first.has(o.sid)) verdict.twice.push(o.sid);
    else first.set(o.sid, o);
  }
  const bySid = new Map(truth.map((t) => [t.sid, t]));
  for (const [sid, o] of first) {
    const t = bySid.get(sid);
    if (t === undefined) {
      verdict.unexpected.push(sid);
      continue;
    }
    if (o.type !== (t.status === 'completed' ? 'callCompleted' : 'callFailed')) verdict.wrongStream.push(`${sid}: ${t.status} as ${o.type}`);
    // Unsettled before its hold ran out: the hold starts when the call is first listed, after it ended.
    // The hold is on the API's clock (a jump forward shortens it), as the stream knows that clock
    // (a jump back is known only from the next answer): early on both the API's clock and the
    // steady one is early.
    const sinceEnd = Math.max(o.apiAt - t.endAt, c.steadyReach !== undefined && o.steadyAt !== undefined ? o.steadyAt - c.steadyReach(t.endAt) : Number.NEGATIVE_INFINITY);
    if (!o.settled && sinceEnd < c.settleMs - 2 * SECOND) verdict.premature.push(`${sid}: unsettled ${sinceEnd} ms after its end (settleMs ${c.settleMs})`);
    // Settled long before its hold ran out, yet sent unsettled: the held re-reads stalled.
    if (!o.settled && c.feasible && t.settledAt + 4 * c.pollIntervalMs + READ_SLACK_MS < t.endAt + c.settleMs && !disturbed(t.endAt, o.apiAt, c)) {
      verdict.premature.push(`${sid}: settled ${t.settledAt - t.endAt} ms after its end, sent unsettled after its hold of ${c.settleMs} ms`);
    }
  }
  for (const t of truth) {
    const by = deadline(t, c);
    if (by === null) continue;
    verdict.judged++;
    const o = first.get(t.sid);
    if (o === undefined) {
      const line = `${t.sid} (start ${t.startAt}, end +${t.endAt - t.startAt} ms, settled +${t.settledAt - t.endAt} ms) never emitted, due by ${by}`;
      (c.feasible ? verdict.missed : verdict.missedUnderQuota).push(line);
      continue;
    }
    if (c.feasible && o.apiAt > by) verdict.late.push(`${t.sid}: emitted ${Math.round((o.apiAt - by) / SECOND)} s after its deadline (settled ${Math.round((o.apiAt - t.settledAt) / SECOND)} s before)`);
  }
  return verdict;
}

function disturbed(from: number, to: number, c: Conditions): boolean {
  return c.disturbances.some((d) => d.from <= to && d.to >= from);
}
