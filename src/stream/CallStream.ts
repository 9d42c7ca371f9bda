import { Observable, Subject, defer, filter, from, merge, mergeMap, switchMap, tap, timer } from 'rxjs';
import type { Subscription } from 'rxjs';
import { ExotelClient } from '../exotel/ExotelClient.js';
import { ExotelError, ExotelNetworkError } from '../exotel/errors.js';
import { parseNaiveMs, zoneShiftMs } from '../exotel/time.js';
import type { Call } from '../exotel/types.js';
import { CallTracker } from '../engine/CallTracker.js';
import { CoverageLedger } from '../engine/coverage/CoverageLedger.js';
import { HintQueue } from '../engine/HintQueue.js';
import type { CallHint } from '../engine/types.js';
import { ReadPlanner } from '../engine/planner/ReadPlanner.js';
import type { HeldRef, PlannedRead, ReadKind } from '../engine/planner/types.js';
import { expireHeld } from '../operators/expireHeld.js';
import { normalizeRecords } from '../operators/normalizeRecords.js';
import { ofEventType } from '../operators/ofEventType.js';
import { persistState } from '../operators/persistState.js';
import { readPlanned } from '../operators/readPlanned.js';
import { trackCalls } from '../operators/trackCalls.js';
import { saveSerially } from '../operators/internal/saveSerially.js';
// Aliased to the names the constructor below uses.
import { LazyStartEmitter } from './LazyStartEmitter.js';
import { QuotaWarnings } from './QuotaWarnings.js';
import { resolveStreamOptions as resolveOptions } from './resolveStreamOptions.js';
import type { ResolvedStreamOptions as ResolvedOptions } from './resolveStreamOptions.js';
import type { CallStreamEvent, CallStreamEvents, CallStreamLike, CallStreamOptions, CallStreamStats, CallStreamStatus, CallUpdate, ReadTierStats, StoreState } from './types.js';

type Phase = CallStreamStatus['phase'];

/** The reads whose settled calls measure the settle delays: those that decide latency. */
const LEARNS_SETTLE: ReadonlySet<ReadKind> = new Set<ReadKind>(['fresh', 'settled', 'held', 'hinted']);
/** ...and only while they are no further behind than this (or two poll intervals). */
const LEARN_MAX_LAG_MS = 2 * 60_000;

