import { Observable, Subject } from 'rxjs';
import type Bottleneck from 'bottleneck';
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import { ExotelError, InvalidOptionError } from '../exotel/errors.js';
import { memoryStore } from '../stores/memoryStore.js';
import { resolveStreamOptions } from '../stream/resolveStreamOptions.js';
import type { CallStreamOptions } from '../stream/types.js';
import { AccountRunner } from './AccountRunner.js';
import { assignAccounts } from './assignAccounts.js';
import { assertAccountSid, assertPrefix, resolveQuotaOptions } from './createRedisQuotaLimiter.js';
import type { ResolvedQuotaOptions } from './createRedisQuotaLimiter.js';
import { FLEET_HEARTBEAT } from './fleetScripts.js';
import { LeaseKeeper } from './LeaseKeeper.js';
import { OWNER, resolveLeaseMs, resolveOwner, resolveRedisTimeoutMs } from './options.js';
import { quotaFront } from './quotaFront.js';
import { QuotaWindow } from './quotaWindow.js';
import type { RedisStats } from './RedisClient.js';
import { RedisLink, assertRedisClient } from './redisLink.js';
import type { CallFleetAccount, CallFleetAccountStatus, CallFleetError, CallFleetOptions, RedisCallStreamEvent } from './types.js';

interface Held {
  accountSid: string;
  state: 'starting' | 'running' | 'failed' | 'leaving';
  runner: AccountRunner | undefined;
  front: Bottleneck | undefined;
  retryAt: number;
}

const KNOWN = new Set([
  'redis', 'accounts', 'credentials', 'stream', 'fleet', 'prefix', 'worker', 'leaseMs', 'accountsRefreshMs', 'retryFailedMs', 'redisTimeoutMs', 'quotaHoldMs',
]);
const ENTRY_KEYS = new Set(['accountSid', 'apiKey', 'apiToken', 'subdomain', 'baseUrl', 'timeZone', 'filters', 'maxRequestsPerMinute', 'details']);

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function interval(option: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 86_400_000) {
    throw new InvalidOptionError(option, `an integer of milliseconds from ${min} to 86400000`, value);
  }
  return value;
}

/** The account list, checked: entries by Sid, in the order given. A bad entry is an `InvalidOptionError` naming it. */
function checkAccounts(list: unknown, option: string): Map<string, CallFleetAccount> {
  if (!Array.isArray(list)) throw new InvalidOptionError(option, 'an array of `{ accountSid, … }`', list);
  const out = new Map<string, CallFleetAccount>();
  list.forEach((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) throw new InvalidOptionError(`${option}[${i}]`, 'an object with `accountSid`', entry);
    const sid = assertAccountSid((entry as { accountSid?: unknown }).accountSid, `${option}[${i}].accountSid`);
    for (const key of Object.keys(entry)) {
      if (!ENTRY_KEYS.has(key)) throw new InvalidOptionError(`${option}[${i}].${key}`, `absent (an account entry takes ${[...ENTRY_KEYS].join(', ')})`, key === 'apiToken' ? '<redacted>' : (entry as Record<string, unknown>)[key]);
    }
    if (out.has(sid)) throw new InvalidOptionError(`${option}[${i}].accountSid`, 'a Sid that is not listed twice', sid);
    out.set(sid, entry as CallFleetAccount);
  });
  return out;
}

/**
 * Many accounts spread over the workers that share one Redis: each account is run by exactly one
 * worker at a time (it holds the account's lease), each worker takes its fair share, and the
 * shares move when workers join, leave or die. Created by `createCallFleet(options)`.
 *
 * Every worker has one merged `events$` of the accounts it runs, each event with its `accountSid`.
 * An account's failure (a 401 of its credentials, a rejected option) stops that account only; it
 * is tried again after `retryFailedMs`.
 */
export class CallFleet {
  /** The events of every account this worker runs, with `accountSid`, `id` and `redelivered`. */
  readonly events$: Observable<RedisCallStreamEvent>;
  /** Errors, each with its account (`null`: the worker's own, such as Redis away). Never fatal to the fleet. */
  readonly errors$: Observable<CallFleetError>;
  /** The accounts this worker holds and the live workers, each time either changes. */
  readonly holdings$: Observable<{ accounts: string[]; workers: string[] }>;
  /** This worker's name. */
  readonly worker: string;

