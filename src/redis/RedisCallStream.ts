import { BehaviorSubject, Observable, Subject, distinctUntilChanged, filter, map } from 'rxjs';
import type Bottleneck from 'bottleneck';
import { ExotelError, InvalidOptionError } from '../exotel/errors.js';
import type { Call } from '../exotel/types.js';
import { memoryStore } from '../stores/memoryStore.js';
import { LazyStartEmitter } from '../stream/LazyStartEmitter.js';
import { resolveStreamOptions } from '../stream/resolveStreamOptions.js';
import type { CallHint, CallStreamEvents, CallStreamLike, CallStreamOptions, CallStreamStats, CallStreamStatus, CallUpdate, Store } from '../stream/types.js';
import { AccountRunner } from './AccountRunner.js';
import { assertPrefix, resolveQuotaOptions } from './createRedisQuotaLimiter.js';
import { accountKeys } from './keys.js';
import { LeaseKeeper } from './LeaseKeeper.js';
import { resolveLeaseMs, resolveOwner, resolveRedisTimeoutMs } from './options.js';
import { quotaFront } from './quotaFront.js';
import { QuotaWindow } from './quotaWindow.js';
import type { RedisStats } from './RedisClient.js';
import { RedisLink, assertRedisClient } from './redisLink.js';
import { addTermStats, emptyTermStats, type TermStats } from './termStats.js';
import type { LeaderRole, RedisCallStreamEvent, RedisCallStreamOptions } from './types.js';

/** Events of the EventEmitter3 face: the stream's, and `role` when this process starts or stops leading. */
export interface RedisCallStreamEvents extends CallStreamEvents {
  role: [role: LeaderRole];
}

/** @internal Hooks of the command line, not part of the public API. */
export interface RedisCallStreamHooks {
  /** Wraps the store each leadership term's stream loads and saves through (`tail --since`). */
  wrapStore?: (store: Store) => Store;
}

const OWN_OPTIONS = new Set(['redis', 'prefix', 'leaseMs', 'owner', 'redisTimeoutMs', 'quotaHoldMs']);

