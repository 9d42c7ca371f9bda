/**
 * The delivery loop shared by the sinks that deliver from an outbox (webhooks, Redis Streams):
 * one event at a time, oldest first (an update never overtakes its completion), retried with
 * exponential backoff, given up with a dead-letter record when refused for good or when
 * `maxAttempts` run out.
 */
import { EventEmitter } from 'eventemitter3';
import type { Subscription } from 'rxjs';
import { InvalidOptionError } from '../exotel/errors.js';
import type { CallStreamEvent, CallStreamLike } from '../stream/types.js';
import { DeadLetterLog } from './DeadLetterLog.js';
import { FileOutbox } from './FileOutbox.js';
import { eventBody } from './eventBody.js';
import type { Outbox, OutboxEntry } from './Outbox.js';
import { backoffMs, numberOption, resolveClock, resolveRetry } from './retryPolicy.js';
import type { DeliveryContext, RetryOptions, Sink, SinkClock, SinkEvents } from './types.js';

/** What one attempt came to. */
export type AttemptResult =
  | { ok: true; status?: number }
  | { ok: false; retryable: boolean; reason: string; status?: number; error?: Error; retryAfterMs?: number };

export interface OutboxSinkOptions {
  name: string;
  outbox: Outbox;
  /** Sends one entry; resolves to what happened (throwing counts as a retryable failure). */
  attempt(entry: OutboxEntry, signal: AbortSignal): Promise<AttemptResult>;
  retry?: RetryOptions | undefined;
  maxAttempts?: number | undefined;
  clock?: SinkClock | undefined;
  random?: (() => number) | undefined;
  deadLetters?: DeadLetterLog | undefined;
  stream?: Pick<CallStreamLike, 'events$'> | undefined;
  /** Called last by `stop()` (closes what the sink owns). */
  onStop?: () => Promise<void>;
}

/** What a sink built on an outbox takes: a file path or an outbox, and where dead letters go. */
export interface OutboxChoice {
  outboxPath?: string | undefined;
  outbox?: Outbox | undefined;
  deadLetterPath?: string | undefined;
  fsync?: boolean | undefined;
  retry?: RetryOptions | undefined;
  maxAttempts?: number | undefined;
}

/**
 * Checks the options every outbox sink shares and opens its outbox (a `FileOutbox` at
 * `outboxPath`, or the `outbox` given) and dead-letter log (`<outboxPath>.dead.ndjson` by default).
 * The retry options are checked first, so that nothing is opened for options that fail.
 */
export function openOutbox(options: OutboxChoice, clock: SinkClock): { outbox: Outbox; deadLetters: DeadLetterLog | undefined } {
  resolveRetry(options.retry);
  numberOption('maxAttempts', options.maxAttempts, Infinity, { min: 1, max: Infinity });
  if ((options.outboxPath === undefined) === (options.outbox === undefined)) {
    throw new InvalidOptionError('outboxPath', 'a file path, or an `outbox` instead (one of the two)', options.outboxPath);
  }
  if (options.outboxPath !== undefined && (typeof options.outboxPath !== 'string' || options.outboxPath.length === 0)) {
    throw new InvalidOptionError('outboxPath', 'a file path', options.outboxPath);
  }
  if (options.deadLetterPath !== undefined && (typeof options.deadLetterPath !== 'string' || options.deadLetterPath.length === 0)) {
    throw new InvalidOptionError('deadLetterPath', 'a file path', options.deadLetterPath);
  }
  const outbox = options.outbox ?? new FileOutbox(options.outboxPath!, { fsync: options.fsync ?? true, now: () => clock.now() });
  const deadLetterPath = options.deadLetterPath ?? (options.outboxPath === undefined ? undefined : `${options.outboxPath}.dead.ndjson`);
  return { outbox, deadLetters: deadLetterPath === undefined ? undefined : new DeadLetterLog(deadLetterPath, () => clock.now()) };
}

export class OutboxSink extends EventEmitter<SinkEvents> implements Sink {
  readonly name: string;
  readonly #outbox: Outbox;
  readonly #attemptOnce: OutboxSinkOptions['attempt'];
  readonly #retry: Required<RetryOptions>;
  readonly #maxAttempts: number;
  readonly #clock: SinkClock;
  readonly #random: () => number;
  readonly #deadLetters: DeadLetterLog | undefined;
  readonly #onStop: (() => Promise<void>) | undefined;
  readonly #drainWaiters: Array<() => void> = [];
  #subscription: Subscription | undefined;
  #attempts = 0;
  #timer: unknown;
  #running: Promise<void> | undefined;
  #abort = new AbortController();
  #stopped = false;
  /** Set when a pump was asked for while the loop ran: the loop may have looked at the outbox just before. */
  #wake = false;

