/**
 * Public types of the Exotel API simulator (`exotel-call-stream/simulator`).
 */
import type { CallDirection, CallStatus, RawCall } from '../exotel/types.js';

/** A clock the simulator reads; every time-dependent answer follows it. */
export interface SimulatorClock {
  now(): number;
}

/** One account the simulator serves: HTTP Basic auth with `apiKey:apiToken`. */
export interface SimulatorAccount {
  accountSid: string;
  apiKey: string;
  apiToken: string;
}

export interface SimulatorOptions {
  /**
   * Accounts served; each has its own calls and its own rate-limit window. An `accountSid` may
   * appear more than once with different keys: its keys share its calls and its window (Exotel's
   * quota is per account, not per key).
   * @default [{ accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token' }]
   */
  accounts?: SimulatorAccount[];
  /**
   * The simulator's clock (epoch ms). The default reads `Date.now()` on every call, so a
   * `@sinonjs/fake-timers` clock that fakes `Date` drives it.
   * @default { now: () => Date.now() }
   */
  clock?: SimulatorClock;
  /**
   * IANA zone of the naive `YYYY-MM-DD HH:mm:ss` timestamps (records and the `DateCreated` filter).
   * @default 'Asia/Kolkata'
   */
  timeZone?: string;
  /**
   * Seed of every random choice (traffic, Sids of scripted calls, fault rates). Same seed and same
   * clock readings give the same world, byte for byte.
   * @default 1
   */
  seed?: number;
  /**
   * Generated calls. `false`: the world holds only the calls you add with `addCall()`.
   * @default false
   */
  traffic?: TrafficOptions | false;
  /**
   * Time from a call's end until Duration, Price, EndTime, RecordingUrl and leg details fill in:
   * a fixed number of ms, or a seeded uniform range.
   * @default { min: 60_000, max: 180_000 }
   */
  settleDelayMs?: number | { min: number; max: number };
  /**
   * Duration and Price as strings (`"17"`, `"1.500"`, as in Exotel's sample) or as numbers.
   * @default true
   */
  numbersAsStrings?: boolean;
  /**
   * How a field not yet filled in (Duration, Price, EndTime, ...) is sent: `""` or `null`.
   * @default 'empty-string'
   */
  emptyValue?: 'empty-string' | 'null';
  /**
   * Casing of `AnsweredBy` on answered calls: `human` (Exotel's sample), `HUMAN`, `Human`, or
   * `'varied'`: one of the three per call and per second of the clock, so that the same call reads
   * differently from one answer to the next (the casing seen in the wild varies).
   * @default 'lower'
   */
  answeredByCase?: 'lower' | 'upper' | 'title' | 'varied';
  /**
   * Per-account sliding-window rate limit; `false` disables it.
   * @default { requestsPerMinute: 200, retryAfter: 'seconds' }
   */
  rateLimit?: { requestsPerMinute?: number; retryAfter?: 'seconds' | 'http-date' | false } | false;
  /**
   * How the last page with records shows `NextPageUri`: a link to an (empty) page after it, `null`,
   * `""`, or no key at all. An empty page always has `null` (or `""`/no key for those two options).
   * @default 'null'
   */
  lastPage?: 'link-to-empty-page' | 'null' | 'empty-string' | 'omitted';
  /**
   * Where `FirstPageUri`, `PrevPageUri` and `NextPageUri` sit: under `Metadata` or at the top level.
   * @default 'metadata'
   */
  pageUris?: 'metadata' | 'top-level';
  /**
   * How many requests `history` keeps, the newest (older ones are dropped in batches), so that a
   * simulator left running does not grow without bound. `Infinity` keeps all.
   * @default 100_000
   */
  historyLimit?: number;
  /**
   * Accept HTTP Basic `<accountSid>:<apiToken>` as well as `<apiKey>:<apiToken>`: older clients
   * (exotel-node, exotel-py) log in with the account Sid in place of the API key.
   * @default false
   */
  sidAsApiKey?: boolean;
  /**
   * What a query parameter the API does not document gets: `'ignore'` (as Exotel does: its own
   * sample pages carry `NumbersMetadata`, which no table lists; an ignored parameter is carried
   * into the page URIs and listed in `history[].ignored`) or `'reject'` (a 400 naming it, with a
   * near miss such as `pagesize` → `PageSize` pointed out: stricter than Exotel, for development).
   * @default 'ignore'
   */
  unknownParameters?: 'ignore' | 'reject';
  /**
   * `Content-Encoding` of bodies on the wire (the HTTP server and `SimulatorDispatcher`; `handle()`
   * always returns the text): `'none'`, `'negotiate'` (gzip, br or deflate when the request's
   * `Accept-Encoding` offers it, as a front end such as nginx does), or always `'gzip'`, `'deflate'`
   * or `'br'`, asked for or not.
   * @default 'none'
   */
  contentEncoding?: 'none' | 'negotiate' | ContentCoding;
  /**
   * Exotel's push: a `StatusCallback` for each call when it ends (and, with `events`, when it is
   * answered), POSTed to `url` or handed to `onCallback`, with seeded loss, delay and lateness, on
   * the simulator's clock. See `StatusCallbackOptions` and `Simulator.callbacks`.
   * @default false
   */
  statusCallbacks?: StatusCallbackOptions | false;
}