  readonly #redisClient;
  readonly #link: RedisLink;
  readonly #keeper: LeaseKeeper;
  readonly #prefix: string;
  readonly #workersKey: string;
  readonly #leaseMs: number;
  readonly #tickMs: number;
  readonly #quota: ResolvedQuotaOptions;
  readonly #stream: Omit<CallStreamOptions, 'accountSid' | 'apiKey' | 'apiToken' | 'store' | 'saveIntervalMs' | 'limiter'>;
  readonly #source: CallFleetOptions['accounts'];
  readonly #credentials: CallFleetOptions['credentials'];
  readonly #refreshMs: number;
  readonly #retryFailedMs: number;
  readonly #ownDispatcher: Dispatcher | undefined;
  readonly #events = new Subject<RedisCallStreamEvent>();
  readonly #errors = new Subject<CallFleetError>();
  readonly #holdings = new Subject<{ accounts: string[]; workers: string[] }>();
  #accounts = new Map<string, CallFleetAccount>();
  #accountsAt = Number.NEGATIVE_INFINITY;
  readonly #held = new Map<string, Held>();
  /** Held accounts whose lease is past its time (see #checkProof). */
  readonly #unproven = new Set<string>();
  readonly #windows = new Map<string, QuotaWindow>();
  readonly #ownCalls = new Map<string, Bottleneck>();
  readonly #pending = new Set<Promise<unknown>>();
  #members: string[] = [];
  #lastHoldings = '';
  #timer: ReturnType<typeof setTimeout> | undefined;
  #serial: Promise<unknown> = Promise.resolve();
  #redisDown = false;
  #started = false;
  /** Ticks done: the first only joins, so that workers started together see each other before taking accounts. */
  #ticks = 0;
  #stopping: Promise<void> | undefined;

  constructor(options: CallFleetOptions) {
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object with `redis` and `accounts`', options);
    for (const key of Object.keys(options)) {
      if (!KNOWN.has(key)) throw new InvalidOptionError(key, 'absent (not an option of createCallFleet; stream options go in `stream`)', (options as unknown as Record<string, unknown>)[key]);
    }
    this.#redisClient = assertRedisClient(options.redis);
    this.#prefix = assertPrefix(options.prefix ?? 'exotel:');
    const fleet = options.fleet ?? 'default';
    if (typeof fleet !== 'string' || !OWNER.test(fleet)) throw new InvalidOptionError('fleet', 'a name of letters, digits, `.`, `_` or `-`', fleet);
    this.#workersKey = `${this.#prefix}fleet:${fleet}:workers`;
    this.worker = resolveOwner(options.worker, 'worker');
    this.#leaseMs = resolveLeaseMs(options.leaseMs);
    this.#tickMs = Math.max(50, Math.floor(this.#leaseMs / 4));
    const timeoutMs = resolveRedisTimeoutMs(options.redisTimeoutMs, this.#leaseMs);
    this.#refreshMs = interval('accountsRefreshMs', options.accountsRefreshMs, 60_000, 1_000);
    this.#retryFailedMs = interval('retryFailedMs', options.retryFailedMs, 300_000, 1_000);
    if (options.credentials !== undefined && typeof options.credentials !== 'function') throw new InvalidOptionError('credentials', 'a function', options.credentials);
    this.#credentials = options.credentials;
    const stream = options.stream ?? {};
    if (typeof stream !== 'object' || stream === null) throw new InvalidOptionError('stream', 'an object of stream options', stream);
    for (const key of ['accountSid', 'apiKey', 'apiToken', 'store', 'saveIntervalMs', 'limiter']) {
      if (key in stream) throw new InvalidOptionError(`stream.${key}`, 'absent: it is per account (or the fleet\'s own)', key === 'apiToken' ? '<redacted>' : (stream as Record<string, unknown>)[key]);
    }
    // Checked now, with a stand-in account: a bad option fails the fleet at once, not each account later.
    const checked = resolveStreamOptions({ ...stream, accountSid: 'check', apiKey: 'check', apiToken: 'check', store: memoryStore() } as CallStreamOptions);
    this.#quota = resolveQuotaOptions({ maxRequestsPerMinute: checked.maxRequestsPerMinute, holdMs: options.quotaHoldMs, timeoutMs });
    this.#source = options.accounts;
    if (typeof options.accounts === 'function') {
      // Asked at start.
    } else {
      this.#accounts = checkAccounts(options.accounts, 'accounts');
      this.#accountsAt = Number.POSITIVE_INFINITY;
    }
    this.#link = new RedisLink(this.#redisClient, timeoutMs);
    this.#keeper = new LeaseKeeper({ link: this.#link, prefix: this.#prefix, owner: this.worker, leaseMs: this.#leaseMs });
    // Everything is checked: only now what must be closed. One keep-alive pool for every account
    // (they talk to one or two hosts), unless one is given: a pool per account costs a few MB each.
    this.#ownDispatcher = stream.dispatcher === undefined ? new Agent({ connect: { timeout: 10_000 }, keepAliveTimeout: 30_000, connections: 128 }) : undefined;
    this.#stream = this.#ownDispatcher === undefined ? stream : { ...stream, dispatcher: this.#ownDispatcher };

    this.events$ = this.#lazy(this.#events.asObservable());
    this.errors$ = this.#lazy(this.#errors.asObservable());
    this.holdings$ = this.#lazy(this.#holdings.asObservable());
  }

  #lazy<T>(source: Observable<T>): Observable<T> {
    return new Observable<T>((subscriber) => {
      const subscription = source.subscribe(subscriber);
      this.start();
      return subscription;
    });
  }

