/**
 * The client of Exotel's Bulk Call Details API: pages of call records, rate-limited per account,
 * retried on transient faults, over a keep-alive undici pool.
 *
 * Every attempt is scheduled through the limiter, and p-retry wraps the limiter (not the other way
 * round): a retry queues again like any request, so retries count against the quota and never hold
 * a slot while they wait.
 */
import type Bottleneck from 'bottleneck';
import pRetry from 'p-retry';
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import { basicAuthorization, resolveBase, validateAccountSid } from './credentials.js';
import type { BaseLocation } from './credentials.js';
import { ExotelError, ExotelResponseError, InvalidOptionError } from './errors.js';
import { abortedError, getJson, pathOf, retryAfterOf } from './http.js';
import type { HttpResult } from './http.js';
import { createQuotaLimiter } from './limiter.js';
import { readCallPage, resolvePageUri } from './paging.js';
import type { CallPage } from './paging.js';
import { buildCallQuery } from './query.js';
import type { CallQuery } from './query.js';
import { backoffDelay, isTransientError, parseRetryAfter } from './retry.js';
import { assertTimeZone } from './time.js';
import type { RawCall } from './types.js';

/** What `onRetry` is told before each retry (frozen). */
export interface RetryContext {
  /** The failure that will be retried. */
  error: ExotelError;
  /** The attempt that failed, from 1. */
  attemptNumber: number;
  /** Retries left after this one is spent. */
  retriesLeft: number;
  /** How long the client waits before queueing the retry. */
  delayMs: number;
}

/** Options of `new ExotelClient()`. */
export interface ExotelClientOptions {
  /** The account Sid (from the API settings page of the Exotel dashboard). */
  accountSid: string;
  /** API key. @default process.env.EXOTEL_API_KEY */
  apiKey?: string;
  /** API token; it goes only into the `Authorization` header. @default process.env.EXOTEL_API_TOKEN */
  apiToken?: string;
  /**
   * The API host: `api.exotel.com` (Singapore) or `api.in.exotel.com` (Mumbai).
   * @default process.env.EXOTEL_SUBDOMAIN ?? 'api.exotel.com'
   */
  subdomain?: string;
  /**
   * Instead of `subdomain`, a full base URL. `https:`, or `http:` for loopback hosts only
   * (127.0.0.0/8, ::1, localhost: a simulator); no credentials in it.
   * @example 'http://127.0.0.1:4010'
   */
  baseUrl?: string;
  /** Zone of the account's naive timestamps (an IANA name). @default 'Asia/Kolkata' */
  timeZone?: string;
  /** Requests allowed in any 60-second window; ignored when `limiter` is given. @default 200 */
  maxRequestsPerMinute?: number;
  /** Schedule every request through this Bottleneck instead of the built-in limiter. The caller owns (and stops) it. */
  limiter?: Bottleneck;
  /** Retries of a transient fault (429, 408, 5xx, network, timeouts, truncated or malformed body). @default 5 */
  retries?: number;
  /** First backoff delay; doubles per retry, with jitter (×1 to ×2). @default 1_000 */
  retryMinTimeoutMs?: number;
  /** Longest backoff delay. @default 30_000 */
  retryMaxTimeoutMs?: number;
  /** Longest `Retry-After` honoured; longer ones are cut to this. @default 120_000 */
  maxRetryAfterMs?: number;
  /** TCP/TLS connect timeout of the built-in pool (not applied to a caller's `dispatcher`). @default 10_000 */
  connectTimeoutMs?: number;
  /** Longest wait for the response headers. @default 30_000 */
  headersTimeoutMs?: number;
  /** Longest silence while the body arrives. @default 30_000 */
  bodyTimeoutMs?: number;
  /** An undici dispatcher to send through. The caller owns (and closes) it. @default a keep-alive `Agent` of the client's own */
  dispatcher?: Dispatcher;
  /** Told before each retry; an exception thrown in it is ignored. */
  onRetry?: (context: Readonly<RetryContext>) => void;
}

/** Per-request options. */
export interface RequestOptions {
  /** Bottleneck priority: 0 goes first, 9 last. @default 5 */
  priority?: number;
  /** Aborts the request, in the queue, in flight or between retries (`ERR_ABORTED`, not retried). */
  signal?: AbortSignal;
}

