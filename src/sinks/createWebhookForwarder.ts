/**
 * Forwards call stream events as webhooks, as Exotel's own push should have been: signed as the
 * Standard Webhooks specification does, idempotent (`webhook-id` is the event's idempotency key,
 * also sent as `Idempotency-Key`), retried with exponential backoff, and durable (an outbox
 * written before the event is accepted, so that nothing is lost across outages and restarts).
 */
import { Agent, request, type Dispatcher } from 'undici';
import { InvalidOptionError } from '../exotel/errors.js';
import type { CallStreamLike } from '../stream/types.js';
import type { Outbox } from './Outbox.js';
import { OutboxSink, openOutbox, type AttemptResult } from './OutboxSink.js';
import { numberOption, resolveClock } from './retryPolicy.js';
import { webhookSignature } from './signWebhook.js';
import type { RetryOptions, SinkClock } from './types.js';
import { webhookSecretKey, type WebhookSecret } from './webhookSecret.js';

export interface WebhookForwarderOptions {
  /** The stream to forward. Optional: events can also be handed to `enqueue()`. */
  stream?: Pick<CallStreamLike, 'events$'>;
  /** Where to POST. `https:`, or `http:` to a loopback address. */
  url: string;
  /** `whsec_<base64>` (Standard Webhooks), or the key as a string or bytes; at least 16 bytes. */
  secret: WebhookSecret;
  /** The outbox file (JSON lines), created when missing and reopened after a restart. Or give `outbox`. */
  outboxPath?: string;
  /** Another outbox instead of a file (`redisStreamOutbox()`, so that a replacement process delivers what this one left). */
  outbox?: Outbox;
  /** Where events given up are recorded, one JSON line each. @default `<outboxPath>.dead.ndjson` (none with `outbox`) */
  deadLetterPath?: string;
  /** fsync the outbox file on every write. @default true */
  fsync?: boolean;
  retry?: RetryOptions;
  /** Attempts per event before it is given up (dead-lettered). @default Infinity */
  maxAttempts?: number;
  /** Timeout for the target's response headers and body. @default 10_000 */
  requestTimeoutMs?: number;
  /** Extra request headers (e.g. an `Authorization` for the target). */
  headers?: Record<string, string>;
  /** The clock and timers for backoff and signature timestamps. @default the global timers */
  clock?: SinkClock;
  /** Source of randomness for jitter, in [0, 1). @default Math.random */
  random?: () => number;
  /** An undici dispatcher to send through. @default a keep-alive Agent owned by the forwarder */
  dispatcher?: Dispatcher;
  /** The sink's name in events and metrics. @default 'webhook' */
  name?: string;
}

/** A running forwarder (a `Sink`), with the URL it posts to. */
export class WebhookForwarder extends OutboxSink {
  readonly url: string;
  constructor(url: string, options: ConstructorParameters<typeof OutboxSink>[0]) {
    super(options);
    this.url = url;
  }
}

/** Statuses that mean "later", not "never". */
const RETRYABLE = new Set([408, 409, 425, 429]);
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
const KNOWN = new Set(['stream', 'url', 'secret', 'outboxPath', 'outbox', 'deadLetterPath', 'fsync', 'retry', 'maxAttempts', 'requestTimeoutMs', 'headers', 'clock', 'random', 'dispatcher', 'name']);

/** Seconds or an HTTP date, as milliseconds from `now`; undefined when absent or unreadable. */
function retryAfterMs(value: string | string[] | undefined, now: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The target URL, checked: https (http only to loopback), no credentials in it. */
export function checkWebhookUrl(url: unknown, option = 'url'): URL {
  let target: URL;
  try {
    target = new URL(String(url));
  } catch {
    throw new InvalidOptionError(option, 'an absolute http(s) URL', url);
  }
  if (typeof url !== 'string') throw new InvalidOptionError(option, 'an absolute http(s) URL', url);
  if (target.username || target.password) {
    // Credentials in a URL end up in logs; the target's auth goes in `headers`.
    throw new InvalidOptionError(option, 'a URL without credentials (put them in `headers`)', target.origin);
  }
  if (target.protocol !== 'https:' && !(target.protocol === 'http:' && LOOPBACK.has(target.hostname))) {
    throw new InvalidOptionError(option, 'an `https:` URL (or `http:` to a loopback address)', url);
  }
  return target;
}

/**
 * Starts forwarding `stream`'s events to `url`.
 *
 * @example
 * const forwarder = createWebhookForwarder({
 *   stream, url: 'https://hooks.example.com/exotel', secret: process.env.WEBHOOK_SECRET!,
 *   outboxPath: './webhooks.outbox.jsonl',
 * });
 * forwarder.on('deadLetter', ({ key, reason }) => console.error('gave up on', key, reason));
 * // on shutdown: undelivered events stay in the outbox for the next run
 * await forwarder.stop();
 */
export function createWebhookForwarder(options: WebhookForwarderOptions): WebhookForwarder {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new InvalidOptionError(key, 'absent: it is not an option of createWebhookForwarder', typeof (options as unknown as Record<string, unknown>)[key]);
  }
  const target = checkWebhookUrl(options.url);
  const key = webhookSecretKey(options.secret);
  const timeoutMs = numberOption('requestTimeoutMs', options.requestTimeoutMs, 10_000, { min: 1, max: 600_000 });
  if (options.headers !== undefined && (typeof options.headers !== 'object' || options.headers === null || Object.values(options.headers).some((v) => typeof v !== 'string'))) {
    throw new InvalidOptionError('headers', 'an object of header names to string values', options.headers);
  }
  const extraHeaders = { ...options.headers };
  const clock = resolveClock(options.clock);
  const { outbox, deadLetters } = openOutbox(options, clock);
  const dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connections: 4 });
  const ownsDispatcher = options.dispatcher === undefined;
  const url = target.toString();

  const attempt = async (entry: { key: string; body: string }, signal: AbortSignal): Promise<AttemptResult> => {
    const timestamp = Math.floor(clock.now() / 1000);
    let status: number;
    let retryAfter: number | undefined;
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        headers: {
          ...extraHeaders,
          'content-type': 'application/json',
          'idempotency-key': entry.key,
          'webhook-id': entry.key,
          'webhook-timestamp': String(timestamp),
          // Signed afresh at each attempt: the timestamp is the attempt's.
          'webhook-signature': `v1,${webhookSignature(key, entry.key, timestamp, entry.body)}`,
          'user-agent': 'exotel-call-stream-webhook-forwarder',
        },
        body: entry.body,
      });
      status = res.statusCode;
      retryAfter = retryAfterMs(res.headers['retry-after'], clock.now());
      // The body must be consumed on every path, or the connection is never reused.
      await res.body.dump();
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      return { ok: false, retryable: true, reason: `network: ${e.message}`, error: e };
    }
    if (status >= 200 && status < 300) return { ok: true, status };
    const retryable = status >= 500 || RETRYABLE.has(status);
    return { ok: false, retryable, status, reason: `HTTP ${status}`, ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }) };
  };

  return new WebhookForwarder(url, {
    name: options.name ?? 'webhook',
    outbox,
    deadLetters,
    attempt,
    retry: options.retry,
    maxAttempts: options.maxAttempts,
    clock,
    random: options.random,
    stream: options.stream,
    onStop: async () => {
      if (ownsDispatcher) await dispatcher.close();
    },
  });
}
