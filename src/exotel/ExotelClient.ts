/**
 * The client of Exotel's Bulk Call Details API: pages of call records, rate-limited per account,
 * retried on transient faults, over a keep-alive undici pool. It wires the parts, one idea a file:
 * its options (`clientOptions.ts`), the quota and the 429 pause (`QuotaGate.ts`), the retry loop
 * (`withRetries.ts`), the counters (`clientStats.ts`), the API's clock (`ApiClock.ts`), the
 * paging of a listing (`followPages.ts`) and one HTTP attempt (`http.ts`).
 *
 * Every attempt is scheduled through the limiter, and the retry loop wraps the limiter (not the
 * other way round): a retry queues again like any request, so retries count against the quota and
 * never hold a slot while they wait.
 */
import type Bottleneck from 'bottleneck';
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import { resolveClientOptions, resolveRequestOptions } from './clientOptions.js';
import type { ExotelClientOptions, ListAllOptions, RequestOptions } from './clientOptions.js';
import { StatsCounter } from './clientStats.js';
import type { ClientStats } from './clientStats.js';
import type { ClientClock } from './clock.js';
import type { BaseLocation } from './credentials.js';
import { ExotelError, ExotelResponseError, InvalidOptionError } from './errors.js';
import { followPages } from './followPages.js';
import { abortedError, getJson, pathOf, retryAfterOf } from './http.js';
import type { HttpResult } from './http.js';
import { createQuotaLimiter } from './createQuotaLimiter.js';
import { isSid } from './limits.js';
import { readCallPage, resolvePageUri } from './paging.js';
import type { CallPage } from './paging.js';
import { buildCallQuery } from './buildCallQuery.js';
import type { CallQuery } from './buildCallQuery.js';
import { QuotaGate } from './QuotaGate.js';
import { parseRetryAfter } from './retry.js';
import { ApiClock } from './ApiClock.js';
import type { RawCall } from './types.js';
import { withRetries } from './withRetries.js';
import type { RetryPolicy } from './withRetries.js';