/** A delay: a fixed number of ms, or a seeded uniform range. */
export type DelayRange = number | { min: number; max: number };

/** The events a callback is sent for (Exotel's `StatusCallbackEvents`). */
export type StatusCallbackEvent = 'terminal' | 'answered';

/**
 * How the simulator sends status callbacks. Each call's fate is drawn from the seed and its Sid
 * alone: a share of the calls never gets one, a share gets it minutes late, the rest within
 * `delayMs` of the event; a failed delivery (not 2xx, a network error, `timeoutMs`) is retried.
 */
export interface StatusCallbackOptions {
  /** Where to POST each callback (`http:` or `https:`). Exactly one of `url` and `onCallback`. */
  url?: string;
  /**
   * In-process instead of over HTTP (tests, benchmarks): called with each delivery (frozen). It
   * is delivered unless it returns `false` or throws (or its promise does), which counts as a
   * failed delivery and is retried.
   */
  onCallback?: (delivery: StatusCallbackDelivery) => void | boolean | Promise<void | boolean>;
  /** Share of calls whose callback is sent at all, 0 to 1 (Exotel's push is lossy). @default 1 */
  share?: number;
  /** Share of calls whose callback is sent late (within `share`: `lateShare <= share`), 0 to 1. @default 0 */
  lateShare?: number;
  /** Time from the event to an on-time callback. @default { min: 1_000, max: 5_000 } */
  delayMs?: DelayRange;
  /** Time from the event to a late callback. @default { min: 120_000, max: 600_000 } */
  lateMs?: DelayRange;
  /** Share of delivered callbacks sent once more after `retryDelayMs` (an answer lost on its way back), 0 to 1. @default 0 */
  duplicateShare?: number;
  /** Form parameters (older Exotel pages) or a JSON body (newer ones). @default 'form' */
  format?: 'form' | 'json';
  /**
   * `StatusCallbackEvents`: with `terminal` the callback carries `EventType`, `DateCreated`, `To`,
   * `From`, `PhoneNumberSid`, `StartTime`, `EndTime`, `ConversationDuration`, `Direction`
   * (and `Legs` in JSON); `answered` adds a callback when an answered call is picked up. `[]`
   * sends only the four fields Exotel always sends (`CallSid`, `DateUpdated`, `Status`, `RecordingUrl`).
   * @default ['terminal']
   */
  events?: StatusCallbackEvent[];
  /** Retries of a failed delivery, 0 to 10 (Exotel retries up to 2 times). @default 2 */
  retries?: number;
  /** Wait before a retry (and before a duplicate), ms of the simulator's clock. @default 30_000 */
  retryDelayMs?: number;
  /** How long an HTTP delivery may take before it counts as failed, ms (Exotel waits 15 s). @default 15_000 */
  timeoutMs?: number;
  /**
   * How often the simulator looks at its clock for callbacks that are due, in ms of the global
   * timers (which `@sinonjs/fake-timers` drives); `Infinity`: never by itself, only on
   * `callbacks.flush()` (a clock of your own).
   * @default 1_000
   */
  lookEveryMs?: number;
  /** Callbacks due before this instant (epoch ms) are not sent: nobody was listening. @default the clock's now at `createSimulator()` */
  startAt?: number;
  /** How many callback records `callbacks.records()` keeps (the newest). @default 100_000 */
  keep?: number;
}

