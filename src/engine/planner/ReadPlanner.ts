import type { CallQuery } from '../../exotel/buildCallQuery.js';
import { InvalidOptionError } from '../../exotel/errors.js';
import {
  assertOptionsObject,
  booleanOption,
  freshWindowOption,
  lookbackOverPollOption,
  pageSizeOption,
  pollIntervalOption,
  requestsPerMinuteOption,
  skewMarginOption,
  sliceLagsOption,
  sweepIntervalOption,
} from '../../exotel/assert.js';
import { CoverageLedger } from '../coverage/CoverageLedger.js';
import type { CoverageJSON, SecondRange } from '../coverage/CoverageLedger.js';
import { chooseCadence } from './chooseCadence.js';
import type { FixedCadence } from './chooseCadence.js';
import {
  BEHIND_BUDGET_SHARE,
  DEFAULT_LAGS_MS,
  LISTABLE_SID,
  LOST_READ_MS,
  MAX_AGE_MS,
  MAX_GATHER_MS,
  MAX_PARALLEL_NET,
  MINUTE,
  SECOND,
  ceilSecond,
  floorSecond,
  sidBatch,
} from './constants.js';
import { estimateRequestsPerMinute, gatherMs, lagsFor, sweepThresholdSeconds } from './costModel.js';
import type { Cadence, PlanShape } from './costModel.js';
import { Measurements } from './Measurements.js';
import { freshReachBackMs, freshReads, freshWindowFrom } from './tiers/fresh.js';
import { heldBatches } from './tiers/heldReads.js';
import { owedReads } from './tiers/owed.js';
import { settledBandReads } from './tiers/settledBands.js';
import { sweepReads } from './tiers/sweep.js';
import type { TierContext } from './tiers/types.js';
import { clipRanges, subtractRanges } from './tiers/windows.js';
import type { HeldRef, PlannedRead, PlannerOptions, ReadCompletion, ReadKind } from './types.js';

export { MAX_AGE_MS, MAX_WINDOW_MS } from './constants.js';

const PRIORITY: Readonly<Record<ReadKind, number>> = { held: 0, hinted: 1, fresh: 1, settled: 1, sweep: 3, slice: 5, catchup: 7 };
/** Emitted Sids and coverage are kept this much past the lookback (reads reach a little past it). */
const RETAIN_MS = 10 * MINUTE;
/** Reads of a start second that keep listing a record that cannot be read, before the second is taken as read. */
const MALFORMED_STRIKES = 3;

/** A group of windows (the sweep's pieces) that only counts once every one of them was read completely. */
interface Group {
  remaining: number;
  failed: boolean;
  records: number;
}

interface ReadInfo {
  generation: number;
  kind: ReadKind;
  /** Start seconds a full listing covers (fresh, slice, catch-up), or the window of a band or sweep piece. */
  from: number;
  to: number;
  /** The API instant the read was planned at. */
  plannedAt: number;
  /** Held reads: the Sids. */
  sids?: readonly string[];
  /** Settled bands: the band's index. */
  band?: number;
  /** The sweep: its pieces, and its threshold. */
  group?: Group;
  threshold?: number;
  /** Fresh reads: the window width they were planned with. */
  freshMs?: number;
  /** Net reads: the requirement they serve (a lag in ms, or the catch-up). */
  owedFor?: number | 'catchup';
}

/** The one-off requirement after a (re)start: every start second of `[from, to]` read at `minAt` or later. */
interface Catchup {
  from: number;
  to: number;
  minAt: number;
  /** The checkpoint that stands until it is done (null after a fresh start). */
  hold: number | null;
}

/**
 * Decides which listings each poll cycle makes, so that every call is listed once it ended and
 * again once it settled, within the quota. Pure: every method takes `now`, the API's clock (a
 * lower bound of it: see `ApiClock`).
 *
 * What has been read is a `CoverageLedger` of start seconds; the guarantee is a property of it
 * (docs/engine.md, "The guarantee"): every start second inside the lookback is read completely at
 * each lag (10 minutes, 30 minutes and `lookbackMs` by default), and once after a (re)start; what a
 * read did not complete stays owed and is planned again, whatever the tier that planned it. The
 * latency tiers come on top: `held` (re-read by Sid), `fresh` (the newest start times, every poll),
 * `settled` (Duration bands, when busy), `sweep` (long calls, by Duration). A read still
 * outstanding is not planned again, so that a slow or retrying read never stacks requests, and
 * never holds back the next poll's reads either.
 */
export class ReadPlanner {
  readonly #pollMs: number;
  readonly #lookbackMs: number;
  readonly #quota: number;
  readonly #skewMs: number;
  readonly #base: CallQuery;
  readonly #fixed: FixedCadence;
  readonly #shape: PlanShape;

