/**
 * Forwards call stream events as signed HTTP POSTs, as Exotel's own push should have been:
 * durable (an outbox file written before the event is accepted), ordered (one delivery at a time,
 * oldest first), retried with exponential backoff, and idempotent (a stable `Idempotency-Key`).
 */
import { EventEmitter } from 'eventemitter3';
import { Agent, request, type Dispatcher } from 'undici';
import type { Subscription } from 'rxjs';
import { InvalidOptionError } from 'exotel-call-stream';
import type { CallStreamEvent, CallStreamLike } from 'exotel-call-stream';
import { FileOutbox, type OutboxEntry } from './FileOutbox.js';
import { webhookBody } from './payload.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';

/** The timers the forwarder uses; pass a fake clock (`@sinonjs/fake-timers` `createClock()`) in tests. */
export interface ForwarderClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RetryOptions {
  /** First delay. @default 1_000 */
  minDelayMs?: number;
  /** Longest delay, also the cap on an honoured `Retry-After`. @default 300_000 */
  maxDelayMs?: number;
  /** Growth per attempt. @default 2 */
  factor?: number;
  /** Random spread, as a fraction of the delay (0 to 1). @default 0.2 */
  jitter?: number;
}

export interface WebhookForwarderOptions {
  /** The stream to forward. Optional: events can also be handed to `enqueue()`. */
  stream?: Pick<CallStreamLike, 'events$'>;
  /** Where to POST. `https:`, or `http:` to a loopback address. */
  url: string;
  /** Shared secret for the HMAC signature, at least 16 bytes. */
  secret: string | Buffer;
  /** The outbox file (JSON lines). Created when missing; reopened after a restart. */
  outboxPath: string;
  /** fsync the outbox on every write. @default true */
  fsync?: boolean;
  retry?: RetryOptions;
  /** Attempts per event before it is given up (dead-lettered). @default Infinity */
  maxAttempts?: number;
  /** Timeout for the target's response headers and body. @default 10_000 */
  requestTimeoutMs?: number;
  /** Extra request headers (e.g. an `Authorization` for the target). */
  headers?: Record<string, string>;
  /** The clock and timers for backoff and signature timestamps. @default the global timers */
  clock?: ForwarderClock;
  /** Source of randomness for jitter, in [0, 1). @default Math.random */
  random?: () => number;
  /** An undici dispatcher to send through. @default a keep-alive Agent owned by the forwarder */
  dispatcher?: Dispatcher;
}

/** Context of each forwarder event (frozen). */
export interface DeliveryContext {
  key: string;
  type: string;
  /** 1 for the first attempt. */
  attempt: number;
  status?: number;
  error?: Error;
  /** For `retry`: the wait before the next attempt. */
  delayMs?: number;
}

export interface WebhookForwarderEvents {
  /** The target answered 2xx. */
  delivered: [context: DeliveryContext];
  /** An attempt failed and will be repeated after `delayMs`. */
  retry: [context: DeliveryContext];
  /** The target refused the event for good (a 4xx other than 408/409/425/429), or attempts ran out. */
  deadLetter: [context: DeliveryContext];
  /** The stream errored, or the outbox could not be written. */
  error: [error: Error];
}

const RETRYABLE = new Set([408, 409, 425, 429]);
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