/** One delivery of a status callback, as `onCallback` gets it (frozen). */
export interface StatusCallbackDelivery {
  sid: string;
  accountSid: string;
  event: StatusCallbackEvent;
  /** The fields sent: strings, and `Legs` (an array) in the JSON format. */
  fields: Readonly<Record<string, string | ReadonlyArray<Record<string, string | number>>>>;
  /** The body as posted, and its `Content-Type`. */
  body: string;
  contentType: string;
  /** 1 for the first attempt; each retry adds one. A duplicate is attempt 1 again. */
  attempt: number;
  /** A second copy of a callback already delivered (`duplicateShare`). */
  duplicate: boolean;
  /** Whether this callback was drawn late (`lateShare`). */
  late: boolean;
  /** When the event happened: the call's end (terminal) or its answer (simulator's clock). */
  eventAt: number;
  /** When it was due, and when it is sent. */
  dueAt: number;
  sentAt: number;
}

/** Ground truth of one call's callback for one event, for tests. */
export interface StatusCallbackRecord {
  sid: string;
  accountSid: string;
  event: StatusCallbackEvent;
  /** `dropped`: drawn never to be sent; `pending`: due later; then `delivered` or `failed` (retries ran out). */
  state: 'dropped' | 'pending' | 'delivered' | 'failed';
  late: boolean;
  eventAt: number;
  dueAt: number;
  /** Every attempt: when, whether it was delivered, the HTTP status or the error. */
  attempts: Array<{ at: number; ok: boolean; status?: number; error?: string; duplicate: boolean }>;
}

/** Counters of the callbacks since the simulator was created. */
export interface StatusCallbackStats {
  /** Callbacks drawn (one per call and event, from `startAt` on). */
  planned: number;
  /** Drawn never to be sent. */
  dropped: number;
  /** Drawn late. */
  late: number;
  /** Attempts made (first attempts, retries, duplicates). */
  attempts: number;
  /** Callbacks delivered (first copies). */
  delivered: number;
  /** Callbacks given up after their retries. */
  failed: number;
  retries: number;
  duplicates: number;
  /** Waiting for their time, or in flight. */
  pending: number;
}

/** The status callbacks of a simulator (`Simulator.callbacks`). */
export interface SimulatorCallbacks {
  /** Whether `statusCallbacks` was set. */
  readonly enabled: boolean;
  /**
   * Sends every callback due by the clock's now (calls that ended since the last look included),
   * and resolves when those deliveries are done. The simulator calls it every `lookEveryMs`.
   */
  flush(): Promise<void>;
  /** Resolves when no delivery is in flight. */
  idle(): Promise<void>;
  /** The newest `keep` records, oldest first (a copy). */
  records(): StatusCallbackRecord[];
  /** The record of a Sid's callback for `event` (default `terminal`), while it is kept. */
  record(sid: string, event?: StatusCallbackEvent): StatusCallbackRecord | undefined;
  stats(): StatusCallbackStats;
}

/** A compression a body can be sent with. */
export type ContentCoding = 'gzip' | 'deflate' | 'br';

/** Weights (any non-negative numbers; they are normalized) and shapes of generated traffic. */
export interface TrafficMix {
  /** @default { completed: 65, 'no-answer': 14, busy: 10, failed: 6, canceled: 5 } */
  status: Record<CallStatus, number>;
  /** @default { inbound: 50, 'outbound-api': 35, 'outbound-dial': 15 } */
  direction: Record<CallDirection, number>;
  /** Mean talk time of an ordinary answered call, in seconds (exponential, capped at `shortMaxSec`). @default 90 */
  meanTalkSec: number;
  /** Cap of an ordinary answered call's talk time. @default 300 */
  shortMaxSec: number;
  /** Share of answered calls that are long: uniform from `shortMaxSec` to `longMaxSec`. @default 0.03 */
  longShare: number;
  /** @default 7200 */
  longMaxSec: number;
  /** Share of answered calls that are very long: uniform from `longMaxSec` to `veryLongMaxSec`. @default 0.002 */
  veryLongShare: number;
  /** @default 14400 */
  veryLongMaxSec: number;
  /** Share of settled calls whose Price or Duration is corrected later. @default 0.03 */
  correctionRate: number;
  /** Range of the delay of a correction after settling, in ms. @default { min: 60_000, max: 600_000 } */
  correctionDelayMs: { min: number; max: number };
  /** Number of ExoPhones (`+918047000001`, ...). @default 10 */
  exoPhones: number;
  /** Number of agent numbers (`+919800000001`, ...). @default 50 */
  agents: number;
  /** Number of customer numbers (`+917000000001`, ...). @default 20000 */
  customers: number;
  /** Price of each started minute of an answered call. @default 0.5 */
  pricePerMinute: number;
}