  constructor(options: OutboxSinkOptions) {
    super();
    if (options.stream !== undefined && (typeof options.stream !== 'object' || options.stream === null || typeof options.stream.events$?.subscribe !== 'function')) {
      throw new InvalidOptionError('stream', 'a call stream with an `events$` observable', options.stream);
    }
    if (options.random !== undefined && typeof options.random !== 'function') throw new InvalidOptionError('random', 'a function returning [0, 1)', options.random);
    this.name = options.name;
    this.#outbox = options.outbox;
    this.#attemptOnce = options.attempt;
    this.#retry = resolveRetry(options.retry);
    this.#maxAttempts = numberOption('maxAttempts', options.maxAttempts, Infinity, { min: 1, max: Infinity });
    this.#clock = resolveClock(options.clock);
    this.#random = options.random ?? Math.random;
    this.#deadLetters = options.deadLetters;
    this.#onStop = options.onStop;
    if (options.stream) {
      this.#subscription = options.stream.events$.subscribe({
        next: (event) => {
          this.enqueue(event).catch((error: unknown) => this.emit('error', error instanceof Error ? error : new Error(String(error))));
        },
        error: (error: unknown) => this.emit('error', error instanceof Error ? error : new Error(String(error))),
      });
    }
    // Whatever a previous run left undelivered goes first.
    this.#pump();
  }

  get pending(): number {
    return this.#outbox.pending;
  }

  /**
   * Writes the event to the outbox and schedules its delivery. With a file outbox the event is on
   * disk before this returns (synchronously, before the stream emits its next event).
   */
  async enqueue(event: CallStreamEvent): Promise<boolean> {
    if (this.#stopped) throw new Error(`The ${this.name} sink is stopped`);
    const { key, body } = eventBody(event);
    const added = await this.#outbox.add({ key, type: event.type, body });
    if (added) this.#pump();
    return added;
  }

  drain(): Promise<void> {
    if (this.#outbox.pending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drainWaiters.push(resolve);
      this.#pump();
    });
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#subscription?.unsubscribe();
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort.abort();
    await this.#running?.catch(() => undefined);
    await this.#outbox.close();
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
    await this.#onStop?.();
  }

  #pump(): void {
    if (this.#running) this.#wake = true;
    if (this.#stopped || this.#running || this.#timer !== undefined) return;
    this.#wake = false;
    this.#running = this.#loop()
      .catch((error: unknown) => {
        // The outbox itself failed (disk, Redis): report it and try again after a pause.
        this.emit('error', error instanceof Error ? error : new Error(String(error)));
        this.#wait(backoffMs(this.#retry, Math.max(1, this.#attempts), this.#random));
      })
      .finally(() => {
        this.#running = undefined;
        if (this.#wake) this.#pump();
      });
  }

  #wait(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, delayMs);
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      const entry = await this.#outbox.peek();
      if (this.#stopped) return;
      if (!entry) {
        // An event may have been added while the outbox was read: then the loop runs again (#wake).
        if (this.#outbox.pending === 0) for (const resolve of this.#drainWaiters.splice(0)) resolve();
        return;
      }
      this.#attempts += 1;
      const attempt = this.#attempts;
      let result: AttemptResult;
      try {
        result = await this.#attemptOnce(entry, this.#abort.signal);
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        result = { ok: false, retryable: true, reason: e.message, error: e };
      }
      if (this.#stopped) return;
      const base: DeliveryContext = { sink: this.name, key: entry.key, type: entry.type, attempt, ...(result.status === undefined ? {} : { status: result.status }) };
      if (result.ok) {
        await this.#outbox.markDone(entry.key);
        this.#attempts = 0;
        this.emit('delivered', Object.freeze(base));
        continue;
      }
      const error = result.error ? { error: result.error } : {};
      if (!result.retryable || attempt >= this.#maxAttempts) {
        const reason = result.retryable ? `${result.reason} (after ${attempt} attempts)` : result.reason;
        this.#deadLetters?.write({ sink: this.name, key: entry.key, type: entry.type, attempts: attempt, reason, body: entry.body });
        await this.#outbox.markDead(entry.key, reason);
        this.#attempts = 0;
        this.emit('deadLetter', Object.freeze({ ...base, ...error, reason }));
        continue;
      }
      const delayMs = backoffMs(this.#retry, attempt, this.#random, result.retryAfterMs);
      this.emit('retry', Object.freeze({ ...base, ...error, delayMs, reason: result.reason }));
      this.#wait(delayMs);
      return;
    }
  }
}
