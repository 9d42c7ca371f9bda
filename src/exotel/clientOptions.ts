/**
 * The options of `new ExotelClient()` and of each request, validated where they enter, with the
 * defaults filled in. Nothing is created here: what must be closed (the dispatcher, the limiter)
 * is created by the client once every option has passed.
 */
import type Bottleneck from 'bottleneck';
import type { Dispatcher } from 'undici';
import {
  assertKnownOptions,
  assertMethods,
  assertOptionsObject,
  dispatcherOption,
  functionOption,
  integerOption,
  limiterOption,
  requestsPerMinuteOption,
  retriesOption,
  timeZoneOption,
} from './assert.js';
import { systemClock } from './clock.js';
import type { ClientClock } from './clock.js';
import { basicAuthorization, resolveBase, validateAccountSid } from './credentials.js';
import type { BaseLocation } from './credentials.js';
import { InvalidOptionError } from './errors.js';
import type { RetryContext, RetryPolicy } from './withRetries.js';

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
  /** Requests allowed in any 60-second window, 1 to 100,000; ignored when `limiter` is given. @default 200 */
  maxRequestsPerMinute?: number;
  /** Schedule every request through this Bottleneck instead of the built-in limiter. The caller owns (and stops) it. */
  limiter?: Bottleneck;
  /** Retries of a transient fault (429, 408, 5xx, network, timeouts, truncated or malformed body), 0 to 100. @default 5 */
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
  /**
   * The local clock the client reads and waits on: backoff delays, the pause after a 429, the
   * "now" of a query's six-month check (plus `clockOffsetMs`). For tests that drive time
   * themselves. @default the system clock (`Date.now()` and the global timers, looked up at each call)
   */
  clock?: ClientClock;
  /**
   * How far the API's clock may be from ours before its first answer, and when its answers carry no
   * `Date` header (see `ApiClock`), 0 to 1 hour. @default 60_000
   */
  assumedClockSkewMs?: number;
}

/** Per-request options. */
export interface RequestOptions {
  /** Bottleneck priority: 0 goes first, 9 last. @default 5 */
  priority?: number;
  /** Aborts the request, in the queue, in flight or between retries (`ERR_ABORTED`, not retried). */
  signal?: AbortSignal;
  /** Retries of a transient fault for this request, 0 to 100, instead of the client's `retries`. */
  retries?: number;
}

/** Options of `listAll`: a request's, plus where a listing resumes. */
export interface ListAllOptions extends RequestOptions {
  /** A `NextPageUri` handed by an earlier listing of the same query: the listing resumes there. */
  startCursor?: string | null;
  /**
   * Sids already taken from this listing (by an earlier run): records with one of them are
   * dropped, and every Sid yielded is added. @default a new, empty set
   */
  seen?: Set<string>;
}

/** The client's options, validated, with their defaults. */
export interface ResolvedClientOptions extends RetryPolicy {
  accountSid: string;
  /** `Basic base64(key:token)`: the one place the credentials end up. */
  authorization: string;
  base: BaseLocation;
  timeZone: string;
  maxRequestsPerMinute: number;
  limiter: Bottleneck | undefined;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  dispatcher: Dispatcher | undefined;
  clock: ClientClock;
  assumedClockSkewMs: number;
}

const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'accountSid', 'apiKey', 'apiToken', 'subdomain', 'baseUrl', 'timeZone', 'maxRequestsPerMinute', 'limiter', 'retries',
  'retryMinTimeoutMs', 'retryMaxTimeoutMs', 'maxRetryAfterMs', 'connectTimeoutMs', 'headersTimeoutMs', 'bodyTimeoutMs', 'dispatcher', 'onRetry', 'clock', 'assumedClockSkewMs',
]);

const MAX = Number.MAX_SAFE_INTEGER;

/**
 * Validates the client's options (throwing an `InvalidOptionError` naming the first rejected one,
 * never showing a credential) and fills in the defaults.
 */
export function resolveClientOptions(options: ExotelClientOptions): ResolvedClientOptions {
  assertOptionsObject('options', options);
  assertKnownOptions(options, KNOWN_OPTIONS, 'ExotelClient');
  const accountSid = validateAccountSid(options.accountSid);
  const authorization = basicAuthorization(options.apiKey ?? process.env.EXOTEL_API_KEY, options.apiToken ?? process.env.EXOTEL_API_TOKEN);
  const base = resolveBase(options.baseUrl, options.subdomain);
  const timeZone = timeZoneOption('timeZone', options.timeZone);
  const maxRequestsPerMinute = requestsPerMinuteOption(options.maxRequestsPerMinute);
  const retries = retriesOption(options.retries);
  const retryMinTimeoutMs = integerOption('retryMinTimeoutMs', options.retryMinTimeoutMs, 0, MAX, 1_000);
  const retryMaxTimeoutMs = integerOption('retryMaxTimeoutMs', options.retryMaxTimeoutMs, 0, MAX, Math.max(30_000, retryMinTimeoutMs));
  if (retryMaxTimeoutMs < retryMinTimeoutMs) {
    throw new InvalidOptionError('retryMaxTimeoutMs', `an integer, \`retryMinTimeoutMs\` (${retryMinTimeoutMs}) or more`, options.retryMaxTimeoutMs);
  }
  const maxRetryAfterMs = integerOption('maxRetryAfterMs', options.maxRetryAfterMs, 0, MAX, 120_000);
  const connectTimeoutMs = integerOption('connectTimeoutMs', options.connectTimeoutMs, 1, MAX, 10_000);
  const headersTimeoutMs = integerOption('headersTimeoutMs', options.headersTimeoutMs, 1, MAX, 30_000);
  const bodyTimeoutMs = integerOption('bodyTimeoutMs', options.bodyTimeoutMs, 1, MAX, 30_000);
  const onRetry = functionOption<(context: Readonly<RetryContext>) => void>('onRetry', options.onRetry);
  const limiter = limiterOption(options.limiter);
  const dispatcher = dispatcherOption(options.dispatcher);
  const clock = options.clock ?? systemClock;
  assertMethods('clock', clock, ['now', 'setTimeout', 'clearTimeout'], 'a clock with `now()`, `setTimeout(callback, ms)` and `clearTimeout(handle)`');
  const assumedClockSkewMs = integerOption('assumedClockSkewMs', options.assumedClockSkewMs, 0, 3_600_000, 60_000);
  return {
    accountSid,
    authorization,
    base,
    timeZone,
    maxRequestsPerMinute,
    retries,
    retryMinTimeoutMs,
    retryMaxTimeoutMs,
    maxRetryAfterMs,
    connectTimeoutMs,
    headersTimeoutMs,
    bodyTimeoutMs,
    onRetry,
    limiter,
    dispatcher,
    clock,
    assumedClockSkewMs,
  };
}

/** Checks a request's options: `priority` 0 to 9 (default 5), `signal` an AbortSignal, `retries` 0 to 100 when given. */
export function resolveRequestOptions(options: RequestOptions | undefined): { priority: number; signal: AbortSignal | undefined; retries: number | undefined } {
  const { priority = 5, signal } = options ?? {};
  const retries = options?.retries === undefined ? undefined : retriesOption(options.retries);
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 9) {
    throw new InvalidOptionError('priority', 'an integer from 0 (first) to 9 (last)', priority);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidOptionError('signal', 'an AbortSignal', signal);
  return { priority, signal, retries };
}