export interface TrafficOptions {
  /** Mean number of calls started per minute (Poisson arrivals, seeded). */
  callsPerMinute: number;
  /** Epoch ms from which traffic runs. @default the clock's now at `createSimulator()` */
  startAt?: number;
  /** Epoch ms at which the traffic stops: no generated call starts at or after it. @default never */
  endAt?: number;
  /** The account that receives the traffic. @default the first account */
  accountSid?: string;
  /** Statuses, directions, durations, corrections and number pools. */
  mix?: Partial<TrafficMix>;
}

/** Fields a correction may change. Numbers for Duration/Price; EndTime as naive text or epoch ms. */
export type CorrectionFields = Partial<Record<'Duration' | 'Price' | 'EndTime' | 'Status' | 'RecordingUrl', string | number | null>>;

/** A scripted call. Everything is optional except `startAt`. */
export interface CallSpec {
  /** @default 32 seeded hex characters */
  sid?: string;
  /** Epoch ms; the record's `DateCreated` and `StartTime`. */
  startAt: number;
  /** Ringing time, ms. @default 5_000 */
  ringMs?: number;
  /** Talk time, ms; Duration = ring + talk. @default 60_000 for completed calls, else 0 */
  talkMs?: number;
  /** @default 'completed' */
  status?: CallStatus;
  /** @default 'inbound' */
  direction?: CallDirection;
  /** @default '+917000000001' (inbound) or '+919800000001' (outbound) */
  from?: string;
  /** @default '+919800000001' (inbound) or '+917000000001' (outbound) */
  to?: string;
  /** The ExoPhone. @default '+918047000001' */
  phoneNumber?: string;
  /** Overrides the simulator's `settleDelayMs` for this call. */
  settleDelayMs?: number;
  /** @default 0.5 per started minute of talk */
  price?: number;
  /** Later changes, each `afterMs` after settling; they move DateUpdated. */
  corrections?: Array<{ afterMs: number; fields: CorrectionFields }>;
  /** @default the first account */
  accountSid?: string;
}

/** Ground truth of one call, for tests. */
export interface SimulatedCall {
  sid: string;
  accountSid: string;
  startAt: number;
  endAt: number;
  settledAt: number;
  status: CallStatus;
  direction: CallDirection;
  from: string;
  to: string;
  phoneNumber: string;
  /** Duration in seconds once settled (before corrections). */
  durationSec: number;
  /** Price once settled (before corrections). */
  price: number;
  corrections: Array<{ at: number; fields: CorrectionFields }>;
  /** What the API lists for this call at `now` (undefined before it ended). */
  recordAt(now: number, options?: { details?: boolean }): RawCall | undefined;
}

/** A scripted fault, in the manner of undici's MockAgent interceptors. */
export interface FaultSpec {
  kind:
    | 'status'
    | 'rate-limit'
    | 'reset'
    | 'delay'
    | 'truncated'
    | 'malformed'
    | 'duplicate-row'
    | 'bad-record'
    | 'redirect'
    | 'content-type'
    | 'encoding'
    | 'oversized-page'
    | 'duplicate-sid';
  /** For `status`. @default 500 */
  status?: number;
  /** For `delay`: how long before the answer, ms (real timers, so fake timers drive it). @default 1000 */
  delayMs?: number;
  /** For `rate-limit`: the `Retry-After` form. @default the simulator's `rateLimit.retryAfter` */
  retryAfter?: 'seconds' | 'http-date' | false;
  /** For `rate-limit`: the wait announced in `Retry-After`. @default 1 */
  retryAfterSeconds?: number;
  /**
   * For `rate-limit`: the `Retry-After` header as given, instead of `retryAfter`/`retryAfterSeconds`
   * (a day, `soon`, a date in the past: whatever a server may send).
   */
  retryAfterHeader?: string;
  /** For `bad-record`: the field that is broken (any field of a record). @default 'DateCreated' */
  field?: string;
  /**
   * For `bad-record`: how. `'invalid'`: a value of the right type that means nothing
   * (`not-a-date`, `""` for Sid, `exploded` for Status, `NaN` for numbers); `'missing'`: the key is
   * left out; `'mistyped'`: the value wrapped in an array.
   * @default 'invalid'
   */
  break?: 'invalid' | 'missing' | 'mistyped';
  /** For `redirect`: the status. @default 302 */
  redirectStatus?: 301 | 302 | 303 | 307 | 308;
  /** For `redirect`: the `Location`. @default the same path on `https://api.exotel.com` */
  location?: string;
  /** For `content-type`: the `Content-Type` of the 200. @default 'text/html; charset=utf-8' */
  contentType?: string;
  /** For `content-type`: `'html'`, an HTML page in place of the body (a proxy's page), or `'same'`, the body unchanged. @default 'html' */
  body?: 'html' | 'same';
  /** For `encoding`: the `Content-Encoding`, used whatever the request's `Accept-Encoding`. @default 'gzip' */
  encoding?: ContentCoding;
  /** For `oversized-page`: records beyond `PageSize` on the page. @default 10 */
  extraRecords?: number;
  /** How many matching requests it hits. @default 1 */
  times?: number;
  /** Hits every matching request until `clearFaults()`. */
  persist?: boolean;
  /** Instead of `times`: a seeded probability per matching request, 0..1 (lasts until `clearFaults()`). */
  rate?: number;
  /** Which requests it applies to (all given parts must match). */
  match?: { path?: string | RegExp; accountSid?: string; query?: Record<string, string | RegExp> };
}