const systemClock: ForwarderClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function positive(name: string, value: unknown, fallback: number, { integer = true, min = 1, max = Number.MAX_SAFE_INTEGER } = {}): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || (integer && !Number.isInteger(value) && value !== Infinity) || value < min || value > max) {
    throw new InvalidOptionError(name, `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, value);
  }
  return value;
}

/** Seconds or an HTTP date, as milliseconds from `now`; undefined when absent or unreadable. */
function retryAfterMs(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class WebhookForwarder extends EventEmitter<WebhookForwarderEvents> {
  readonly url: string;
  readonly #secret: string | Buffer;
  readonly #outbox: FileOutbox;
  readonly #clock: ForwarderClock;
  readonly #random: () => number;
  readonly #retry: Required<RetryOptions>;
  readonly #maxAttempts: number;
  readonly #timeoutMs: number;
  readonly #headers: Record<string, string>;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  #subscription: Subscription | undefined;
  #attempts = 0;
  #timer: unknown;
  #inFlight: Promise<void> | undefined;
  #abort: AbortController | undefined;
  #stopped = false;
  readonly #drainWaiters: Array<() => void> = [];

  constructor(options: WebhookForwarderOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object', options);
    let target: URL;
    try {
      target = new URL(options.url);
    } catch {
      throw new InvalidOptionError('url', 'an absolute http(s) URL', options.url);
    }
    if (target.protocol !== 'https:' && !(target.protocol === 'http:' && LOOPBACK.has(target.hostname))) {
      throw new InvalidOptionError('url', 'an `https:` URL (or `http:` to a loopback address)', options.url);
    }
    if (target.username || target.password) {
      // Credentials in a URL end up in logs; the target's auth goes in `headers`.
      throw new InvalidOptionError('url', 'a URL without credentials (put them in `headers`)', target.origin);
    }
    const secretBytes = typeof options.secret === 'string' ? Buffer.byteLength(options.secret) : Buffer.isBuffer(options.secret) ? options.secret.length : -1;
    if (secretBytes < 16) {
      throw new InvalidOptionError('secret', 'a string or Buffer of at least 16 bytes', typeof options.secret === 'string' ? `${'*'.repeat(options.secret.length)}` : options.secret);
    }
    if (typeof options.outboxPath !== 'string' || options.outboxPath.length === 0) {
      throw new InvalidOptionError('outboxPath', 'a file path', options.outboxPath);
    }
    if (options.stream !== undefined && (typeof options.stream !== 'object' || options.stream === null || typeof options.stream.events$?.subscribe !== 'function')) {
      throw new InvalidOptionError('stream', 'a call stream with an `events$` observable', options.stream);
    }
    const retry = options.retry ?? {};
    if (typeof retry !== 'object' || retry === null) throw new InvalidOptionError('retry', 'an object', retry);
    this.#retry = {
      minDelayMs: positive('retry.minDelayMs', retry.minDelayMs, 1_000, { min: 0, max: 86_400_000 }),
      maxDelayMs: positive('retry.maxDelayMs', retry.maxDelayMs, 300_000, { min: 0, max: 86_400_000 }),
      factor: positive('retry.factor', retry.factor, 2, { integer: false, min: 1, max: 100 }),
      jitter: positive('retry.jitter', retry.jitter, 0.2, { integer: false, min: 0, max: 1 }),
    };
    if (this.#retry.maxDelayMs < this.#retry.minDelayMs) {
      throw new InvalidOptionError('retry.maxDelayMs', `at least \`retry.minDelayMs\` (${this.#retry.minDelayMs})`, this.#retry.maxDelayMs);
    }
    this.#maxAttempts = positive('maxAttempts', options.maxAttempts, Infinity, { min: 1, max: Infinity });
    this.#timeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs, 10_000, { min: 1, max: 600_000 });
    if (options.headers !== undefined && (typeof options.headers !== 'object' || options.headers === null)) {
      throw new InvalidOptionError('headers', 'an object of header names to values', options.headers);
    }
    this.#headers = { ...options.headers };
    const clock = options.clock ?? systemClock;
    if (typeof clock.now !== 'function' || typeof clock.setTimeout !== 'function' || typeof clock.clearTimeout !== 'function') {
      throw new InvalidOptionError('clock', 'an object with `now`, `setTimeout` and `clearTimeout`', clock);
    }
    if (options.random !== undefined && typeof options.random !== 'function') throw new InvalidOptionError('random', 'a function returning [0, 1)', options.random);
    this.#clock = clock;
    this.#random = options.random ?? Math.random;
    this.url = target.toString();
    this.#secret = options.secret;
    this.#dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connections: 4 });
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#outbox = new FileOutbox(options.outboxPath, { fsync: options.fsync ?? true, now: () => clock.now() });

    if (options.stream) {
      this.#subscription = options.stream.events$.subscribe({
        next: (event) => {
          try {
            this.enqueue(event);
          } catch (error) {
            this.emit('error', error as Error);
          }
        },
        error: (error: unknown) => this.emit('error', error instanceof Error ? error : new Error(String(error))),
      });
    }
    // Whatever a previous run left undelivered goes first.
    this.#pump();
  }

  /** Events waiting in the outbox (including the one being sent). */
  get pending(): number {
    return this.#outbox.pending;
  }

  /**
   * Writes the event to the outbox (durably, before returning) and schedules its delivery.
   * Returns false when the same event (same idempotency key) was already accepted.
   */
  enqueue(event: CallStreamEvent): boolean {
    if (this.#stopped) throw new Error('The forwarder is stopped');
    const { key, body } = webhookBody(event);
    const added = this.#outbox.add({ key, type: event.type, body });
    if (added) this.#pump();
    return added;
  }

  /** Resolves once the outbox is empty (every event delivered or given up). */
  drain(): Promise<void> {
    if (this.#outbox.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /**
   * Stops forwarding: unsubscribes from the stream, cancels the backoff timer, aborts the request
   * in flight, and closes the outbox. Undelivered events stay in the outbox for the next run.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#subscription?.unsubscribe();
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort?.abort();
    await this.#inFlight?.catch(() => undefined);
    this.#outbox.close();
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  #pump(): void {
    if (this.#stopped || this.#inFlight || this.#timer !== undefined) return;
    const entry = this.#outbox.peek();
    if (!entry) {
      for (const resolve of this.#drainWaiters.splice(0)) resolve();
      return;
    }
    this.#inFlight = this.#deliver(entry).finally(() => {
      this.#inFlight = undefined;
      this.#pump();
    });
  }

  async #deliver(entry: OutboxEntry): Promise<void> {
    this.#attempts += 1;
    const attempt = this.#attempts;
    const t = Math.floor(this.#clock.now() / 1000);
    this.#abort = new AbortController();
    let status: number | undefined;
    let retryAfter: number | undefined;
    let error: Error | undefined;
    try {
      const res = await request(this.url, {
        method: 'POST',
        dispatcher: this.#dispatcher,
        signal: this.#abort.signal,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        headers: {
          ...this.#headers,
          'content-type': 'application/json',
          'idempotency-key': entry.key,
          [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(this.#secret, t, entry.body),
          'user-agent': 'exotel-call-stream-webhook-forwarder',
        },
        body: entry.body,
      });
      status = res.statusCode;
      retryAfter = retryAfterMs(res.headers['retry-after'], this.#clock.now());
      // The body must be consumed on every path, or the connection is never reused.
      await res.body.dump();
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    }
    if (this.#stopped) return;
    const base = { key: entry.key, type: entry.type, attempt, ...(status === undefined ? {} : { status }) };
    try {
      if (status !== undefined && status >= 200 && status < 300) {
        this.#outbox.markDone(entry.key);
        this.#attempts = 0;
        this.emit('delivered', Object.freeze({ ...base }));
        return;
      }
      const retryable = status === undefined || status >= 500 || RETRYABLE.has(status);
      if (!retryable || attempt >= this.#maxAttempts) {
        const reason = status === undefined ? `network: ${error?.message ?? 'unknown'}` : `HTTP ${status}`;
        this.#outbox.markDead(entry.key, reason);
        this.#attempts = 0;
        this.emit('deadLetter', Object.freeze({ ...base, ...(error ? { error } : {}) }));
        return;
      }
    } catch (e) {
      // The outbox could not be written: stop rather than deliver again and again.
      this.emit('error', e as Error);
      this.#stopped = true;
      return;
    }
    const delayMs = this.#backoff(attempt, retryAfter);
    this.emit('retry', Object.freeze({ ...base, delayMs, ...(error ? { error } : {}) }));
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, delayMs);
  }

  #backoff(attempt: number, retryAfter: number | undefined): number {
    const { minDelayMs, maxDelayMs, factor, jitter } = this.#retry;
    const exponential = Math.min(maxDelayMs, minDelayMs * factor ** (attempt - 1));
    const spread = exponential * jitter * (this.#random() * 2 - 1);
    const delay = Math.round(Math.min(maxDelayMs, Math.max(0, exponential + spread)));
    // The target knows best when it can take more, within our own cap.
    return retryAfter === undefined ? delay : Math.min(maxDelayMs, Math.max(delay, retryAfter));
  }
}

/**
 * Starts forwarding `stream`'s events to `url`.
 *
 * @example
 * const forwarder = createWebhookForwarder({
 *   stream, url: 'https://hooks.example.com/exotel', secret: process.env.WEBHOOK_SECRET!,
 *   outboxPath: './webhooks.outbox.jsonl',
 * });
 * forwarder.on('deadLetter', ({ key, status }) => console.error('gave up on', key, status));
 */
export function createWebhookForwarder(options: WebhookForwarderOptions): WebhookForwarder {
  return new WebhookForwarder(options);
}