  #generation = 0;
  #begun = false;
  #tick = 0;
  /** The `now` of the last plan (API clock). */
  #lastNow = 0;
  readonly #ledger = new CoverageLedger();
  readonly #m = new Measurements();
  #cadence: Cadence;
  /** The lags owed, each from the start second it applies to (a lag that comes back applies from its lag behind then). */
  readonly #lagSince = new Map<number, number>();
  /** Oldest start second still answered for: older ones were read at every lag (or reported as a gap). */
  #domainStart = 0;
  // Hinted lists the bucket holds, and when it was last filled (see hintSidsAllowed).
  #hintTokens = 1;
  #hintTokensAt: number | null = null;
  #catchup: Catchup | null = null;
  /** What `begin` was given: the store's checkpoint and the `now` (for `rebase`). */
  #savedCheckpoint: number | null = null;
  #begunNow = 0;
  #sweepDone: number | null = null;
  /** `asOf` of the latest fresh read, and of the latest settled band read, that completed. */
  #freshAt: number | null = null;
  #bandAt: number | null = null;
  readonly #outstanding = new Set<PlannedRead>();
  readonly #info = new WeakMap<PlannedRead, ReadInfo>();
  /** Start seconds dropped unread (older than the API keeps), for `takeGaps`. */
  #gaps: SecondRange[] = [];
  /** Reads that listed a malformed record, per start second (or per requirement, when the record's start could not be read). */
  readonly #strikes = new Map<number | string, number>();