/** One request as the simulator saw it. */
export interface RequestRecord {
  /** The simulator's clock at arrival. */
  at: number;
  method: string;
  path: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  /** The account of the path, when the path names one. */
  accountSid?: string;
  status: number;
  /** Kinds of the faults that hit it, comma-separated (`'delay,truncated'`). */
  fault?: string;
  /** Records returned (0 for errors). */
  records: number;
  /** Query parameters the API does not document, ignored (see `unknownParameters`). */
  ignored?: string[];
}

/** The request `handle()` takes: method, path with query, headers (names in any case). */
export interface SimulatorRequest {
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  /**
   * The caller gave up (an abort, a timeout): a `delay` held for the request ends at once, and
   * `handle()` rejects with a `SimulatorResetError` nobody needs to read.
   */
  signal?: AbortSignal;
}

export interface SimulatorResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as text (never compressed). */
  body: string;
  /**
   * The `Content-Encoding` the body goes out with on the wire (the HTTP server and
   * `SimulatorDispatcher` compress it and set the header); absent: as it is.
   */
  encoding?: ContentCoding;
}

export interface RateStats {
  total: number;
  rejected: number;
  /** Most requests (accepted and rejected) of one account in any 60 s window of the simulator's clock. */
  maxInAnyWindow: number;
}

export interface Simulator {
  /** Starts the HTTP server on `host` (default 127.0.0.1) and `port` (default 0: a free port). */
  listen(options?: { port?: number; host?: string }): Promise<{ url: string }>;
  /** `http://127.0.0.1:<port>`; throws before `listen()`. */
  readonly url: string;
  /** Closes the server and every open socket. */
  close(): Promise<void>;
  /** The same logic without a socket. A `reset` fault throws a `SimulatorResetError`. */
  handle(request: SimulatorRequest): Promise<SimulatorResponse>;
  /** Adds a scripted call; returns its ground truth. */
  addCall(spec: CallSpec): SimulatedCall;
  /**
   * Ground truth of every call started up to the clock's now, ordered by start second, then Sid.
   * `range` narrows it to starts in [`from`, `to`] (epoch ms) and one account, found by binary
   * search: cheaper than filtering millions of calls.
   */
  calls(range?: { from?: number; to?: number; accountSid?: string }): SimulatedCall[];
  /** Ground truth of one call by Sid (generated or scripted), or undefined. */
  call(sid: string): SimulatedCall | undefined;
  inject(fault: FaultSpec): void;
  clearFaults(): void;
  /** Faults injected that still have hits left (`persist` and `rate` faults always do). */
  pendingFaults(): FaultSpec[];
  /** Throws an error listing every fault with hits left that is not `persist` or `rate`. */
  assertNoPendingFaults(): void;
  /** Every request, oldest first, up to `historyLimit` (the newest are kept). */
  readonly history: RequestRecord[];
  rateStats(): RateStats;
  /** Exotel's push (`statusCallbacks`): flush, ground truth, counters. */
  readonly callbacks: SimulatorCallbacks;
}
