/**
 * Call events as NDJSON in a file, one `EventBody` a line (`{ id, type, call, previous?, changes? }`,
 * `id` the idempotency key), rotated by size and/or period:
 *
 *   calls.ndjson                           the file being written
 *   calls.2026-12-01T08-00-00Z.ndjson      rotated files, named by the instant they were closed
 *
 * Each line is written (and fsynced) synchronously, before `enqueue()` returns, so an event the
 * stream has moved past is on disk. A write that fails (disk full, EIO) is kept in memory and
 * retried with backoff, in order; when `maxAttempts` run out the events are written to the
 * dead-letter file with the reason. Consumers de-duplicate by `id` (delivery is at least once:
 * a restart after a crash may write an event again).
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import type { Subscription } from 'rxjs';
import { InvalidOptionError } from '../exotel/errors.js';
import type { CallStreamEvent, CallStreamLike } from '../stream/types.js';
import { DeadLetterLog } from './DeadLetterLog.js';
import { eventBody } from './eventBody.js';
import { backoffMs, numberOption, resolveClock, resolveRetry } from './retryPolicy.js';
import type { RetryOptions, Sink, SinkClock, SinkEvents } from './types.js';

export interface NdjsonRotateOptions {
  /** Rotate once the file reaches this many bytes. @default 104_857_600 (100 MiB) */
  maxBytes?: number;
  /** Rotate when a new period starts: `'hourly'`, `'daily'` (UTC), or a period in milliseconds. @default none */
  every?: 'hourly' | 'daily' | number;
  /** Rotated files kept (the oldest beyond are deleted). @default 30 */
  keep?: number;
}

export interface NdjsonFileSinkOptions {
  /** The file to write (its directory must exist). */
  path: string;
  /** The stream to write. Optional: events can also be handed to `enqueue()`. */
  stream?: Pick<CallStreamLike, 'events$'>;
  /** Rotation; `false` for none. @default { maxBytes: 100 MiB, keep: 30 } */
  rotate?: NdjsonRotateOptions | false;
  /** fsync after every line. @default true */
  fsync?: boolean;
  retry?: RetryOptions;
  /** Attempts at a failing write before its events are dead-lettered. @default Infinity */
  maxAttempts?: number;
  /** Where events given up are recorded. @default `<path>.dead.ndjson` */
  deadLetterPath?: string;
  clock?: SinkClock;
  random?: () => number;
  /** How many recent idempotency keys are remembered, to skip an event handed over twice. @default 10_000 */
  rememberKeys?: number;
  /** The sink's name in events and metrics. @default 'ndjson' */
  name?: string;
}

const PERIODS = { hourly: 3_600_000, daily: 86_400_000 } as const;

/** A running NDJSON sink (a `Sink`), with the file it writes. */
export class NdjsonFileSink extends EventEmitter<SinkEvents> implements Sink {
  readonly name: string;
  readonly path: string;
  readonly #fsync: boolean;
  readonly #maxBytes: number;
  readonly #periodMs: number | undefined;
  readonly #keep: number;
  readonly #retry: Required<RetryOptions>;
  readonly #maxAttempts: number;
  readonly #clock: SinkClock;
  readonly #random: () => number;
  readonly #deadLetters: DeadLetterLog;
  readonly #rememberKeys: number;
  readonly #recent = new Set<string>();
  readonly #backlog: Array<{ key: string; type: string; line: string }> = [];
  readonly #drainWaiters: Array<() => void> = [];
  #subscription: Subscription | undefined;
  #fd = -1;
  #bytes = 0;
  #period = 0;
  #attempts = 0;
  #timer: unknown;
  #stopped = false;