/** Counters since the client was created. */
export interface ClientStats {
  /** Attempts sent (first attempts and retries). */
  requests: number;
  /** Attempts that were retries. */
  retries: number;
  /** Responses received, by status class. */
  responses: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** 429 responses. */
  rateLimited: number;
  /** Attempts that got no response, or a body cut by a timeout or an abort (network faults, timeouts, aborts). */
  failures: number;
}

const DEFAULTS = {
  timeZone: 'Asia/Kolkata',
  maxRequestsPerMinute: 200,
  retries: 5,
  retryMinTimeoutMs: 1_000,
  retryMaxTimeoutMs: 30_000,
  maxRetryAfterMs: 120_000,
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
} as const;

const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'accountSid', 'apiKey', 'apiToken', 'subdomain', 'baseUrl', 'timeZone', 'maxRequestsPerMinute', 'limiter', 'retries',
  'retryMinTimeoutMs', 'retryMaxTimeoutMs', 'maxRetryAfterMs', 'connectTimeoutMs', 'headersTimeoutMs', 'bodyTimeoutMs', 'dispatcher', 'onRetry',
]);

const CALL_SID = /^[A-Za-z0-9_-]{1,128}$/;

function integer(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError(name, `an integer, ${min} or more`, value);
  }
  return value;
}

/** A value reduced to its kind (`<redacted string>`), for values that may be secrets. */
function typeOnly(value: unknown): unknown {
  if (value === undefined || value === null || typeof value === 'boolean') return value;
  return `<redacted ${typeof value}>`;
}

function statusClass(status: number): keyof ClientStats['responses'] | undefined {
  if (status >= 100 && status < 200) return '1xx';
  if (status < 300) return '2xx';
  if (status < 400) return '3xx';
  if (status < 500) return '4xx';
  if (status < 600) return '5xx';
  return undefined;
}

/**
 * A client of one Exotel account.
 *
 * @example
 * const client = new ExotelClient({ accountSid: 'acme1', apiKey, apiToken, subdomain: 'api.in.exotel.com' });
 * for await (const page of client.listAll({ dateCreated: { gte: from, lte: to }, sortBy: 'asc', pageSize: 100 })) {
 *   for (const raw of page.calls) console.log(normalizeCall(raw, { timeZone: client.timeZone }));
 * }
 * await client.close();
 */
export class ExotelClient {
  readonly accountSid: string;
  readonly timeZone: string;

  readonly #authorization: string;
  readonly #base: BaseLocation;
  readonly #dispatcher: Dispatcher;
  readonly #ownDispatcher: boolean;
  readonly #limiter: Bottleneck;
  readonly #ownLimiter: boolean;
  readonly #retries: number;
  readonly #retryMinTimeoutMs: number;
  readonly #retryMaxTimeoutMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #headersTimeoutMs: number;
  readonly #bodyTimeoutMs: number;
  readonly #onRetry: ((context: Readonly<RetryContext>) => void) | undefined;
  #clockOffsetMs = 0;
  #closed = false;
  /**
   * Local time before which no request is sent: a 429's Retry-After (capped) says the account's
   * quota is spent, so every request of this client waits, not only the one that got it (each
   * would get its own 429 otherwise, and some APIs count those).
   */
  #pausedUntil = 0;
  readonly #inFlight = new Set<AbortController>();
  readonly #stats: ClientStats = { requests: 0, retries: 0, responses: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 }, rateLimited: 0, failures: 0 };