  constructor(options: PlannerOptions) {
    // The same rules as `createCallStream`'s, from the one set of option assertions.
    assertOptionsObject('options', options as unknown);
    const pollIntervalMs = pollIntervalOption(options.pollIntervalMs);
    const lookbackMs = lookbackOverPollOption(options.lookbackMs, pollIntervalMs);
    const pageSize = pageSizeOption('pageSize', options.pageSize, 100);
    const quota = requestsPerMinuteOption(options.maxRequestsPerMinute);
    const skew = skewMarginOption(options.skewMarginMs);
    const details = booleanOption('details', options.details, false);
    const freshWindowMs = freshWindowOption(options.freshWindowMs, lookbackMs);
    const sweepIntervalMs = sweepIntervalOption(options.sweepIntervalMs, pollIntervalMs, lookbackMs);
    const lags = sliceLagsOption(options.sliceLagsMs, lookbackMs) ?? DEFAULT_LAGS_MS;
    if (options.filters !== undefined) assertOptionsObject('filters', options.filters as unknown);

    this.#pollMs = pollIntervalMs;
    this.#lookbackMs = lookbackMs;
    this.#quota = quota;
    this.#skewMs = skew;
    this.#fixed = { freshMs: freshWindowMs, sweepMs: sweepIntervalMs };
    // The lookback lag is the safety net: any call up to the lookback long is read once it ended.
    const lagsMs = [...new Set([...lags.filter((l) => l < lookbackMs), lookbackMs])].sort((a, b) => a - b);
    this.#shape = {
      pollMs: pollIntervalMs,
      lookbackMs,
      pageSize,
      skewMs: skew,
      lagsMs,
      defaultLags: options.sliceLagsMs === undefined,
    };
    this.#cadence = chooseCadence(this.#m, this.#shape, this.#quota, this.#fixed);
    const f = options.filters ?? {};
    const base: CallQuery = { pageSize: options.pageSize, sortBy: 'asc' };
    if (f.direction !== undefined) base.direction = f.direction;
    if (f.phoneNumber !== undefined) base.phoneNumber = f.phoneNumber;
    if (f.to !== undefined) base.to = f.to;
    if (f.from !== undefined) base.from = f.from;
    if (f.status !== undefined) base.status = f.status;
    if (details) base.details = true;
    this.#base = base;
  }

  /** The fresh window's current width (adapted to the call rate unless fixed), or null while the fresh tier is off. */
  get freshWindowMs(): number | null {
    return this.#cadence.freshMs;
  }

  /** The fresh window is read every this many polls (1 while the quota allows). */
  get freshEveryPolls(): number {
    return this.#cadence.freshEvery;
  }

  /** The sweep's current interval (`Infinity` when off). */
  get sweepIntervalMs(): number {
    return this.#cadence.sweepMs;
  }

  /** Held Sids are re-read every this many polls (1 while the quota allows). */
  get heldEveryPolls(): number {
    return this.#cadence.heldEvery;
  }

  /** Settled bands are read every this many polls, or null while they are off (see docs/engine.md). */
  get settledEveryPolls(): number | null {
    return this.#cadence.bandEvery;
  }

  /** Whether the plan reads the lookback lag alone, the default lags before it dropped to fit a busy account (see docs/engine.md). */
  get lookbackLagOnly(): boolean {
    return this.#cadence.lookbackLagOnly === true;
  }

  /** The lags in force, ascending; the last is `lookbackMs`. */
  get sliceLagsMs(): readonly number[] {
    return lagsFor(this.#cadence, this.#shape);
  }

  /** How long due start times gather before a lag reads them (one page's worth, within [poll interval, 5 min]). */
  get gatherMs(): number {
    return gatherMs(this.#m, this.#shape);
  }

  /** Observed calls per minute (by start time), or null before any window was read. */
  get callsPerMinute(): number | null {
    const rate = this.#m.callRate();
    return rate === null ? null : rate * MINUTE;
  }

  /**
   * Whether start times missed while nothing read them (a restart, an outage) are still being read:
   * the catch-up after a start, or a backlog of owed start times larger than a lag's usual gathering.
   */
  get catchingUp(): boolean {
    if (!this.#begun) return false;
    if (this.#catchup !== null) return true;
    const slack = MAX_GATHER_MS + 4 * this.#pollMs;
    for (const lag of this.#requiredLags()) {
      const oldest = this.#oldestOwed(lag, this.#lastNow);
      if (oldest !== null && oldest + lag + slack < this.#lastNow) return true;
    }
    return false;
  }

  /** The coverage ledger, as a store keeps it. */
  coverage(): CoverageJSON {
    return this.#ledger.toJSON();
  }

  /** Start-second ranges that were dropped unread since the last call (older than the API lists): what the stream could not cover. */
  takeGaps(): SecondRange[] {
    const gaps = this.#gaps;
    this.#gaps = [];
    return gaps;
  }

  /**
   * Where to start after a (re)start: `checkpoint` from the store, or null to start fresh, and the
   * store's coverage ledger when it kept one. Either way the start times from
   * `checkpoint − lookbackMs − skewMarginMs` (or `now − lookbackMs − …`) up to `now` are read once
   * more (the catch-up), so that calls that ended while nothing polled are found. Forgets the reads
   * still outstanding.
   */
  begin(checkpoint: number | null, now: number, saved: { coverage?: CoverageJSON | undefined } = {}): void {
    if (checkpoint !== null && (typeof checkpoint !== 'number' || !Number.isFinite(checkpoint))) {
      throw new InvalidOptionError('checkpoint', 'epoch milliseconds or null', checkpoint);
    }
    if (typeof now !== 'number' || !Number.isFinite(now)) throw new TypeError(`Expected \`now\` to be epoch milliseconds, got ${String(now)}`);
    // Validate before changing anything.
    const ledger = new CoverageLedger();
    if (saved.coverage !== undefined) ledger.restore(saved.coverage);
    this.#generation++;
    this.#begun = true;
    this.#tick = 0;
    this.#lastNow = now;
    this.#outstanding.clear();
    const at = floorSecond(now);
    this.#ledger.restore(ledger.toJSON());
    this.#ledger.capAt(now);
    // Not `at`: a checkpoint need not be a whole second (a lag need not be), and reaching back a
    // second more than it says would read calls the store no longer remembers emitting.
    const hold = checkpoint === null ? null : Math.min(checkpoint, now);
    const reach = floorSecond((hold ?? at) - this.#lookbackMs - this.#skewMs);
    const from = Math.max(reach, this.#oldestAllowed(now));
    // A downtime longer than the API keeps calls: what started before it can no longer be read.
    if (hold !== null && reach < from) this.#gaps.push({ from: reach, to: from - SECOND });
    this.#catchup = { from, to: at, minAt: now, hold };
    this.#savedCheckpoint = checkpoint;
    this.#begunNow = now;
    const first = this.#ledger.spans()[0];
    this.#domainStart = Math.max(this.#oldestAllowed(now), Math.min(from, first?.from ?? from));
    this.#sweepDone = at;
    this.#freshAt = null;
    this.#bandAt = null;
    this.#lagSince.clear();
    for (const lag of this.#requiredLags()) this.#lagSince.set(lag, this.#domainStart);
  }

  /**
   * `begin` was given a `now` off the API's clock by `deltaMs` (it was a guess: no answer had told
   * the API's time yet). What it placed by that `now` — the catch-up's reach, the start seconds the
   * lags apply from — is placed again on the API's clock; what was read since stays recorded as
   * it was (each read's `asOf` came from the API).
   */
  rebase(deltaMs: number): void {
    if (!this.#begun || !Number.isFinite(deltaMs) || deltaMs === 0) return;
    const now = this.#begunNow + deltaMs;
    const at = floorSecond(now);
    const oldest = this.#oldestAllowed(now);
    if (this.#catchup !== null) {
      const hold = this.#savedCheckpoint === null ? null : Math.min(this.#savedCheckpoint, now);
      const from = Math.max(floorSecond((hold ?? at) - this.#lookbackMs - this.#skewMs), oldest);
      this.#catchup = { from, to: at, minAt: now, hold };
      // Placed again as `begin` places it, on the API's clock: a guess behind the API had put the
      // domain (and what the lags owe) in start times before the lookback, to be read for nothing.
      const before = this.#domainStart;
      const first = this.#ledger.spans()[0];
      this.#domainStart = Math.max(oldest, Math.min(from, first?.from ?? from));
      for (const [lag, since] of this.#lagSince) this.#lagSince.set(lag, since === before ? this.#domainStart : Math.min(since, this.#domainStart));
    } else {
      for (const [lag, since] of this.#lagSince) this.#lagSince.set(lag, Math.min(since, this.#domainStart));
    }
    if (this.#sweepDone !== null) this.#sweepDone += deltaMs;
    this.#begunNow = now;
  }

  /**
   * The API's clock went back by up to `-deltaMs` (an `ApiClock` jump): every listing recorded so
   * far happened up to that much earlier on the new reading, so their times move back with it.
   */
  clockJumped(deltaMs: number): void {
    if (!(deltaMs < 0) || !Number.isFinite(deltaMs)) return;
    this.#ledger.shift(deltaMs);
    if (this.#catchup !== null) this.#catchup.minAt += deltaMs;
    if (this.#sweepDone !== null) this.#sweepDone += deltaMs;
    if (this.#freshAt !== null) this.#freshAt += deltaMs;
    if (this.#bandAt !== null) this.#bandAt += deltaMs;
    this.#lastNow += deltaMs;
  }

  /**
   * The reads for the poll cycle at `now` (the API's clock), given the records held waiting to
   * settle (Sids, or `{ sid, dateCreated }`). Windows are at most 27 days, never older than 180
   * days, share their edge second, and are built from this one `now`. What earlier reads did not
   * cover, and is not being read, is planned again here.
   */
  plan(now: number, held: ReadonlyArray<string | HeldRef>, hinted: readonly HeldRef[] = [], hintDemand: number = hinted.length): PlannedRead[] {
    if (typeof now !== 'number' || !Number.isFinite(now)) throw new TypeError(`Expected \`now\` to be epoch milliseconds, got ${String(now)}`);
    if (!this.#begun) this.begin(null, now);
    this.#lastNow = now;
    const at = floorSecond(now);
    const oldest = this.#oldestAllowed(now);
    this.#dropLost(now);
    // Nothing owed or recorded may lie in the API's future.
    this.#ledger.capAt(now);
    if (this.#catchup !== null) {
      this.#catchup.minAt = Math.min(this.#catchup.minAt, now);
      this.#catchup.to = Math.min(this.#catchup.to, at);
    }

    this.#m.observeNow(now);
    const refs = this.#heldRefs(held);
    this.#m.heldCount = refs.length;
    this.#cadence = chooseCadence(this.#m, this.#shape, this.#quota, this.#fixed);
    this.#syncLags(at);
    const cadence = this.#cadence;
    const tick = this.#tick++;
    const reads: PlannedRead[] = [];
    // No window reaches before the oldest start second answered for: the stream forgets emitted
    // Sids older than what `oldestPlanned` said (CallTracker.prune), and a read there would list
    // them as new. What is owed there is read by the lags and the catch-up, which start there.
    const ctx: TierContext = { base: this.#base, now, at, oldest: Math.max(oldest, this.#domainStart), cadence, shape: this.#shape };

    // Settled bands: by Duration, the calls that settled within a short window of start times.
    if (cadence.bandEvery !== null && tick % cadence.bandEvery === 0) {
      const busy = (band: number) => this.#isOutstanding((info) => info.kind === 'settled' && info.band === band);
      for (const r of settledBandReads(ctx, cadence.bandEvery, this.#m, busy)) this.#push(reads, 'settled', r.query, { from: r.from, to: r.to, plannedAt: now, band: r.band });
    }

    // Held: by Sid, every `heldEvery` polls; a Sid whose re-read is still outstanding waits for it.
    if (tick % cadence.heldEvery === 0 && refs.length > 0) {
      const busy = new Set<string>();
      for (const read of this.#outstanding) {
        const info = this.#info.get(read)!;
        if (info.kind === 'held') for (const sid of info.sids ?? []) busy.add(sid);
      }
      for (const batch of heldBatches(this.#base, refs.filter((r) => !busy.has(r.sid)), now, oldest)) {
        this.#push(reads, 'held', batch.query, { from: at, to: at, plannedAt: now, sids: batch.sids });
      }
    }

    // Hinted: Sids a hint named, due now (they should have settled), by Sid like the held ones.
    const hints = this.#heldRefs(hinted);
    this.#m.sampleHints(hintDemand, now);
    for (const batch of heldBatches(this.#base, hints, now, oldest)) {
      this.#push(reads, 'hinted', batch.query, { from: at, to: at, plannedAt: now, sids: batch.sids });
      this.#hintTokens--;
    }

    // What the catch-up after a start still owes (it reads those start times; no other tier need).
    const catchupOwed = this.#catchup === null ? [] : this.#withoutPending(this.#ledger.owedUntil(this.#catchup.from, this.#catchup.to, this.#catchup.minAt));

    // Fresh: the newest start times, every `freshEvery` polls, reaching back over start times the
    // last fresh reads missed (up to a few minutes; older misses are caught up in chunks below).
    let freshFrom = at;
    if (cadence.freshMs !== null) {
      freshFrom = freshWindowFrom(ctx);
      if (tick % cadence.freshEvery === 0 && !this.#isOutstanding((info) => info.kind === 'fresh')) {
        const missed = subtractRanges(this.#owed(cadence.freshMs, Math.max(this.#domainStart, freshFrom - freshReachBackMs(ctx)), freshFrom - SECOND), catchupOwed);
        for (const r of freshReads(ctx, missed[0]?.from)) this.#push(reads, 'fresh', r.query, { from: r.from, to: r.to, plannedAt: now, freshMs: cadence.freshMs });
      }
    }

    // Sweep: long calls over the rest of the lookback, found once their Duration is filled in.
    if (
      Number.isFinite(cadence.sweepMs) &&
      (this.#sweepDone === null || now - this.#sweepDone >= cadence.sweepMs) &&
      !this.#isOutstanding((info) => info.kind === 'sweep')
    ) {
      const { reads: pieces, threshold } = sweepReads(ctx, freshFrom);
      const group: Group = { remaining: pieces.length, failed: false, records: 0 };
      for (const r of pieces) this.#push(reads, 'sweep', r.query, { from: r.from, to: r.to, plannedAt: now, group, threshold });
    }

    // What the ledger owes: the catch-up after a start, then each lag, oldest first, out of what the
    // quota leaves (at least one window a cycle, so that a backlog never starves).
    let spare = this.#spareRequestsPerCycle();
    const gather = gatherMs(this.#m, this.#shape);
    if (this.#catchup !== null) spare -= this.#pushOwed(reads, ctx, 'catchup', 'catchup', catchupOwed, Math.max(1, spare));
    for (const lag of this.#requiredLags()) {
      // The fresh window's own lag is the fresh tier's, but for misses older than its reach back.
      const isFresh = lag === cadence.freshMs;
      const upTo = isFresh ? Math.min(at - lag, freshFrom - freshReachBackMs(ctx) - SECOND) : at - lag;
      // Start seconds that were due at this lag before the start are the catch-up's (oldest first);
      // those that came due since are the lag's, at its priority, as usual (a read counts for both).
      const catchupsOwn = this.#catchup === null ? [] : clipRanges(catchupOwed, floorSecond(this.#catchup.minAt - lag));
      const owed = subtractRanges(this.#owed(lag, this.#lagFrom(lag), upTo), catchupsOwn);
      if (owed.length === 0) continue;
      // Due start times gather into a fuller page, but never for longer than `gather`.
      if (owed[0]!.from + lag + gather > now && owed.length === 1 && owed[0]!.to - owed[0]!.from < gather) continue;
      const steady = Math.max(1, Math.ceil(((this.#m.callRate() ?? 0) * (gather + this.#pollMs)) / this.#shape.pageSize));
      const spent = this.#pushOwed(reads, ctx, isFresh ? 'catchup' : 'slice', lag, owed, Math.max(steady, spare));
      // The regular read is in the steady estimate already; only a backlog takes from the spare.
      spare -= Math.max(0, spent - steady);
    }

    this.#advanceDomain(at, oldest);
    return reads.sort((a, b) => a.priority - b.priority);
  }

  /**
   * Reports how a read went. What a complete full listing covered goes into the coverage ledger as
   * of `result.asOf`; a read that did not complete (`ok: false`) covers nothing: it is planned
   * again. Reads from before the last `begin` are ignored. `now` is not needed (kept for callers).
   */
  complete(read: PlannedRead, result: ReadCompletion, now?: number): void {
    void now;
    const info = this.#info.get(read);
    if (info === undefined) throw new TypeError('Expected a read planned by this ReadPlanner (and not completed yet)');
    if (typeof result !== 'object' || result === null || typeof result.ok !== 'boolean') {
      throw new TypeError(`Expected a read result { ok, records, requests, asOf? }, got ${String(result)}`);
    }
    this.#info.delete(read); // a read counts once
    this.#outstanding.delete(read);
    if (info.generation !== this.#generation) return;
    const records = Number.isFinite(result.records) && result.records > 0 ? result.records : 0;
    const asOf = typeof result.asOf === 'number' && Number.isFinite(result.asOf) ? result.asOf : info.plannedAt;
    if (info.group) {
      const group = info.group;
      group.remaining--;
      group.records += records;
      if (!result.ok) group.failed = true;
      if (group.remaining === 0 && !group.failed) {
        this.#sweepDone = Math.max(this.#sweepDone ?? info.plannedAt, Math.min(info.plannedAt, asOf));
        // Measured per threshold: the bands' sweep lists far fewer calls than the fresh tier's.
        this.#m.sampleSweep(group.records, info.threshold ?? 0);
      }
      return;
    }
    if (!result.ok) return;
    switch (info.kind) {
      case 'fresh':
      case 'slice':
      case 'catchup': {
        // The window's last second, and the second the API was in, may still gain calls (a `lte`
        // on whole seconds, compared with finer times, would miss the end of its second): the next
        // window starts there, sharing its edge second.
        const to = Math.min(info.to, floorSecond(asOf)) - SECOND;
        const malformed = result.malformedAt ?? [];
        // A record whose own start could not be read: the whole window is read again, a few times.
        const windowKey = `${info.kind}:${info.owedFor ?? ''}`;
        if (malformed.some((at) => !Number.isFinite(at))) {
          if (this.#strike(windowKey)) break;
        } else {
          this.#strikes.delete(windowKey);
        }
        // Only within the domain: a read planned before it moved on must not bring back start
        // seconds it no longer answers for (a restart would reach back to them).
        this.#ledger.record(Math.max(info.from, this.#domainStart), to, asOf);
        // The start seconds of records that could not be read are owed again, a few times.
        for (const at of malformed) {
          if (!Number.isFinite(at)) continue;
          const second = floorSecond(at);
          if (second >= info.from && second <= to && this.#strike(second)) this.#ledger.erase(second, second);
        }
        if (info.kind === 'fresh') {
          this.#m.sampleFresh(records, info.to - info.from, info.freshMs ?? 0);
          this.#freshAt = Math.max(this.#freshAt ?? asOf, asOf);
        }
        else this.#m.sampleNet(records, info.to - info.from);
        if (this.#catchup !== null && this.#ledger.owedUntil(this.#catchup.from, this.#catchup.to, this.#catchup.minAt).length === 0) this.#catchup = null;
        break;
      }
      case 'settled':
        this.#m.sampleBand(info.band ?? 0, records, info.to - info.from);
        this.#bandAt = Math.max(this.#bandAt ?? asOf, asOf);
        break;
      default:
        break;
    }
  }

  /**
   * The instant up to which every read that was due has completed (saved as the store's
   * checkpoint): the oldest due start time still owed at some lag, plus that lag; held at its old
   * value (after a first start: the start's own instant) while the catch-up is incomplete. A restart from it, with the
   * coverage ledger or without, reaches back far enough to read again whatever might be missing.
   */
  checkpoint(): number | null {
    if (!this.#begun) return null;
    // Still catching up: what the start was given, or, for a first start, where its catch-up is
    // placed from (its own start), so that a restart before it completed owes the same start times.
    if (this.#catchup !== null) return this.#catchup.hold ?? this.#catchup.to;
    const now = this.#lastNow;
    let checkpoint = floorSecond(now);
    for (const lag of this.#requiredLags()) {
      const oldest = this.#oldestOwed(lag, now);
      if (oldest !== null) checkpoint = Math.min(checkpoint, oldest + lag);
    }
    return checkpoint;
  }

  /**
   * The API instant as of which the tier that decides how soon a new call is seen last read the
   * newest start times: the latest complete fresh read, or settled band read while the bands are
   * on; with neither, the checkpoint. Null before any. `now − latencyCoveredAt()` is the stream's lag.
   */
  latencyCoveredAt(): number | null {
    if (this.#cadence.freshMs !== null) return this.#freshAt;
    if (this.#cadence.bandEvery !== null) return this.#bandAt;
    return this.checkpoint();
  }

  /**
   * The oldest start second the plan answers for (its domain), or null before `begin`: no read
   * reaches before it, it only moves forward within a run, and a restart places it no earlier
   * than what the tracker forgot before it (`oldestPlanned()` bounds every prune). So an emitted
   * Sid that started since is remembered, and a call read by Sid (a hint) that started before it
   * cannot be told emitted or not: it is out of the domain, and not emitted.
   */
  answersFrom(): number | null {
    return this.#begun ? this.#domainStart : null;
  }

  /**
   * The oldest start time a read may still reach (owed start times, the lookback and skew margin
   * behind the last plan, a restart from the checkpoint saved now), or null before `begin`. Emitted
   * Sids that started since must be kept: pass it to `CallTracker.prune` as `keepFrom`.
   */
  oldestPlanned(): number | null {
    if (!this.#begun) return null;
    let oldest = Math.min(this.#domainStart, floorSecond(this.#lastNow - this.#lookbackMs - this.#skewMs));
    const checkpoint = this.checkpoint();
    if (checkpoint !== null) oldest = Math.min(oldest, floorSecond(checkpoint - this.#lookbackMs - this.#skewMs));
    if (this.#catchup !== null) oldest = Math.min(oldest, this.#catchup.from);
    return oldest;
  }

  /**
   * A page of a read arrived with `records` records (its pages so far, in all), at `now`: a listing
   * of many pages tells how busy the account is before it completes.
   */
  observePages(read: PlannedRead, records: number, now: number, starts?: { first: number; last: number }): void {
    const info = this.#info.get(read);
    if (info === undefined || info.generation !== this.#generation) return;
    if (info.kind !== 'fresh' && info.kind !== 'slice' && info.kind !== 'catchup') return;
    // Over the whole window: a rate that is at least right (the rest of its calls are to come).
    this.#m.samplePages(records, info.to - info.from, now);
    // How densely the calls so far lie (pages come oldest first; whole seconds: one more for the
    // last): what the quota warning checks the plan at, not what it is planned with.
    if (starts !== undefined && starts.first >= info.from && starts.last >= starts.first && starts.last <= info.to) {
      this.#m.sampleDensePages(records, starts.last - starts.first + SECOND, now);
    }
  }

  /**
   * A call was first seen settled at `seenAt` (API clock), by a read of `kind`: what it tells of
   * the account's settle delays and ringing, which size the settled bands
   * (`Measurements.settleSpreadMs`, `ringMs`). The tier's previous read of its start time did not
   * see it settled, which bounds the delay from below.
   */
  observeSettled(call: { dateCreated: number; endTime: number; durationSec: number | null }, seenAt: number, kind?: ReadKind): void {
    // How long before this one the same tier last read the call's start time: it was not settled then.
    const c = this.#cadence;
    const every = kind === 'settled' ? c.bandEvery : kind === 'held' ? c.heldEvery : kind === 'fresh' ? c.freshEvery : null;
    this.#m.sampleSettled(call.dateCreated, call.endTime, call.durationSec, seenAt, every === null ? 0 : every * this.#pollMs);
  }

  /**
   * How long after a call's end its hint is re-read: when half the calls have settled, as measured
   * (a minute until then). A hinted call found unsettled is held, and re-read with the held ones.
   */
  hintDelayMs(): number {
    return this.#m.settleQuantileMs(0.5) ?? MINUTE;
  }

  /** The settle delays measured: the median and the 95th percentile (ms), the spread the settled bands reach over. */
  get settleSpreadMs(): number {
    return this.#m.settleSpreadMs();
  }

  /** The sweep's `Duration` floor: below the shortest call that can escape the fresh window (half of it, for ring time). */
  sweepThresholdSeconds(): number {
    return sweepThresholdSeconds(this.#cadence);
  }

  /**
   * Requests a minute the read plan needs (catch-up excluded): the current plan at the measured
   * call rate, or, when the pages of a listing in progress lie more densely than that rate says,
   * the best plan at the rate they show, if more; the stream warns (`ERR_QUOTA_PLAN`) when it
   * exceeds `maxRequestsPerMinute`.
   */
  estimatedRequestsPerMinute(): number {
    const needed = estimateRequestsPerMinute(this.#cadence, this.#m, this.#shape);
    const measured = this.#m.callRate() ?? 0;
    const seen = this.#m.seenCallRate(this.#lastNow) ?? 0;
    if (!(seen > measured)) return Math.ceil(needed);
    // Busier than measured: the plan that would be chosen at the rate seen, at that rate (a plan
    // chosen at the measured rate is re-chosen as the measure catches up; this says whether any fits).
    const best = chooseCadence(this.#m, this.#shape, this.#quota, this.#fixed, seen);
    return Math.ceil(Math.max(needed, estimateRequestsPerMinute(best, this.#m, this.#shape, seen)));
  }

  /** Counts one more read of `key` that listed a record that could not be read; true while it may be read again. */
  #strike(key: number | string): boolean {
    const strikes = (this.#strikes.get(key) ?? 0) + 1;
    if (strikes > MALFORMED_STRIKES) return false;
    this.#strikes.set(key, strikes);
    return true;
  }

  /** The lags owed now: the configured ones in force, and the fresh window's width while it is on. */
  #requiredLags(): number[] {
    const lags = new Set(lagsFor(this.#cadence, this.#shape));
    if (this.#cadence.freshMs !== null) lags.add(this.#cadence.freshMs);
    return [...lags].sort((a, b) => a - b);
  }

  /** A lag that comes into force applies from its lag behind now; one that goes is forgotten. */
  #syncLags(at: number): void {
    const lags = this.#requiredLags();
    for (const lag of [...this.#lagSince.keys()]) if (!lags.includes(lag)) this.#lagSince.delete(lag);
    for (const lag of lags) {
      const since = this.#lagSince.get(lag);
      // Never later than its lag behind now: a `since` set from a clock reading ahead of the API's would skip start times.
      if (since === undefined) this.#lagSince.set(lag, floorSecond(at - lag));
      else if (since > floorSecond(at - lag)) this.#lagSince.set(lag, floorSecond(at - lag));
    }
  }

  #lagFrom(lag: number): number {
    return Math.max(this.#domainStart, this.#lagSince.get(lag) ?? this.#domainStart);
  }

  /** Start seconds of `[from, to]` owed at `lag` and not being read. */
  #owed(lag: number, from: number, to: number): SecondRange[] {
    if (to < from) return [];
    return this.#withoutPending(this.#ledger.owedForLag(from, to, lag));
  }

  /** The oldest due start second owed at `lag` (being read or not), or null. */
  #oldestOwed(lag: number, now: number): number | null {
    return this.#ledger.oldestOwedForLag(this.#lagFrom(lag), floorSecond(now - lag), lag);
  }

  #withoutPending(ranges: SecondRange[]): SecondRange[] {
    if (ranges.length === 0) return ranges;
    const pending: SecondRange[] = [];
    for (const read of this.#outstanding) {
      const info = this.#info.get(read)!;
      if (info.kind === 'fresh' || info.kind === 'slice' || info.kind === 'catchup') pending.push({ from: info.from, to: info.to });
    }
    return subtractRanges(ranges, pending);
  }

  /** The windows `owedReads` sizes over `owed`, while fewer than `MAX_PARALLEL_NET` reads of this requirement are outstanding. Returns the requests estimated. */
  #pushOwed(reads: PlannedRead[], ctx: TierContext, kind: ReadKind, owedFor: number | 'catchup', owed: SecondRange[], budget: number): number {
    let parallel = 0;
    for (const read of this.#outstanding) if (this.#info.get(read)!.owedFor === owedFor) parallel++;
    const planned = owedReads(ctx, owed, budget, MAX_PARALLEL_NET - parallel, { rate: this.#m.callRate(), measuredWidthMs: this.#m.measuredWidthMs() });
    for (const r of planned.reads) this.#push(reads, kind, r.query, { from: r.from, to: r.to, plannedAt: ctx.now, owedFor });
    return planned.requests;
  }

  /**
   * Moves the oldest start second answered for forward, past start times older than the lookback
   * (and its margins) that are owed nothing; start times still owed stay, up to the 180 days the
   * API keeps, after which they are reported by `takeGaps`.
   */
  #advanceDomain(at: number, oldestAllowed: number): void {
    let start = floorSecond(at - this.#lookbackMs - this.#skewMs - RETAIN_MS);
    for (const lag of this.#requiredLags()) {
      const owed = this.#ledger.oldestOwedForLag(this.#lagFrom(lag), floorSecond(at - lag), lag);
      if (owed !== null) start = Math.min(start, owed);
    }
    if (this.#catchup !== null) start = Math.min(start, this.#catchup.from);
    if (start < oldestAllowed) {
      for (const lag of this.#requiredLags()) {
        for (const gap of this.#ledger.owedForLag(this.#lagFrom(lag), Math.min(oldestAllowed - SECOND, floorSecond(at - lag)), lag)) this.#gaps.push(gap);
      }
      start = oldestAllowed;
      if (this.#catchup !== null && this.#catchup.from < start) this.#catchup.from = start;
    }
    if (start > this.#domainStart) {
      this.#domainStart = start;
      this.#ledger.forgetBefore(start);
      for (const key of this.#strikes.keys()) if (typeof key === 'number' && key < start) this.#strikes.delete(key);
    }
  }

  /**
   * How many hinted Sids this cycle may re-read (whole lists: 100 Sids, or a page when smaller). Hints bring reads forward;
   * they must never take what the tiers need, which come after them in the queue. So their lists
   * come from a bucket filled at what the cost model charges for them (the re-reads they ask for,
   * in lists of 100, a minute) plus what the quota leaves over the plan (95 % of it, less the
   * estimate; nothing while a backlog is caught up, which takes it): whatever the hints do, the
   * requests sent stay within what the plan was chosen to fit, or what it warned of. Sids past it
   * wait in the queue, and go together in fuller lists.
   */
  hintSidsAllowed(now: number): number {
    const batch = sidBatch(this.#shape.pageSize);
    const charged = Math.ceil(this.#m.hintsPerMinute() / batch);
    // The quota left over is the backlog's while there is one (catching up takes what the plan leaves).
    const spare = this.catchingUp ? 0 : Math.max(0, BEHIND_BUDGET_SHARE * this.#quota - estimateRequestsPerMinute(this.#cadence, this.#m, this.#shape));
    const perMinute = charged + spare;
    // A minute's worth at most: a cycle may take longer than a poll when the queue is full.
    const cap = Math.max(1, perMinute);
    if (this.#hintTokensAt !== null) this.#hintTokens = Math.min(cap, this.#hintTokens + (perMinute * Math.max(0, now - this.#hintTokensAt)) / MINUTE);
    this.#hintTokensAt = now;
    return Math.max(0, Math.floor(this.#hintTokens)) * batch;
  }

  /** Requests one cycle can spend on backlogs beyond the steady tiers: the quota of one poll interval less the steady share, at least one. */
  #spareRequestsPerCycle(): number {
    const perCycle = (this.#quota * this.#pollMs) / MINUTE;
    const steady = (estimateRequestsPerMinute(this.#cadence, this.#m, this.#shape) * this.#pollMs) / MINUTE;
    return Math.max(1, Math.floor(perCycle - steady));
  }

  #heldRefs(held: ReadonlyArray<string | HeldRef>): HeldRef[] {
    const seen = new Set<string>();
    const refs: HeldRef[] = [];
    for (const h of held) {
      const ref = typeof h === 'string' ? { sid: h } : h;
      if (typeof ref?.sid !== 'string' || !LISTABLE_SID.test(ref.sid) || seen.has(ref.sid)) continue;
      seen.add(ref.sid);
      refs.push(ref);
    }
    return refs;
  }

  #isOutstanding(test: (info: ReadInfo) => boolean): boolean {
    for (const read of this.#outstanding) if (test(this.#info.get(read)!)) return true;
    return false;
  }

  /** Reads outstanding for `LOST_READ_MS` are taken for lost: what they were to cover is planned again. */
  #dropLost(now: number): void {
    for (const read of this.#outstanding) {
      if (now - this.#info.get(read)!.plannedAt > LOST_READ_MS) this.#outstanding.delete(read);
    }
  }

  #oldestAllowed(now: number): number {
    return ceilSecond(now - MAX_AGE_MS);
  }

  #push(reads: PlannedRead[], kind: ReadKind, query: CallQuery, info: Omit<ReadInfo, 'generation' | 'kind'>, retries?: number): PlannedRead {
    const read: PlannedRead = Object.freeze({ kind, query, priority: PRIORITY[kind], ...(retries === undefined ? {} : { retries }) });
    this.#info.set(read, { generation: this.#generation, kind, ...info });
    this.#outstanding.add(read);
    reads.push(read);
    return read;
  }
}