/** Surfaces an exception thrown by a user's listener the way RxJS does: outside the poller. */
function reportListenerError(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/**
 * A live stream of one account's calls: three observables, their union `events$`, `errors$`,
 * and the same events as an EventEmitter3. Created by `createCallStream(options)`.
 *
 * Polling is lazy and shared: it starts with the first subscription to any observable, the first
 * listener added with `on`/`addListener`/`once`, or `start()`; there is one poller per stream,
 * and it runs until `stop()` (or a fatal error), whoever unsubscribes.
 */
export class CallStream extends LazyStartEmitter<CallStreamEvents> implements CallStreamLike {
  /** Completed calls, once per Sid, when settled (or held `settleMs`). */
  readonly callCompleted$: Observable<Call>;
  /** Failed calls (failed, busy, no-answer, canceled), once per Sid. */
  readonly callFailed$: Observable<Call>;
  /** Changes to calls after they were emitted. */
  readonly callUpdated$: Observable<CallUpdate>;
  /** Every event, with its `type`. */
  readonly events$: Observable<CallStreamEvent>;
  /**
   * Errors: non-fatal ones (a read whose retries ran out, a malformed record, a failed save, a
   * quota warning) as they happen; a fatal one as its last value, after which it completes.
   */
  readonly errors$: Observable<ExotelError>;

  readonly #options: ResolvedOptions;
  readonly #client: ExotelClient;
  readonly #tracker: CallTracker;
  readonly #planner: ReadPlanner;
  readonly #events = new Subject<CallStreamEvent>();
  readonly #errors = new Subject<ExotelError>();
  /** A poll cycle ended (it may have held new records): re-arms the expiry timer. */
  readonly #cycleEnded = new Subject<void>();
  #phase: Phase = 'idle';
  #run: Subscription | undefined;
  #loaded = false;
  readonly #quotaWarnings = new QuotaWarnings();
  /** Local time of the last save that started (the scheduler's clock), for `saveIntervalMs`. */
  #lastSave = Number.NEGATIVE_INFINITY;
  #stopping: Promise<void> | undefined;
  readonly #hints = new HintQueue();
  /** Sids held when the state was saved, not seen since the restart: re-read by Sid until found (or the catch-up is done). */
  readonly #restoredHeld = new Map<string, number>();
  readonly #unsubscribeJump: () => void;
  /** Local time of the planner's start, and the API time it was given then while the API's clock was still a guess (null once known). */
  #begunAt = 0;
  #begunOn: number | null = null;
  readonly #reads: Record<string, ReadTierStats> = {};
  readonly #eventCounts = { callCompleted: 0, callFailed: 0, callUpdated: 0 };
  readonly #errorCounts: Record<string, number> = {};
  readonly #saves = { ok: 0, failed: 0 };
  #lastReadAt: number | null = null;

  constructor(options: CallStreamOptions) {
    super();
    const resolved = resolveOptions(options);
    this.#options = resolved;
    this.#client = new ExotelClient({
      accountSid: resolved.accountSid,
      apiKey: resolved.apiKey,
      apiToken: resolved.apiToken,
      ...(resolved.baseUrl === undefined ? { subdomain: resolved.subdomain } : { baseUrl: resolved.baseUrl }),
      timeZone: resolved.timeZone,
      maxRequestsPerMinute: resolved.maxRequestsPerMinute,
      ...(resolved.limiter === undefined ? {} : { limiter: resolved.limiter }),
      ...(resolved.retries === undefined ? {} : { retries: resolved.retries }),
      ...(resolved.dispatcher === undefined ? {} : { dispatcher: resolved.dispatcher }),
      assumedClockSkewMs: resolved.skewMarginMs,
    });
    this.#tracker = new CallTracker({
      settleMs: resolved.settleMs,
      isSettled: resolved.isSettled,
      lookbackMs: resolved.lookbackMs,
      // A start in the hour a daylight-saving change repeats may read an hour off: emitted Sids are
      // kept that much longer, so that a later read of their true start does not emit them again.
      retainMarginMs: 600_000 + zoneShiftMs(resolved.timeZone),
    });
    this.#planner = new ReadPlanner({
      pollIntervalMs: resolved.pollIntervalMs,
      lookbackMs: resolved.lookbackMs,
      pageSize: resolved.pageSize,
      maxRequestsPerMinute: resolved.maxRequestsPerMinute,
      skewMarginMs: resolved.skewMarginMs,
      details: resolved.details,
      ...(resolved.filters === undefined ? {} : { filters: resolved.filters }),
      ...(resolved.freshWindowMs === undefined ? {} : { freshWindowMs: resolved.freshWindowMs }),
      ...(resolved.sweepIntervalMs === undefined ? {} : { sweepIntervalMs: resolved.sweepIntervalMs }),
      ...(resolved.sliceLagsMs === undefined ? {} : { sliceLagsMs: resolved.sliceLagsMs }),
    });

    // Listings recorded on the API's old reading move back with its clock.
    this.#unsubscribeJump = this.#client.apiClock.onJump(({ deltaMs }) => this.#planner.clockJumped(deltaMs));

    const events = this.#events.asObservable();
    this.events$ = this.lazy(events);
    this.callCompleted$ = this.lazy(events.pipe(ofEventType('callCompleted')));
    this.callFailed$ = this.lazy(events.pipe(ofEventType('callFailed')));
    this.callUpdated$ = this.lazy(events.pipe(ofEventType('callUpdated')));
    this.errors$ = this.lazy(this.#errors.asObservable());
  }

  /** Records held waiting to settle plus emitted Sids remembered: bounded by the lookback horizon. */
  get trackedCalls(): number {
    return this.#tracker.size;
  }

  /** Counters since the stream was created (reads by tier, HTTP, events, errors, saves): a fresh object. */
  stats(): CallStreamStats {
    const reads: Record<string, ReadTierStats> = {};
    for (const [tier, counts] of Object.entries(this.#reads)) reads[tier] = { ...counts };
    return {
      reads,
      http: this.#client.stats(),
      events: { ...this.#eventCounts },
      errors: { ...this.#errorCounts },
      saves: { ...this.#saves },
    };
  }

  /** What the stream is doing now: phase, the API clock, held records, catch-up, lag (a frozen snapshot). */
  status(): CallStreamStatus {
    const apiTime = this.#now();
    return Object.freeze({
      phase: this.#phase,
      apiTime,
      clockOffsetMs: this.#client.clockOffsetMs,
      heldCalls: this.#tracker.heldCount,
      trackedCalls: this.#tracker.size,
      catchingUp: this.#planner.catchingUp,
      lastReadAt: this.#lastReadAt,
      lagMs: lagOf(apiTime, this.#planner.latencyCoveredAt()),
      estimatedRequestsPerMinute: this.#planner.estimatedRequestsPerMinute(),
      maxRequestsPerMinute: this.#options.maxRequestsPerMinute,
      settleSpreadMs: this.#planner.settleSpreadMs,
    });
  }

  /**
   * A hint that a call ended — Exotel's `StatusCallback`, or any other source: its Sid is re-read
   * (by `Sid=`, 100 a request) once the call should have settled, so that it goes out seconds after
   * it settles instead of when a pull tier next reaches its start time. Hints are lossy and late
   * by nature: a hint never counts for coverage, the pull tiers still read every call, a hinted
   * Sid that does not come back is given up after a few tries, and one already known costs nothing.
   * A call that started before the domain (the oldest start time the stream's reads cover) is
   * never emitted from a hint, however late it comes: the stream may have emitted and forgotten it.
   * Returns false for a hint it cannot use (not a Sid a `Sid=` list takes, a `dateCreated` before
   * the domain, or the stream stopped).
   *
   * @example
   * stream.hint({ sid: callback.CallSid, endedAt: Date.parse(callback.EndTime) });
   */
  hint(hint: CallHint): boolean {
    if (this.#phase === 'stopped' || this.#phase === 'failed') return false;
    if (typeof hint === 'object' && hint !== null && typeof hint.sid === 'string' && this.#tracker.has(hint.sid)) return true;
    // A start before the domain: a call the stream does not answer for (see #answersFor).
    const domain = this.#planner.answersFrom();
    if (typeof hint === 'object' && hint !== null && typeof hint.dateCreated === 'number' && domain !== null && hint.dateCreated < domain) return false;
    return this.#hints.add(hint, this.#now(), this.#planner.hintDelayMs());
  }

  /**
   * Whether a call read by Sid is one the stream answers for: tracked (held or emitted), or started
   * within the planner's domain. Before the domain, an emitted Sid may have been forgotten (the
   * tracker keeps Sids from `oldestPlanned()` on), so emitting it could repeat it: a late hint
   * (a callback retried or replayed long after) is dropped there, and its Sid not read again.
   */
  #answersFor(call: Call): boolean {
    const domain = this.#planner.answersFrom();
    if (domain === null || call.dateCreated.getTime() >= domain || this.#tracker.has(call.sid)) return true;
    this.#hints.drop(call.sid);
    return false;
  }

  /** Starts polling without a subscriber. Does nothing once started or stopped. */
  start(): void {
    if (this.#phase !== 'idle') return;
    this.#phase = 'running';
    this.#run = this.#poller().subscribe({
      next: (event) => this.#dispatch(event),
      error: (error: unknown) => void this.#shutdown(error),
    });
  }

  /**
   * Stops polling: aborts requests in flight, clears every timer, saves the store, closes the
   * client (its sockets and limiter) and the store, then completes every observable. Idempotent.
   */
  stop(): Promise<void> {
    return this.#shutdown();
  }





  /**
   * The API's clock: local time (the scheduler's) on the lower bound the client's answers give
   * (`ApiClock.lowerBound`): an instant the API has certainly reached, so that nothing is planned
   * or recorded in its future.
   */
  #now = (): number => this.#client.apiClock.lowerBound(this.#options.scheduler.now());

  #poller(): Observable<CallStreamEvent> {
    const { store, pollIntervalMs, scheduler } = this.#options;
    return defer(async () => {
      let state: StoreState | undefined;
      try {
        state = await store.load();
      } catch (cause) {
        // Starting without what was emitted would emit it all again: stop instead.
        throw new ExotelError('ERR_STORE', `Could not load the stream's state: ${cause instanceof Error ? cause.message : String(cause)}`, { fatal: true, cause });
      }
      const unusable = (cause: unknown) =>
        new ExotelError('ERR_STORE', `The stream's saved state cannot be used: ${cause instanceof Error ? cause.message : String(cause)}`, { fatal: true, cause });
      try {
        if (state !== undefined) this.#tracker.restore(state.emitted);
        if (state?.coverage !== undefined) new CoverageLedger().restore(state.coverage);
        for (const [sid, dateCreated] of Object.entries(state?.held ?? {})) if (!this.#tracker.has(sid)) this.#restoredHeld.set(sid, dateCreated);
      } catch (cause) {
        throw unusable(cause);
      }
      try {
        // Before the API's first answer its time is a guess from ours. A guess behind the API would
        // reach back past what the store remembers (and emit it again): the API's clock had at least
        // reached what the store last saw of it.
        this.#begunAt = this.#options.scheduler.now();
        let now = this.#now();
        if (!this.#client.apiClock.known) {
          now = Math.max(now, latestApiTime(state));
          this.#begunOn = now;
        }
        this.#planner.begin(state?.checkpoint ?? null, now, { coverage: state?.coverage });
      } catch (cause) {
        throw unusable(cause);
      }
      this.#loaded = true;
    }).pipe(
      switchMap(() =>
        merge(
          // mergeMap, not exhaustMap: a cycle whose reads are slow or retrying must not hold back the
          // next one's held and fresh reads. Cycles never stack requests: the planner plans nothing
          // a read still outstanding covers.
          timer(0, pollIntervalMs, scheduler).pipe(mergeMap(() => this.#cycle())),
          // Held records go out when their settleMs runs out, not at the end of the next cycle.
          expireHeld(this.#tracker, this.#cycleEnded, this.#now, scheduler),
        ),
      ),
    );
  }

  /** One poll cycle: the planned reads, their records through the tracker, then a save. */
  #cycle(): Observable<CallStreamEvent> {
    const client = this.#client;
    const { timeZone, details, readConcurrency, store } = this.#options;
    const normalizeOptions = { timeZone, details };
    return defer(() => {
      // Time comes from the API: what the start placed on our clock's guess moves to the API's
      // clock as soon as its first answer tells it.
      if (this.#begunOn !== null && this.#client.apiClock.known) {
        this.#planner.rebase(this.#client.apiClock.lowerBound(this.#begunAt) - this.#begunOn);
        this.#begunOn = null;
      }
      const now = this.#planNow();
      const hinted = this.#hints.take(now, (sid) => this.#tracker.has(sid), this.#planner.hintSidsAllowed(now));
      const reads = [...this.#planner.plan(now, this.#heldToRead(), hinted.sids, hinted.demand)].sort((a, b) => a.priority - b.priority);
      for (const gap of this.#planner.takeGaps()) this.#report(coverageGap(gap));
      // Checked when planning too: on a quota far too small, a cycle can take minutes to complete.
      this.#checkQuota();
      // Records of a read that could not be read: their start seconds are read again (ReadPlanner).
      const malformed = new Map<PlannedRead, number[]>();
      const pagesSeen = new Map<PlannedRead, number>();
      const firstStarts = new Map<PlannedRead, number>();
      let reading: PlannedRead | undefined;
      return from(reads).pipe(
        readPlanned<PlannedRead>({
          client,
          concurrency: readConcurrency,
          onComplete: (read, result) => {
            this.#countRead(read.kind, result);
            const malformedAt = malformed.get(read);
            malformed.delete(read);
            pagesSeen.delete(read);
            firstStarts.delete(read);
            this.#planner.complete(read, malformedAt === undefined ? result : { ...result, malformedAt }, this.#now());
          },
          onError: (error) => this.#report(asExotelError(error)),
        }),
        // Pages are normalized as they come, synchronously: a malformed record belongs to the page just seen.
        tap((page) => {
          reading = page.read;
          const records = (pagesSeen.get(page.read) ?? 0) + page.calls.length;
          pagesSeen.set(page.read, records);
          // Pages come oldest first: the first record's start and the last one's say how densely
          // the calls so far lie.
          if (!firstStarts.has(page.read) && page.calls.length > 0) firstStarts.set(page.read, startOf(page.calls[0], timeZone));
          const first = firstStarts.get(page.read);
          const starts = first === undefined ? undefined : { first, last: startOf(page.calls.at(-1), timeZone) };
          this.#planner.observePages(page.read, records, this.#now(), starts);
        }),
        normalizeRecords({
          timeZone,
          details,
          onError: (error) => {
            if (reading !== undefined) {
              const list = malformed.get(reading) ?? [];
              list.push(startOf(error.value, timeZone));
              malformed.set(reading, list);
            }
            this.#report(error);
          },
          // Re-reads with nothing tracked changed are dropped before a `Call` is built; trackCalls would ignore them.
          unchanged: (raw) => this.#tracker.unchanged(raw, normalizeOptions),
        }),
        // A listing reads only the domain; a Sid named by a hint may lie anywhere.
        filter((call) => reading?.kind !== 'hinted' || this.#answersFor(call)),
        trackCalls(this.#tracker, this.#now, { keepFrom: () => this.#planner.oldestPlanned() }),
        // Synchronously after the page that produced it, before a save may hold events back.
        tap((event) => this.#learnSettle(event, reading)),
        persistState({
          store,
          state: () => this.#snapshot(),
          onError: (error) => {
            this.#saves.failed++;
            this.#report(error);
          },
          onSaved: () => {
            this.#saves.ok++;
          },
          shouldSave: this.#shouldSave,
        }),
        tap({
          complete: () => {
            this.#checkQuota();
            this.#cycleEnded.next();
          },
        }),
      );
    });
  }

  #countRead(tier: string, result: { ok: boolean; records: number; requests: number }): void {
    const counts = (this.#reads[tier] ??= { ok: 0, failed: 0, requests: 0, records: 0 });
    if (result.ok) {
      counts.ok++;
      this.#lastReadAt = this.#now();
    } else {
      counts.failed++;
    }
    counts.requests += result.requests;
    counts.records += result.records;
  }

  #shouldSave = (): boolean => {
    const interval = this.#options.saveIntervalMs;
    // Infinity: only `stop()` (or a fatal end) saves.
    if (interval === Number.POSITIVE_INFINITY) return false;
    const at = this.#options.scheduler.now();
    if (at - this.#lastSave < interval) return false;
    this.#lastSave = at;
    return true;
  };

  #snapshot(): StoreState {
    const held = this.#tracker.heldState();
    for (const [sid, dateCreated] of this.#restoredHeld) held[sid] ??= dateCreated;
    return { version: 1, checkpoint: this.#planner.checkpoint(), emitted: this.#tracker.emittedState(), coverage: this.#planner.coverage(), held };
  }

  /** The API's time for planning: until its first answer, no earlier than where the start placed it. */
  #planNow(): number {
    const now = this.#now();
    return this.#begunOn === null ? now : Math.max(now, this.#begunOn + (this.#options.scheduler.now() - this.#begunAt));
  }

  /** The held records to re-read by Sid: the tracker's, and those held before a restart and not seen since. */
  #heldToRead(): HeldRef[] {
    const refs: HeldRef[] = this.#tracker.heldRefs();
    if (this.#restoredHeld.size > 0) {
      for (const [sid, dateCreated] of this.#restoredHeld) {
        // Found again (held or emitted), or the catch-up that reads their start times is done.
        if (this.#tracker.has(sid) || !this.#planner.catchingUp) this.#restoredHeld.delete(sid);
        else refs.push({ sid, dateCreated });
      }
    }
    return refs;
  }

  #checkQuota(): void {
    const needed = this.#planner.estimatedRequestsPerMinute();
    const limit = this.#options.maxRequestsPerMinute;
    const due = this.#quotaWarnings.check(this.#now(), needed, limit, this.#planner.lookbackLagOnly);
    // The first lags dropped to fit: the plan fits, but its bound is the lookback lag's.
    if (due.thinned) {
      this.#report(
        new ExotelError(
          'ERR_QUOTA_PLAN',
          `The account is too busy for the settled bands and the first lag (\`sliceLagsMs\`) within \`maxRequestsPerMinute\` (${limit}): ` +
            'only the lookback lag is read, so calls the bands miss (late settlers, corrections) go out at the lookback lag. Raise the quota or narrow `filters` for the tighter bound.',
        ),
      );
    }
    if (due.over) {
      this.#report(
        new ExotelError(
          'ERR_QUOTA_PLAN',
          `The read plan needs about ${Math.ceil(needed)} requests a minute at the current call rate, over \`maxRequestsPerMinute\` (${limit}): ` +
            'events will lag. Raise `pollIntervalMs`, narrow `filters` or shorten `lookbackMs`.',
        ),
      );
    }
  }

  /**
   * What a call first seen settled tells of the account's settle delays and ringing (the bands'
   * reach, the hints' timing): only from the reads that decide latency (fresh, bands, held and
   * hinted re-reads), which see a call within a poll or two of settling. A lag, a sweep or a
   * catch-up sees calls minutes late, as do the latency reads while they are behind; counted, they
   * would stretch the spread the bands are sized by, so that the bands cost more, stop fitting the
   * quota and leave still more calls to the lags.
   */
  #learnSettle(event: CallStreamEvent, read: PlannedRead | undefined): void {
    if (event.type === 'callUpdated' || read === undefined || !LEARNS_SETTLE.has(read.kind)) return;
    // Nor while those reads are behind (an outage, a stall): their first reads after it see calls
    // late too. The planner records a read's completion after its last page, so this is the lag
    // before the read that listed the call.
    const covered = this.#planner.latencyCoveredAt();
    if (covered === null || this.#now() - covered > Math.max(LEARN_MAX_LAG_MS, 2 * this.#options.pollIntervalMs)) return;
    const { call } = event;
    if (call.endTime !== null && call.duration !== null && call.price !== null) {
      this.#planner.observeSettled({ dateCreated: call.dateCreated.getTime(), endTime: call.endTime.getTime(), durationSec: call.duration }, this.#now(), read.kind);
    }
  }

  #dispatch(event: CallStreamEvent): void {
    this.#eventCounts[event.type]++;
    this.#events.next(event);
    try {
      if (event.type === 'callUpdated') {
        const { call, previous, changes } = event;
        this.emit('callUpdated', { call, previous, changes });
      } else {
        this.emit(event.type, event.call);
      }
    } catch (error) {
      reportListenerError(error);
    }
  }

  #report(error: ExotelError): void {
    if (this.#phase === 'stopped' || this.#phase === 'failed') return;
    this.#errorCounts[error.code] = (this.#errorCounts[error.code] ?? 0) + 1;
    this.#errors.next(error);
    try {
      this.emit('error', error);
    } catch (listenerError) {
      reportListenerError(listenerError);
    }
  }

  /** Stops everything; with `failure`, reports it and errors the observables instead of completing them. */
  #shutdown(failure?: unknown): Promise<void> {
    if (this.#stopping) return this.#stopping;
    const wasRunning = this.#phase === 'running';
    if (failure !== undefined && failure instanceof ExotelError) this.#report(failure);
    this.#phase = failure === undefined ? 'stopped' : 'failed';
    // Unsubscribing aborts the requests in flight and clears the poll timer.
    this.#run?.unsubscribe();
    this.#run = undefined;
    this.#stopping = (async () => {
      const problems: ExotelError[] = [];
      if (wasRunning && this.#loaded) {
        try {
          await saveSerially(this.#options.store, () => this.#snapshot());
          this.#saves.ok++;
        } catch (cause) {
          this.#saves.failed++;
          problems.push(storeError('Could not save the stream\'s state', cause));
        }
      }
      try {
        await this.#options.store.close?.();
      } catch (cause) {
        problems.push(storeError('Could not close the store', cause));
      }
      // Whatever happens while closing, the observables must still complete.
      await this.#client.close().catch(() => undefined);
      for (const problem of problems) {
        this.#errorCounts[problem.code] = (this.#errorCounts[problem.code] ?? 0) + 1;
        this.#errors.next(problem);
        this.#emitSafely(problem);
      }
      if (failure === undefined) {
        this.#events.complete();
      } else {
        this.#events.error(failure);
      }
      // errors$ carried the fatal error as a value: it completes rather than erroring twice.
      this.#errors.complete();
      this.#cycleEnded.complete();
      this.#unsubscribeJump();
    })();
    return this.#stopping;
  }

  #emitSafely(error: ExotelError): void {
    try {
      this.emit('error', error);
    } catch (listenerError) {
      reportListenerError(listenerError);
    }
  }
}

/** The latest API instant a saved state shows the API's clock had reached (its checkpoint, its last listing). */
function latestApiTime(state: StoreState | undefined): number {
  let latest = state?.checkpoint ?? Number.NEGATIVE_INFINITY;
  for (const span of state?.coverage ?? []) latest = Math.max(latest, span[2]);
  return latest;
}

/** A raw record's start (epoch ms), or NaN when its `DateCreated` cannot be read. */
function startOf(raw: unknown, timeZone: string): number {
  const text = typeof raw === 'object' && raw !== null ? (raw as { DateCreated?: unknown }).DateCreated : undefined;
  return (typeof text === 'string' ? parseNaiveMs(text, timeZone) : undefined) ?? Number.NaN;
}

const lagOf = (now: number, coveredAt: number | null): number | null => (coveredAt === null ? null : Math.max(0, now - coveredAt));

/** Start times the stream could not read before the API stopped listing them (older than 180 days). */
function coverageGap(gap: { from: number; to: number }): ExotelError {
  return new ExotelError(
    'ERR_COVERAGE_GAP',
    `Calls that started from ${new Date(gap.from).toISOString()} to ${new Date(gap.to + 999).toISOString()} were never read completely before the API stopped listing them: ` +
      'some of them may have been missed. Raise `maxRequestsPerMinute` if the account allows, narrow `filters` or lengthen `pollIntervalMs`.',
  );
}

function storeError(what: string, cause: unknown): ExotelError {
  if (cause instanceof ExotelError && cause.code === 'ERR_STORE') return cause;
  return new ExotelError('ERR_STORE', `${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}

function asExotelError(error: unknown): ExotelError {
  if (error instanceof ExotelError) return error;
  return new ExotelNetworkError('ERR_EXOTEL_NETWORK', `A read failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