  constructor(options: ExotelClientOptions) {
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object', options);
    for (const key of Object.keys(options)) {
      // An unknown key may be a misspelt credential (`apitoken`): say what kind of value, never the value.
      if (!KNOWN_OPTIONS.has(key)) throw new InvalidOptionError(key, 'absent: it is not an option of ExotelClient', typeOnly((options as unknown as Record<string, unknown>)[key]));
    }
    this.accountSid = validateAccountSid(options.accountSid);
    this.#authorization = basicAuthorization(options.apiKey ?? process.env.EXOTEL_API_KEY, options.apiToken ?? process.env.EXOTEL_API_TOKEN);
    this.#base = resolveBase(options.baseUrl, options.subdomain);

    const timeZone = options.timeZone ?? DEFAULTS.timeZone;
    try {
      assertTimeZone(timeZone);
    } catch {
      throw new InvalidOptionError('timeZone', 'an IANA time zone such as `Asia/Kolkata`', timeZone);
    }
    this.timeZone = timeZone;

    const maxRequestsPerMinute = integer('maxRequestsPerMinute', options.maxRequestsPerMinute, DEFAULTS.maxRequestsPerMinute, 1);
    this.#retries = integer('retries', options.retries, DEFAULTS.retries, 0);
    this.#retryMinTimeoutMs = integer('retryMinTimeoutMs', options.retryMinTimeoutMs, DEFAULTS.retryMinTimeoutMs, 0);
    this.#retryMaxTimeoutMs = integer('retryMaxTimeoutMs', options.retryMaxTimeoutMs, Math.max(DEFAULTS.retryMaxTimeoutMs, this.#retryMinTimeoutMs), 0);
    if (this.#retryMaxTimeoutMs < this.#retryMinTimeoutMs) {
      throw new InvalidOptionError('retryMaxTimeoutMs', `an integer, \`retryMinTimeoutMs\` (${this.#retryMinTimeoutMs}) or more`, options.retryMaxTimeoutMs);
    }
    this.#maxRetryAfterMs = integer('maxRetryAfterMs', options.maxRetryAfterMs, DEFAULTS.maxRetryAfterMs, 0);
    const connectTimeoutMs = integer('connectTimeoutMs', options.connectTimeoutMs, DEFAULTS.connectTimeoutMs, 1);
    this.#headersTimeoutMs = integer('headersTimeoutMs', options.headersTimeoutMs, DEFAULTS.headersTimeoutMs, 1);
    this.#bodyTimeoutMs = integer('bodyTimeoutMs', options.bodyTimeoutMs, DEFAULTS.bodyTimeoutMs, 1);

    if (options.onRetry !== undefined && typeof options.onRetry !== 'function') throw new InvalidOptionError('onRetry', 'a function', options.onRetry);
    this.#onRetry = options.onRetry;

    if (options.limiter !== undefined) {
      const l = options.limiter as unknown as { schedule?: unknown } | null;
      if (typeof l !== 'object' || l === null || typeof l.schedule !== 'function') throw new InvalidOptionError('limiter', 'a Bottleneck instance', options.limiter);
    }
    if (options.dispatcher !== undefined) {
      const d = options.dispatcher as unknown as { request?: unknown } | null;
      if (typeof d !== 'object' || d === null || typeof d.request !== 'function') throw new InvalidOptionError('dispatcher', 'an undici Dispatcher (Agent, Pool, Client)', options.dispatcher);
    }

    // Everything is validated: only now create what must be closed.
    this.#ownLimiter = options.limiter === undefined;
    this.#limiter = options.limiter ?? createQuotaLimiter({ maxRequestsPerMinute, id: `exotel-${this.accountSid}` });
    this.#ownDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Agent({
        connect: { timeout: connectTimeoutMs },
        headersTimeout: this.#headersTimeoutMs,
        bodyTimeout: this.#bodyTimeoutMs,
        keepAliveTimeout: 30_000,
        connections: 16,
      });
  }

  /** Server clock minus local clock, ms, from the latest response's `Date` header (0 before any response). */
  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  /** Counters: attempts sent, retries, responses by status class (a copy). */
  stats(): ClientStats {
    return { ...this.#stats, responses: { ...this.#stats.responses } };
  }

  /** The base URL followed by `path` (no credentials: they travel in the header). */
  #url(path: string): string {
    return this.#base.origin + this.#base.pathPrefix + path;
  }

  /**
   * One page. `query` is validated and encoded (see `CallQuery`); or pass `{ pageUri }`, a
   * `NextPageUri` as the API gave it, to follow a cursor (only this account's `/v1/` call list).
   */
  async listPage(query: CallQuery | { pageUri: string }, options: RequestOptions = {}): Promise<CallPage> {
    const path = this.#listPath(query);
    const url = this.#url(path);
    // Read inside the retry loop: a body without `Calls` is retried like a truncated one.
    return this.#get(path, options, (result) =>
      readCallPage(result.body, { method: 'GET', url, path, status: result.status, contentType: result.contentType, serverDate: result.serverDateMs === undefined ? null : new Date(result.serverDateMs) }),
    );
  }

  #listPath(query: CallQuery | { pageUri: string }): string {
    if (typeof query === 'object' && query !== null && 'pageUri' in query) {
      if (Object.keys(query).length !== 1) throw new InvalidOptionError('query', 'either a `CallQuery` or `{ pageUri }` alone', query);
      return this.#base.pathPrefix + resolvePageUri(query.pageUri, this.accountSid);
    }
    const qs = buildCallQuery(query, { timeZone: this.timeZone, now: Date.now() + this.#clockOffsetMs });
    return `${this.#base.pathPrefix}/v1/Accounts/${this.accountSid}/Calls.json${qs ? `?${qs}` : ''}`;
  }

  /**
   * Every page of a listing, following `NextPageUri` as given, stopping on a missing, empty or
   * null `NextPageUri` or an empty page. A Sid repeated within the listing is dropped from the later
   * page. A `NextPageUri` that is not this account's call list, or that repeats, ends the listing
   * with an `ExotelResponseError`.
   */
  async *listAll(query: CallQuery, options: RequestOptions = {}): AsyncGenerator<CallPage> {
    const seen = new Set<string>();
    const visited = new Set<string>();
    let page = await this.listPage(query, options);
    for (;;) {
      const received = page.calls.length;
      if (received > 0) {
        const fresh: RawCall[] = [];
        for (const raw of page.calls) {
          const sid = (raw as { Sid?: unknown } | null)?.Sid;
          // A record without a usable Sid is passed on: normalizing it reports it as malformed.
          if (typeof sid === 'string' && sid !== '') {
            if (seen.has(sid)) continue;
            seen.add(sid);
          }
          fresh.push(raw);
        }
        if (fresh.length === received) yield page;
        else if (fresh.length > 0) yield { ...page, calls: fresh };
      }
      const next = page.nextPageUri;
      if (received === 0 || next === null) return;
      let path: string;
      try {
        path = resolvePageUri(next, this.accountSid);
      } catch {
        throw new ExotelResponseError('ERR_EXOTEL_MALFORMED_RESPONSE', `Exotel API handed a NextPageUri that is not this account's call list: ${JSON.stringify(next.slice(0, 200))}`, {
          method: 'GET',
          url: page.requestUrl,
        });
      }
      if (visited.has(path)) {
        throw new ExotelResponseError('ERR_EXOTEL_MALFORMED_RESPONSE', `Exotel API handed the same NextPageUri twice in one listing (${pathOf(path)}): the listing would never end`, {
          method: 'GET',
          url: page.requestUrl,
        });
      }
      visited.add(path);
      page = await this.listPage({ pageUri: next }, options);
    }
  }

  /** One call by Sid (`GET /v1/Accounts/<sid>/Calls/<CallSid>.json`), as received. */
  async getCall(sid: string, options: RequestOptions & { details?: boolean } = {}): Promise<RawCall> {
    if (typeof sid !== 'string' || !CALL_SID.test(sid)) throw new InvalidOptionError('sid', 'a call Sid (letters, digits, `_` or `-`)', sid);
    if (options.details !== undefined && typeof options.details !== 'boolean') throw new InvalidOptionError('details', 'a boolean', options.details);
    const path = `${this.#base.pathPrefix}/v1/Accounts/${this.accountSid}/Calls/${sid}.json${options.details ? '?details=true' : ''}`;
    return this.#get(path, options, (result) => {
      const call = (result.body as { Call?: unknown } | null)?.Call;
      if (typeof call !== 'object' || call === null || Array.isArray(call)) {
        throw new ExotelResponseError('ERR_EXOTEL_MALFORMED_RESPONSE', `Exotel API answered GET ${pathOf(path)} with a body without a \`Call\` object`, {
          status: result.status,
          method: 'GET',
          url: this.#url(path),
        });
      }
      return call as RawCall;
    });
  }

  /** Closes the own dispatcher and the own limiter (not a caller-supplied one). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const controller of this.#inFlight) controller.abort();
    this.#inFlight.clear();
    const pending: Array<Promise<unknown>> = [];
    if (this.#ownLimiter) pending.push(this.#limiter.stop({ dropWaitingJobs: true }).catch(() => undefined));
    if (this.#ownDispatcher) pending.push(this.#dispatcher.destroy().catch(() => undefined));
    await Promise.all(pending);
  }

  /** GETs `path` through the limiter and retries; `read` checks the body's shape within the attempt. */
  async #get<T>(path: string, options: RequestOptions, read: (result: HttpResult) => T): Promise<T> {
    const { priority = 5, signal } = options ?? {};
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 9) {
      throw new InvalidOptionError('priority', 'an integer from 0 (first) to 9 (last)', priority);
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidOptionError('signal', 'an AbortSignal', signal);
    const url = this.#url(path);
    const method = 'GET';
    if (this.#closed) throw abortedError(method, url, path, new Error('The client is closed'));
    // One signal for the caller's abort and close(). close() aborts what is in `#inFlight`, rather
    // than each request listening on one shared signal (hundreds queued would trip the
    // max-listeners warning); the caller's listener is removed when the request ends.
    const controller = new AbortController();
    const combined = controller.signal;
    const onAbort = () => controller.abort();
    if (signal?.aborted) controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#inFlight.add(controller);

    try {
      return await pRetry(
        async (attemptNumber) => {
          if (combined.aborted) throw abortedError(method, url, path);
          if (attemptNumber > 1) this.#stats.retries++;
          const result = await this.#scheduled(priority, combined, () => this.#attempt(path, combined));
          return read(result);
        },
        {
          retries: this.#retries,
          // The delay is ours (Retry-After, jitter), taken in shouldRetry: p-retry must not add its own.
          minTimeout: 0,
          maxTimeout: 0,
          signal: combined,
          shouldRetry: async ({ error, attemptNumber, retriesLeft, retriesConsumed }) => {
            if (!(error instanceof ExotelError) || !isTransientError(error) || combined.aborted) return false;
            const after = retryAfterOf.get(error);
            const delayMs =
              after === undefined
                ? backoffDelay(retriesConsumed, this.#retryMinTimeoutMs, this.#retryMaxTimeoutMs)
                : Math.min(after, this.#maxRetryAfterMs);
            if (this.#onRetry) {
              try {
                this.#onRetry(Object.freeze({ error, attemptNumber, retriesLeft: retriesLeft - 1, delayMs }));
              } catch {
                // A failing observer must not change what the client does.
              }
            }
            await sleep(delayMs, combined);
            return !combined.aborted;
          },
        },
      );
    } catch (error) {
      if (combined.aborted && !(error instanceof ExotelError && error.code === 'ERR_ABORTED')) throw abortedError(method, url, path, error);
      if (error instanceof ExotelError) throw error;
      // A stopped limiter refuses jobs: the request is given up on, like an abort.
      if ((error as { constructor?: { name?: unknown } } | null)?.constructor?.name === 'BottleneckError') throw abortedError(method, url, path, error);
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#inFlight.delete(controller);
    }
  }

  /** Runs `task` through the limiter; gives up waiting when `signal` aborts. */
  #scheduled<T>(priority: number, signal: AbortSignal, task: () => Promise<T>): Promise<T> {
    const job = this.#limiter.schedule({ priority }, async () => {
      // Checked when the limiter starts the job: one queued before a 429 came back waits too.
      await this.#untilResumed(signal);
      if (signal.aborted) throw new Error('aborted while queued');
      return task();
    });
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new Error('aborted while queued'));
      signal.addEventListener('abort', onAbort, { once: true });
      job.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /** Waits out a pause set by a 429 (again, if another 429 lengthened it meanwhile). */
  async #untilResumed(signal: AbortSignal): Promise<void> {
    for (let wait = this.#pausedUntil - Date.now(); wait > 0 && !signal.aborted; wait = this.#pausedUntil - Date.now()) await sleep(wait, signal);
  }

  async #attempt(path: string, signal: AbortSignal): Promise<HttpResult> {
    this.#stats.requests++;
    try {
      return await getJson(
        {
          dispatcher: this.#dispatcher,
          origin: this.#base.origin,
          path,
          authorization: this.#authorization,
          headersTimeoutMs: this.#headersTimeoutMs,
          bodyTimeoutMs: this.#bodyTimeoutMs,
          signal,
          onResponse: (status, serverDateMs, receivedAtMs) => {
            const cls = statusClass(status);
            if (cls) this.#stats.responses[cls]++;
            if (status === 429) this.#stats.rateLimited++;
            if (serverDateMs !== undefined) this.#clockOffsetMs = serverDateMs - receivedAtMs;
          },
        },
        (header, serverDateMs) => parseRetryAfter(header, serverDateMs, Date.now()),
      );
    } catch (error) {
      if (error instanceof ExotelError && error.status === undefined) this.#stats.failures++;
      const after = error instanceof ExotelError && error.code === 'ERR_EXOTEL_RATE_LIMITED' ? retryAfterOf.get(error) : undefined;
      if (after !== undefined) this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + Math.min(after, this.#maxRetryAfterMs));
      throw error;
    }
  }
}

/** Waits `ms`, or less when `signal` aborts (then resolves; the caller checks the signal). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