  /** Joins the fleet. Does nothing once started or stopped. */
  start(): void {
    if (this.#started || this.#stopping) return;
    this.#started = true;
    void this.#tick();
  }

  /** The accounts this worker holds, and what it does with each. */
  status(): CallFleetAccountStatus[] {
    return [...this.#held.values()]
      .filter((h) => h.state !== 'leaving')
      .map((h) => ({ accountSid: h.accountSid, state: h.state as CallFleetAccountStatus['state'], token: this.#keeper.held(h.accountSid)?.token ?? 0 }));
  }

  /** The live workers, as last seen. */
  workers(): string[] {
    return [...this.#members];
  }

  /**
   * A Bottleneck for your own Exotel calls of `accountSid` (any account of the fleet, whichever
   * worker runs it): its jobs take their slots from the account's shared window. Stopped by `stop()`.
   */
  limiter(accountSid: string): Bottleneck {
    assertAccountSid(accountSid);
    let limiter = this.#ownCalls.get(accountSid);
    if (limiter === undefined) this.#ownCalls.set(accountSid, (limiter = quotaFront(this.#window(accountSid), `exotel-redis-quota-${accountSid}-own`)));
    return limiter;
  }

  /** Redis commands sent by this worker, a copy. */
  redisStats(): RedisStats {
    return { ...this.#link.stats };
  }

  /**
   * Leaves the fleet: every account's stream stops (saving and emitting what it found), the
   * leases are given up so the other workers take them at once, and the observables complete.
   */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#stopping = (async () => {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      await this.#exclusive(async () => undefined);
      const all = [...this.#held.values()];
      await Promise.all(all.map((h) => this.#stopRunner(h)));
      await Promise.allSettled([...this.#pending]);
      await this.#exclusive(() => this.#keeper.release(all.map((h) => h.accountSid))).catch(() => undefined);
      this.#held.clear();
      await this.#link.run(FLEET_HEARTBEAT, [this.#workersKey], [this.worker, this.#leaseMs, 1]).catch(() => undefined);
      await Promise.all([...this.#ownCalls.values()].map((l) => l.stop({ dropWaitingJobs: true }).catch(() => undefined)));
      await Promise.all([...this.#windows.values()].map((w) => w.close()));
      await this.#ownDispatcher?.close().catch(() => undefined);
      this.#events.complete();
      this.#errors.complete();
      this.#holdings.complete();
    })();
    return this.#stopping;
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(task, task);
    this.#serial = run.catch(() => undefined);
    return run;
  }

  #track(promise: Promise<unknown>): void {
    const p = promise.catch(() => undefined).finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  #window(accountSid: string): QuotaWindow {
    let window = this.#windows.get(accountSid);
    if (window === undefined) {
      window = new QuotaWindow({ link: this.#link, keys: this.#keeper.keys(accountSid), ...this.#quota, onError: (error) => this.#outage(error) });
      this.#windows.set(accountSid, window);
    }
    return window;
  }

  #report(accountSid: string | null, error: ExotelError): void {
    if (this.#stopping) return;
    this.#errors.next({ accountSid, error });
  }

  #outage(error: unknown): void {
    if (this.#redisDown) return;
    this.#redisDown = true;
    this.#report(null, error instanceof ExotelError && error.code === 'ERR_REDIS' ? error : new ExotelError('ERR_REDIS', `Redis cannot be reached: ${messageOf(error)}`, { cause: error }));
  }

  async #tick(): Promise<void> {
    const stops: Held[] = [];
    const starts: string[] = [];
    try {
      await this.#exclusive(async () => {
        if (this.#stopping) return;
        // Renewals first: they keep the accounts this worker runs; the rest can wait a tick.
        await this.#renew();
        const members = (await this.#link.run(FLEET_HEARTBEAT, [this.#workersKey], [this.worker, this.#leaseMs, 0])) as string[];
        this.#redisDown = false;
        this.#members = members.map(String).sort();
        if (this.#ticks++ === 0) return;
        await this.#refreshAccounts();
        const assignment = assignAccounts([...this.#accounts.keys()], this.#members);
        for (const held of this.#held.values()) {
          if (held.state !== 'leaving' && assignment.get(held.accountSid) !== this.worker) {
            held.state = 'leaving';
            stops.push(held);
          }
        }
        const wanted = [...this.#accounts.keys()].filter((sid) => assignment.get(sid) === this.worker && !this.#held.has(sid));
        for (const lease of await this.#keeper.acquire(wanted)) starts.push(lease.accountSid);
        const now = performance.now();
        for (const held of this.#held.values()) if (held.state === 'failed' && now >= held.retryAt) starts.push(held.accountSid);
      });
    } catch (error) {
      this.#outage(error);
      this.#checkProof();
    }
    for (const held of stops) this.#track(this.#handOver(held));
    for (const sid of starts) this.#startAccount(sid);
    this.#announce();
    if (!this.#stopping) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.#tick();
      }, this.#tickMs);
    }
  }

  async #refreshAccounts(): Promise<void> {
    if (typeof this.#source !== 'function' || performance.now() - this.#accountsAt < this.#refreshMs) return;
    this.#accountsAt = performance.now();
    try {
      this.#accounts = checkAccounts(await this.#source(), 'accounts()');
    } catch (error) {
      this.#report(null, error instanceof ExotelError ? error : new ExotelError('ERR_INVALID_OPTION', `The fleet's account list could not be read; the last one is kept: ${messageOf(error)}`, { cause: error }));
    }
  }

  /**
   * Leases past their time (Redis did not answer the renewals, or this worker was paused) are not
   * trusted: those accounts emit nothing and send no request until a renewal proves their lease
   * again, or tells it is lost. Said once per lapse, for all of them together.
   */
  #checkProof(): void {
    const lapsed = this.#keeper.heldAccounts().filter((sid) => !this.#keeper.valid(sid) && !this.#unproven.has(sid));
    if (lapsed.length === 0) return;
    for (const sid of lapsed) this.#unproven.add(sid);
    this.#report(
      null,
      new ExotelError(
        'ERR_LEASE_LOST',
        `This worker stopped running ${lapsed.length} account${lapsed.length === 1 ? '' : 's'} (${lapsed.slice(0, 5).join(', ')}${lapsed.length > 5 ? ', …' : ''}): ` +
          'it cannot prove their leases (Redis did not answer in time, or this worker was paused). They emit nothing and send no request until Redis confirms the leases again, or other workers take them.',
      ),
    );
  }

  async #renew(): Promise<void> {
    this.#checkProof();
    for (const outcome of await this.#keeper.renew()) {
      const wasUnproven = this.#unproven.delete(outcome.accountSid);
      if (outcome.kind === 'lost') {
        this.#lose(outcome.accountSid, outcome.holder === null ? 'its lease ran out and another worker saved the state since' : `another worker holds the lease (${outcome.holder})`, !wasUnproven);
      } else {
        this.#held.get(outcome.accountSid)?.runner?.releaseCommitted();
      }
    }
  }

  /** Starts (or starts again, after a failure) the stream of an account whose lease this worker holds. */
  #startAccount(accountSid: string): void {
    const held: Held = this.#held.get(accountSid) ?? { accountSid, state: 'starting', runner: undefined, front: undefined, retryAt: 0 };
    held.state = 'starting';
    this.#held.set(accountSid, held);
    this.#track(
      (async () => {
        const entry = this.#accounts.get(accountSid);
        if (entry === undefined) return;
        let options: CallStreamOptions;
        try {
          const { accountSid: _sid, ...own } = entry;
          const credentials = own.apiKey !== undefined && own.apiToken !== undefined ? {} : this.#credentials ? await this.#credentials(Object.freeze({ accountSid })) : {};
          options = { ...this.#stream, ...own, ...credentials, accountSid } as CallStreamOptions;
          resolveStreamOptions({ ...options, store: memoryStore() });
        } catch (error) {
          this.#failed(held, error instanceof ExotelError ? error : new ExotelError('ERR_INVALID_OPTION', `The credentials of account ${accountSid} could not be had: ${messageOf(error)}`, { fatal: true, cause: error }));
          return;
        }
        if (held.state !== 'starting' || this.#stopping || !this.#keeper.held(accountSid)) return;
        // The account's requests wait while its lease cannot be trusted.
        const front = quotaFront(this.#window(accountSid), `exotel-redis-quota-${accountSid}`, undefined, () => this.#keeper.valid(accountSid));
        const runner = new AccountRunner({
          accountSid,
          link: this.#link,
          keeper: this.#keeper,
          stream: options,
          limiter: front,
          emit: (event) => this.#events.next(event),
          report: (error) => this.#report(accountSid, error),
          leaseLost: (why) => this.#lose(accountSid, why),
          retake: () => this.#exclusive(async () => this.#retake(accountSid)),
          failed: (error) => this.#failed(held, error),
        });
        held.runner = runner;
        held.front = front;
        try {
          await runner.start();
          if (held.state === 'starting') held.state = 'running';
        } catch (error) {
          if (held.runner === runner) this.#lose(accountSid, `its stream could not start: ${messageOf(error)}`);
        }
      })(),
    );
  }

  async #retake(accountSid: string): Promise<boolean> {
    await this.#renew();
    return this.#keeper.valid(accountSid);
  }

  /** An account failed for good: its stream has stopped; the lease is kept, and it is tried again later. */
  #failed(held: Held, error: ExotelError): void {
    this.#report(held.accountSid, error);
    held.state = 'failed';
    held.retryAt = performance.now() + this.#retryFailedMs;
    const front = held.front;
    held.runner = undefined;
    held.front = undefined;
    void front?.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }

  /** The lease is lost: nothing more is saved or emitted for the account here. */
  #lose(accountSid: string, why: string, report = true): void {
    const held = this.#held.get(accountSid);
    this.#keeper.forget(accountSid);
    this.#unproven.delete(accountSid);
    if (held === undefined) return;
    this.#held.delete(accountSid);
    if (report) this.#report(accountSid, new ExotelError('ERR_LEASE_LOST', `This worker stopped running account ${accountSid}: ${why}.`));
    const { runner, front } = held;
    held.runner = undefined;
    held.front = undefined;
    this.#track((async () => {
      await runner?.abandon();
      await front?.stop({ dropWaitingJobs: true }).catch(() => undefined);
    })());
  }

  async #stopRunner(held: Held): Promise<void> {
    const { runner, front } = held;
    held.runner = undefined;
    held.front = undefined;
    await runner?.stop();
    await front?.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }

  /** Another worker is to run the account: stop its stream cleanly, then give up the lease. */
  async #handOver(held: Held): Promise<void> {
    await this.#stopRunner(held);
    if (this.#held.get(held.accountSid) !== held) return;
    this.#held.delete(held.accountSid);
    await this.#exclusive(() => this.#keeper.release([held.accountSid])).catch(() => undefined);
    this.#announce();
  }

  #announce(): void {
    if (this.#stopping) return;
    const accounts = [...this.#held.values()].filter((h) => h.state !== 'leaving').map((h) => h.accountSid).sort();
    const key = `${accounts.join(',')}|${this.#members.join(',')}`;
    if (key === this.#lastHoldings) return;
    this.#lastHoldings = key;
    this.#holdings.next({ accounts, workers: [...this.#members] });
  }
}