  constructor(options: NdjsonFileSinkOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object', options);
    if (typeof options.path !== 'string' || options.path.length === 0) throw new InvalidOptionError('path', 'a file path', options.path);
    if (!existsSync(dirname(options.path))) throw new InvalidOptionError('path', 'a file in an existing directory', options.path);
    const rotate = options.rotate === undefined ? {} : options.rotate;
    if (rotate !== false && (typeof rotate !== 'object' || rotate === null)) throw new InvalidOptionError('rotate', 'an object or false', rotate);
    this.#maxBytes = rotate === false ? Infinity : numberOption('rotate.maxBytes', rotate.maxBytes, 104_857_600, { min: 1, max: Infinity });
    const every = rotate === false ? undefined : rotate.every;
    if (every !== undefined && !(every === 'hourly' || every === 'daily' || (Number.isInteger(every) && (every as number) >= 1000))) {
      throw new InvalidOptionError('rotate.every', "`'hourly'`, `'daily'` or milliseconds (at least 1000)", every);
    }
    this.#periodMs = every === undefined ? undefined : typeof every === 'number' ? every : PERIODS[every];
    this.#keep = rotate === false ? Infinity : numberOption('rotate.keep', rotate.keep, 30, { min: 0, max: 1_000_000 });
    this.#retry = resolveRetry(options.retry);
    this.#maxAttempts = numberOption('maxAttempts', options.maxAttempts, Infinity, { min: 1, max: Infinity });
    this.#rememberKeys = numberOption('rememberKeys', options.rememberKeys, 10_000, { min: 0, max: 10_000_000 });
    this.#clock = resolveClock(options.clock);
    if (options.random !== undefined && typeof options.random !== 'function') throw new InvalidOptionError('random', 'a function returning [0, 1)', options.random);
    this.#random = options.random ?? Math.random;
    if (options.stream !== undefined && typeof options.stream?.events$?.subscribe !== 'function') {
      throw new InvalidOptionError('stream', 'a call stream with an `events$` observable', options.stream);
    }
    this.name = options.name ?? 'ndjson';
    this.path = options.path;
    this.#fsync = options.fsync ?? true;
    this.#deadLetters = new DeadLetterLog(options.deadLetterPath ?? `${options.path}.dead.ndjson`, () => this.#clock.now());
    this.#open();
    if (options.stream) {
      this.#subscription = options.stream.events$.subscribe({
        next: (event) => {
          this.enqueue(event).catch((error: unknown) => this.emit('error', error as Error));
        },
        error: (error: unknown) => this.emit('error', error instanceof Error ? error : new Error(String(error))),
      });
    }
  }

  get pending(): number {
    return this.#backlog.length;
  }

  /** Writes the event's line now (synchronously, before the returned promise settles) or queues it behind a failing write. */
  async enqueue(event: CallStreamEvent): Promise<boolean> {
    if (this.#stopped) throw new Error(`The ${this.name} sink is stopped`);
    const { key, body } = eventBody(event);
    if (this.#recent.has(key)) return false;
    this.#remember(key);
    this.#backlog.push({ key, type: event.type, line: `${body}\n` });
    if (this.#timer === undefined) this.#flush();
    return true;
  }

  drain(): Promise<void> {
    if (this.#backlog.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#subscription?.unsubscribe();
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    // A last try: whatever still fails is lost with the process, so it is dead-lettered instead.
    this.#flush();
    for (const item of this.#backlog.splice(0)) {
      this.#deadLetter(item, `not written before the sink stopped (after ${this.#attempts} attempts)`);
    }
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }

  #remember(key: string): void {
    if (this.#rememberKeys === 0) return;
    this.#recent.add(key);
    if (this.#recent.size > this.#rememberKeys) {
      const oldest = this.#recent.values().next().value;
      if (oldest !== undefined) this.#recent.delete(oldest);
    }
  }

  #flush(): void {
    while (this.#backlog.length > 0) {
      const item = this.#backlog[0]!;
      this.#attempts += 1;
      try {
        this.#write(item.line);
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        if (this.#stopped) return;
        if (this.#attempts >= this.#maxAttempts) {
          // The whole backlog waits behind this write: give it all up, in order.
          const reason = `write failed: ${e.message} (after ${this.#attempts} attempts)`;
          for (const failed of this.#backlog.splice(0)) this.#deadLetter(failed, reason, e);
          this.#attempts = 0;
          break;
        }
        const delayMs = backoffMs(this.#retry, this.#attempts, this.#random);
        this.emit('retry', Object.freeze({ sink: this.name, key: item.key, type: item.type, attempt: this.#attempts, error: e, delayMs, reason: e.message }));
        this.#timer = this.#clock.setTimeout(() => {
          this.#timer = undefined;
          this.#flush();
        }, delayMs);
        return;
      }
      this.#backlog.shift();
      const attempt = this.#attempts;
      this.#attempts = 0;
      this.emit('delivered', Object.freeze({ sink: this.name, key: item.key, type: item.type, attempt }));
    }
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }

  #deadLetter(item: { key: string; type: string; line: string }, reason: string, error?: Error): void {
    try {
      this.#deadLetters.write({ sink: this.name, key: item.key, type: item.type, attempts: this.#attempts, reason, body: item.line.trimEnd() });
    } catch (e) {
      this.emit('error', e as Error);
    }
    this.emit('deadLetter', Object.freeze({ sink: this.name, key: item.key, type: item.type, attempt: this.#attempts, reason, ...(error ? { error } : {}) }));
  }

  #write(line: string): void {
    const now = this.#clock.now();
    const data = Buffer.from(line);
    if (this.#fd < 0) this.#open();
    const newPeriod = this.#periodMs !== undefined && Math.floor(now / this.#periodMs) !== this.#period;
    if (this.#bytes > 0 && (this.#bytes + data.length > this.#maxBytes || newPeriod)) this.#rotate(now);
    let written = 0;
    while (written < data.length) written += writeSync(this.#fd, data, written);
    if (this.#fsync) fsyncSync(this.#fd);
    this.#bytes += data.length;
  }

  #open(): void {
    this.#fd = openSync(this.path, 'a');
    const info = statSync(this.path);
    this.#bytes = info.size;
    // A file left by an earlier run belongs to the period it was last written in.
    this.#period = this.#periodMs === undefined ? 0 : Math.floor((info.size > 0 ? info.mtimeMs : this.#clock.now()) / this.#periodMs);
  }

  #rotate(now: number): void {
    closeSync(this.#fd);
    this.#fd = -1;
    const ext = extname(this.path);
    const stem = basename(this.path, ext);
    const stamp = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
    let target = join(dirname(this.path), `${stem}.${stamp}${ext}`);
    for (let n = 1; existsSync(target); n++) target = join(dirname(this.path), `${stem}.${stamp}-${n}${ext}`);
    renameSync(this.path, target);
    this.#prune(stem, ext);
    this.#open();
  }

  /** Deletes the oldest rotated files beyond `keep`. */
  #prune(stem: string, ext: string): void {
    if (!Number.isFinite(this.#keep)) return;
    const dir = dirname(this.path);
    const pattern = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}Z(?:-\\d+)?${ext.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const rotated = readdirSync(dir).filter((f) => pattern.test(f)).sort();
    for (const old of rotated.slice(0, Math.max(0, rotated.length - this.#keep))) {
      try {
        unlinkSync(join(dir, old));
      } catch {
        // Already gone (another process, an operator): nothing to keep.
      }
    }
  }
}

/**
 * Writes `stream`'s events to an NDJSON file with rotation.
 *
 * @example
 * const sink = ndjsonFileSink({ stream, path: './calls.ndjson', rotate: { every: 'daily', keep: 14 } });
 */
export function ndjsonFileSink(options: NdjsonFileSinkOptions): NdjsonFileSink {
  return new NdjsonFileSink(options);
}