/** An attempt's result, with the local time it was sent at (for the page's `asOf`). */
type TimedResult = HttpResult & { sentAtMs: number };

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
  /** The API's clock as read from the `Date` headers of this client's answers (see `ApiClock`). */
  readonly apiClock: ApiClock;
  readonly timeZone: string;

  readonly #authorization: string;
  readonly #base: BaseLocation;
  readonly #dispatcher: Dispatcher;
  readonly #ownDispatcher: boolean;
  readonly #limiter: Bottleneck;
  readonly #ownLimiter: boolean;
  readonly #retry: RetryPolicy;
  readonly #headersTimeoutMs: number;
  readonly #bodyTimeoutMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #clock: ClientClock;
  readonly #gate: QuotaGate;
  readonly #stats = new StatsCounter();
  readonly #inFlight = new Set<AbortController>();
  #closed = false;

  constructor(options: ExotelClientOptions) {
    const o = resolveClientOptions(options);
    this.accountSid = o.accountSid;
    this.timeZone = o.timeZone;
    this.#authorization = o.authorization;
    this.#base = o.base;
    this.#retry = { retries: o.retries, retryMinTimeoutMs: o.retryMinTimeoutMs, retryMaxTimeoutMs: o.retryMaxTimeoutMs, maxRetryAfterMs: o.maxRetryAfterMs, onRetry: o.onRetry };
    this.#maxRetryAfterMs = o.maxRetryAfterMs;
    this.#headersTimeoutMs = o.headersTimeoutMs;
    this.#bodyTimeoutMs = o.bodyTimeoutMs;
    this.#clock = o.clock;
    this.apiClock = new ApiClock({ assumedSkewMs: o.assumedClockSkewMs });

    // Everything is validated: only now create what must be closed.
    this.#ownLimiter = o.limiter === undefined;
    this.#limiter = o.limiter ?? createQuotaLimiter({ maxRequestsPerMinute: o.maxRequestsPerMinute, id: `exotel-${this.accountSid}` });
    this.#gate = new QuotaGate(this.#limiter, o.clock);
    this.#ownDispatcher = o.dispatcher === undefined;
    this.#dispatcher =
      o.dispatcher ??
      new Agent({
        connect: { timeout: o.connectTimeoutMs },
        headersTimeout: o.headersTimeoutMs,
        bodyTimeout: o.bodyTimeoutMs,
        keepAliveTimeout: 30_000,
        connections: 16,
      });
  }

  /**
   * Server clock minus local clock, ms, from the responses' `Date` headers (0 before any
   * response): the low end of what they bound (see `apiClock`).
   */
  get clockOffsetMs(): number {
    return this.apiClock.offsetMs;
  }

  /** Counters: attempts sent, retries, responses by status class (a copy). */
  stats(): ClientStats {
    return this.#stats.snapshot();
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
      readCallPage(result.body, {
        method: 'GET',
        url,
        path,
        status: result.status,
        contentType: result.contentType,
        serverDate: result.serverDateMs === undefined ? null : new Date(result.serverDateMs),
        // The attempt's own `Date` has been observed: the bound is as tight as this answer allows.
        asOf: this.apiClock.lowerBound(result.sentAtMs),
      }),
    );
  }

  #listPath(query: CallQuery | { pageUri: string }): string {
    if (typeof query === 'object' && query !== null && 'pageUri' in query) {
      if (Object.keys(query).length !== 1) throw new InvalidOptionError('query', 'either a `CallQuery` or `{ pageUri }` alone', query);
      return this.#base.pathPrefix + resolvePageUri(query.pageUri, this.accountSid);
    }
    const qs = buildCallQuery(query, { timeZone: this.timeZone, now: this.apiClock.estimate(this.#clock.now()) });
    return `${this.#base.pathPrefix}/v1/Accounts/${this.accountSid}/Calls.json${qs ? `?${qs}` : ''}`;
  }

  /**
   * Every page of a listing, following `NextPageUri` as given, stopping on a missing, empty or
   * null `NextPageUri` or an empty page. Every page answered is yielded, an empty one too (one
   * request each). A Sid repeated within the listing is dropped from the later page. A
   * `NextPageUri` that is not this account's call list, or that repeats, ends the listing with an
   * `ExotelResponseError`. With `startCursor` the listing resumes at that page (`query`
   * is then not sent again: the cursor carries it), and with `seen` it skips the Sids an earlier
   * run already took.
   */
  listAll(query: CallQuery, listOptions: ListAllOptions = {}): AsyncGenerator<CallPage> {
    const { startCursor, seen, ...options } = listOptions;
    const first = startCursor == null ? this.listPage(query, options) : this.listPage({ pageUri: startCursor }, options);
    return followPages(first, (pageUri) => this.listPage({ pageUri }, options), this.accountSid, seen);
  }

  /** One call by Sid (`GET /v1/Accounts/<sid>/Calls/<CallSid>.json`), as received. */
  async getCall(sid: string, options: RequestOptions & { details?: boolean } = {}): Promise<RawCall> {
    if (typeof sid !== 'string' || !isSid(sid)) throw new InvalidOptionError('sid', 'a call Sid (letters, digits, `_` or `-`)', sid);
    if (options.details !== undefined && typeof options.details !== 'boolean') throw new InvalidOptionError('details', 'a boolean', options.details);
    const path = `${this.#base.pathPrefix}/v1/Accounts/${this.accountSid}/Calls/${sid}.json${options.details ? '?details=true' : ''}`;
    return this.#get(path, options, (result) => {
      const call = (result.body as { Call?: unknown } | null)?.Call;
      if (typeof call !== 'object' || call === null || Array.isArray(call)) {
        throw new ExotelResponseError(`Exotel API answered GET ${pathOf(path)} with a body without a \`Call\` object`, {
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
  async #get<T>(path: string, options: RequestOptions, read: (result: TimedResult) => T): Promise<T> {
    const { priority, signal, retries } = resolveRequestOptions(options);
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
      return await withRetries(
        async (attemptNumber) => {
          if (combined.aborted) throw abortedError(method, url, path);
          const result = await this.#gate.run(priority, combined, () => this.#attempt(path, combined, attemptNumber > 1));
          return read(result);
        },
        retries === undefined ? this.#retry : { ...this.#retry, retries },
        combined,
        this.#clock,
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

  /** One attempt on the wire, counted; a 429's `Retry-After` pauses every attempt of the client. */
  async #attempt(path: string, signal: AbortSignal, retry: boolean): Promise<TimedResult> {
    this.#stats.attempt(retry);
    const sentAtMs = this.#clock.now();
    try {
      const result = await getJson(
        {
          dispatcher: this.#dispatcher,
          origin: this.#base.origin,
          path,
          authorization: this.#authorization,
          headersTimeoutMs: this.#headersTimeoutMs,
          bodyTimeoutMs: this.#bodyTimeoutMs,
          signal,
          onResponse: (status, serverDateMs) => {
            this.#stats.response(status);
            this.apiClock.observe(sentAtMs, this.#clock.now(), serverDateMs);
          },
        },
        (header, serverDateMs) => parseRetryAfter(header, serverDateMs, this.#clock.now()),
      );
      return { ...result, sentAtMs };
    } catch (error) {
      if (error instanceof ExotelError && error.status === undefined) this.#stats.failure();
      const after = error instanceof ExotelError && error.code === 'ERR_EXOTEL_RATE_LIMITED' ? retryAfterOf.get(error) : undefined;
      if (after !== undefined) this.#gate.pause(Math.min(after, this.#maxRetryAfterMs));
      throw error;
    }
  }
}