function reportListenerError(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * One account's call stream, run by whichever of several processes holds the account's lease in
 * Redis; the others stand by and take over when it stops, dies or is cut off. Created by
 * `createRedisCallStream(options)`. The observables and the EventEmitter face are those of
 * `CallStream`; events also carry `accountSid`, `id` and `redelivered` (see README, "Several
 * processes").
 */
export class RedisCallStream extends LazyStartEmitter<RedisCallStreamEvents> implements CallStreamLike {
  readonly callCompleted$: Observable<Call>;
  readonly callFailed$: Observable<Call>;
  readonly callUpdated$: Observable<CallUpdate>;
  readonly events$: Observable<RedisCallStreamEvent>;
  /** Errors of the stream while this process leads, and `ERR_LEASE_LOST` / `ERR_REDIS` whenever. */
  readonly errors$: Observable<ExotelError>;
  /** `idle` until the first attempt at the lease, then `standby` or `leader` as it changes (the current one first), `stopped` at the end. */
  readonly role$: Observable<LeaderRole>;

  readonly accountSid: string;
  readonly #stream: Omit<CallStreamOptions, 'store' | 'limiter' | 'saveIntervalMs'>;
  readonly #userLimiter: Bottleneck | undefined;
  readonly #link: RedisLink;
  readonly #keeper: LeaseKeeper;
  readonly #window: QuotaWindow | undefined;
  readonly #tickMs: number;
  readonly #events = new Subject<RedisCallStreamEvent>();
  readonly #errors = new Subject<ExotelError>();
  readonly #role = new BehaviorSubject<LeaderRole>('idle');
  #runner: AccountRunner | undefined;
  #front: Bottleneck | undefined;
  #ownCalls: Bottleneck | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #serial: Promise<unknown> = Promise.resolve();
  /** The last term that was lost, while its stream stops. */
  #abandoning: Promise<void> = Promise.resolve();
  #redisDown = false;
  #started = false;
  /** The term's lease is past its time: not trusted until a renewal proves it (see #checkProof). */
  #unproven = false;
  #stopping: Promise<void> | undefined;
  #failed = false;
  readonly #hooks: RedisCallStreamHooks;
  readonly #now: () => number;
  readonly #maxRequestsPerMinute: number;
  /** Counters of the terms whose stream has stopped, added up. */
  #pastTerms: TermStats = emptyTermStats();
  /** Terms that ended and whose stream is still stopping: counted live until it has. */
  readonly #endingTerms = new Set<AccountRunner>();
  /** What the last term knew of the API's clock, for `status()` while standing by. */
  #lastTerm: Pick<CallStreamStatus, 'clockOffsetMs' | 'lastReadAt'> = { clockOffsetMs: 0, lastReadAt: null };
  readonly #eventCounts = { callCompleted: 0, callFailed: 0, callUpdated: 0 };
  readonly #errorCounts: Record<string, number> = {};

  constructor(options: RedisCallStreamOptions, hooks: RedisCallStreamHooks = {}) {
    super();
    this.#hooks = hooks;
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object', options);
    for (const key of ['store', 'saveIntervalMs'] as const) {
      if (key in options) {
        throw new InvalidOptionError(key, `absent: the state lives in Redis and is saved every cycle (events are emitted once their save landed)`, (options as unknown as Record<string, unknown>)[key]);
      }
    }
    const client = assertRedisClient(options.redis);
    const prefix = assertPrefix(options.prefix ?? 'exotel:');
    const leaseMs = resolveLeaseMs(options.leaseMs);
    const owner = resolveOwner(options.owner);
    const timeoutMs = resolveRedisTimeoutMs(options.redisTimeoutMs, leaseMs);
    const stream: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(options)) if (!OWN_OPTIONS.has(key)) stream[key] = value;
    // Checked now, so that a standby with a bad option fails at once, not when it takes over.
    const resolved = resolveStreamOptions({ ...(stream as unknown as CallStreamOptions), store: memoryStore() });
    const quota = resolveQuotaOptions({ maxRequestsPerMinute: resolved.maxRequestsPerMinute, holdMs: options.quotaHoldMs, timeoutMs });

    this.accountSid = resolved.accountSid;
    this.#maxRequestsPerMinute = resolved.maxRequestsPerMinute;
    const scheduler = options.scheduler;
    this.#now = scheduler === undefined ? () => Date.now() : () => scheduler.now();
    this.#stream = stream as unknown as Omit<CallStreamOptions, 'store' | 'limiter' | 'saveIntervalMs'>;
    delete (this.#stream as { limiter?: unknown }).limiter;
    this.#userLimiter = options.limiter;
    this.#link = new RedisLink(client, timeoutMs);
    this.#keeper = new LeaseKeeper({ link: this.#link, prefix, owner, leaseMs });
    this.#tickMs = Math.max(50, Math.floor(leaseMs / 4));
    this.#window =
      this.#userLimiter === undefined
        ? new QuotaWindow({ link: this.#link, keys: accountKeys(prefix, this.accountSid), ...quota, onError: (error) => this.#outage(error) })
        : undefined;

    const events = this.#events.asObservable();
    this.events$ = this.lazy(events);
    this.callCompleted$ = this.lazy(events.pipe(filter((e) => e.type === 'callCompleted'), map((e) => e.call)));
    this.callFailed$ = this.lazy(events.pipe(filter((e) => e.type === 'callFailed'), map((e) => e.call)));
    this.callUpdated$ = this.lazy(
      events.pipe(
        filter((e) => e.type === 'callUpdated'),
        map((e) => ({ call: e.call, previous: (e as { previous: Call }).previous, changes: (e as { changes: CallUpdate['changes'] }).changes })),
      ),
    );
    this.errors$ = this.lazy(this.#errors.asObservable());
    this.role$ = this.#role.pipe(distinctUntilChanged());
  }

  /** `idle` before start, then `standby` or `leader`, `stopped` at the end. */
  get role(): LeaderRole {
    return this.#role.value;
  }

  /** This process's name in the lease. */
  get owner(): string {
    return this.#keeper.owner;
  }

  /** The fencing token of the lease while this process leads. */
  get token(): number | undefined {
    return this.#runner === undefined ? undefined : this.#keeper.held(this.accountSid)?.token;
  }

  /**
   * A Bottleneck for your own Exotel calls of this account (click-to-call, a backfill): its jobs
   * take their slots from the account's shared window, standby or leader alike, in priority order
   * (0 first). It is the `limiter` you passed, if you did. Stopped by `stop()`.
   * @example
   * await stream.limiter.schedule({ priority: 3 }, () => client.getCall(sid));
   */
  get limiter(): Bottleneck {
    this.#ownCalls ??= this.#userLimiter ?? quotaFront(this.#window!, `exotel-redis-quota-${this.accountSid}-own`);
    return this.#ownCalls;
  }

  /** Redis commands sent by this stream (leases, state, outbox, quota), a copy. */
  redisStats(): RedisStats {
    return { ...this.#link.stats };
  }

  /**
   * Counters since the stream was created, of every leadership term this process ran added up
   * (reads by tier, HTTP, saves), and of what it emitted (`events`, redeliveries included) and
   * reported (`errors`, by code, `ERR_LEASE_LOST` and `ERR_REDIS` included). A standby that never
   * led counts no reads. A fresh object each call.
   */
  stats(): CallStreamStats {
    let terms = this.#pastTerms;
    for (const runner of [...this.#endingTerms, ...(this.#runner === undefined ? [] : [this.#runner])]) {
      const term = runner.stats();
      if (term !== undefined) terms = addTermStats(terms, term);
    }
    return { ...addTermStats(terms, emptyTermStats()), events: { ...this.#eventCounts }, errors: { ...this.#errorCounts } };
  }

  /**
   * What this process's stream is doing now (a frozen snapshot). `phase` is `running` from
   * `start()` on, standby or leader alike (see `role` for which), `stopped` after `stop()`,
   * `failed` after a fatal error. While it leads, the rest is its term's stream's; while it stands
   * by, it reads nothing: no held or tracked calls, `lagMs` null, the clock offset and
   * `lastReadAt` of the last term it led (0 and null if none).
   */
  status(): CallStreamStatus {
    const phase: CallStreamStatus['phase'] = this.#stopping ? (this.#failed ? 'failed' : 'stopped') : this.#started ? 'running' : 'idle';
    const term = this.#runner?.status();
    if (term !== undefined) return Object.freeze({ ...term, phase });
    const { clockOffsetMs, lastReadAt } = this.#lastTerm;
    return Object.freeze({
      phase,
      apiTime: this.#now() + clockOffsetMs,
      clockOffsetMs,
      heldCalls: 0,
      trackedCalls: 0,
      catchingUp: false,
      lastReadAt,
      lagMs: null,
      estimatedRequestsPerMinute: 0,
      maxRequestsPerMinute: this.#maxRequestsPerMinute,
    });
  }

  /**
   * A hint that a call ended (Exotel's `StatusCallback`), as `CallStream.hint()` takes it: handed
   * to the stream while this process leads. A standby, where no stream runs, returns false and
   * keeps nothing (the hint is not passed to the leader: send the callbacks to every process, or
   * rely on the leader's pull tiers, which read every call anyway).
   */
  hint(hint: CallHint): boolean {
    return this.#runner?.hint(hint) ?? false;
  }

  /** Joins: leads when the lease is free, else stands by. Does nothing once started or stopped. */
  start(): void {
    if (this.#started || this.#stopping) return;
    this.#started = true;
    void this.#tick();
  }

  /**
   * Stops: a leader stops its stream (saving and emitting what it found), gives up the lease so a
   * standby takes over at once, and every observable completes. The Redis client stays open.
   */
  stop(): Promise<void> {
    return this.#shutdown();
  }





  /** Lease operations one at a time (a tick's renewal and a save's retake must not cross). */
  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(task, task);
    this.#serial = run.catch(() => undefined);
    return run;
  }

  #schedule(): void {
    if (this.#stopping) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#tick();
    }, this.#tickMs);
  }

  async #tick(): Promise<void> {
    try {
      await this.#exclusive(async () => {
        if (this.#stopping) return;
        this.#checkProof();
        if (this.#runner !== undefined) await this.#renew();
        else {
          const [lease] = await this.#keeper.acquire([this.accountSid]);
          this.#recovered();
          if (lease !== undefined) await this.#lead();
          else this.#setRole('standby');
        }
      });
    } catch (error) {
      this.#outage(error);
      if (this.#runner === undefined && !this.#stopping) this.#setRole('standby');
      this.#checkProof();
    } finally {
      this.#schedule();
    }
  }

  /**
   * A lease past its time (Redis did not answer the renewals, or this process was paused) is not
   * trusted: nothing is emitted and no request sent (the term's limiter waits) until a renewal
   * proves it again, or tells it is lost. Said once per lapse, with the role going to standby.
   */
  #checkProof(): void {
    if (this.#runner === undefined || this.#unproven || this.#keeper.valid(this.accountSid)) return;
    this.#unproven = true;
    this.#setRole('standby');
    this.#report(
      new ExotelError(
        'ERR_LEASE_LOST',
        `This process stopped leading account ${this.accountSid}: it cannot prove its lease (Redis did not answer in time, or this process was paused). ` +
          'It emits nothing and sends no request until Redis confirms the lease again, or another process takes it.',
      ),
    );
  }

  /** Renews the lease of the term (Redis decides: still ours, taken again after it vanished, or lost). */
  async #renew(): Promise<boolean> {
    if (this.#runner === undefined) return false;
    const [outcome] = await this.#keeper.renew();
    this.#recovered();
    if (outcome === undefined || outcome.kind === 'lost') {
      const holder = outcome?.kind === 'lost' ? outcome.holder : null;
      this.#lose(holder === null ? 'its lease ran out and another process saved the state since' : `another process holds the lease (${holder})`, !this.#unproven);
      return false;
    }
    if (this.#unproven) {
      this.#unproven = false;
      this.#setRole('leader');
    }
    this.#runner?.releaseCommitted();
    return true;
  }

  async #lead(): Promise<void> {
    // The previous term's stream has stopped before this one's starts.
    await this.#abandoning;
    // The term's requests wait while its lease cannot be trusted.
    this.#front = this.#userLimiter ?? quotaFront(this.#window!, `exotel-redis-quota-${this.accountSid}`, undefined, () => this.#keeper.valid(this.accountSid));
    this.#unproven = false;
    const runner = new AccountRunner({
      accountSid: this.accountSid,
      link: this.#link,
      keeper: this.#keeper,
      stream: this.#stream,
      limiter: this.#front,
      ...(this.#hooks.wrapStore ? { wrapStore: this.#hooks.wrapStore } : {}),
      emit: (event) => this.#dispatch(event),
      report: (error) => this.#report(error),
      leaseLost: (why) => this.#lose(why),
      retake: () => this.#exclusive(() => this.#renew()),
      failed: (error) => void this.#shutdown(error),
    });
    this.#runner = runner;
    this.#setRole('leader');
    try {
      await runner.start();
    } catch (error) {
      if (this.#runner === runner) this.#lose(`its stream could not start: ${messageOf(error)}`);
    }
  }

  /**
   * Ends the term: nothing more is saved or emitted by it, its stream stops (not awaited here: a
   * save of that stream may be what is waiting); the lease runs out, or is already another's.
   */
  #lose(why: string, report = true): void {
    const runner = this.#runner;
    if (runner === undefined) return;
    this.#runner = undefined;
    this.#unproven = false;
    this.#keeper.forget(this.accountSid);
    if (report) this.#report(new ExotelError('ERR_LEASE_LOST', `This process stopped leading account ${this.accountSid}: ${why}. It stands by, and leads again when it can take the lease.`));
    if (!this.#stopping) this.#setRole('standby');
    const front = this.#takeFront();
    this.#endingTerms.add(runner);
    this.#abandoning = this.#abandoning
      .then(() => runner.abandon())
      .then(() => this.#retire(runner))
      .then(() => this.#stopFront(front));
  }

  /** A term's stream has stopped: its counters join those of the past terms. */
  #retire(runner: AccountRunner): void {
    if (!this.#endingTerms.delete(runner)) return;
    const stats = runner.stats();
    if (stats !== undefined) this.#pastTerms = addTermStats(this.#pastTerms, stats);
    const status = runner.status();
    if (status !== undefined) this.#lastTerm = { clockOffsetMs: status.clockOffsetMs, lastReadAt: status.lastReadAt };
  }

  #takeFront(): Bottleneck | undefined {
    const front = this.#front;
    this.#front = undefined;
    return front;
  }

  async #stopFront(front: Bottleneck | undefined): Promise<void> {
    if (front !== undefined && front !== this.#userLimiter) await front.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }

  #setRole(role: LeaderRole): void {
    if (this.#role.value === role) return;
    this.#role.next(role);
    try {
      this.emit('role', role);
    } catch (error) {
      reportListenerError(error);
    }
  }

  #dispatch(event: RedisCallStreamEvent): void {
    this.#eventCounts[event.type]++;
    this.#events.next(event);
    try {
      if (event.type === 'callUpdated') this.emit('callUpdated', { call: event.call, previous: event.previous, changes: event.changes });
      else this.emit(event.type, event.call);
    } catch (error) {
      reportListenerError(error);
    }
  }

  #report(error: ExotelError): void {
    if (this.#role.value === 'stopped') return;
    this.#errorCounts[error.code] = (this.#errorCounts[error.code] ?? 0) + 1;
    this.#errors.next(error);
    try {
      this.emit('error', error);
    } catch (listenerError) {
      reportListenerError(listenerError);
    }
  }

  #outage(error: unknown): void {
    if (this.#redisDown) return;
    this.#redisDown = true;
    const message = messageOf(error);
    this.#report(error instanceof ExotelError && error.code === 'ERR_REDIS' && message.startsWith('The shared quota') ? error : new ExotelError('ERR_REDIS', `Redis cannot be reached: ${message}`, { cause: error }));
  }

  #recovered(): void {
    this.#redisDown = false;
  }

  #shutdown(failure?: ExotelError): Promise<void> {
    if (this.#stopping) return this.#stopping;
    if (failure !== undefined) this.#report(failure);
    this.#failed = failure !== undefined;
    this.#stopping = (async () => {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      await this.#exclusive(async () => {
        const runner = this.#runner;
        this.#runner = undefined;
        if (runner !== undefined) {
          this.#endingTerms.add(runner);
          await runner.stop();
          this.#retire(runner);
          await this.#keeper.release([this.accountSid]).catch(() => undefined);
        }
      });
      await this.#abandoning;
      await this.#stopFront(this.#takeFront());
      await this.#stopFront(this.#ownCalls);
      await this.#window?.close();
      this.#setRole('stopped');
      if (failure === undefined) this.#events.complete();
      else this.#events.error(failure);
      this.#errors.complete();
      this.#role.complete();
    })();
    return this.#stopping;
  }
}
