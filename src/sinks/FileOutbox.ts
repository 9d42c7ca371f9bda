/**
 * A durable outbox in one append-only JSON-lines file:
 *   {"op":"add","key":…,"type":…,"body":…,"at":…}   an event accepted for delivery
 *   {"op":"done","key":…,"at":…}                    delivered (2xx)
 *   {"op":"dead","key":…,"at":…,"reason":…}         given up (rejected by the target)
 *
 * `add` is written (and fsynced) synchronously, before the caller returns: once it returns, the
 * event survives a crash. The file is compacted (rewritten atomically: temp file, fsync, rename)
 * when most of it is finished entries. A torn last line (a crash mid-write) is dropped on open;
 * a damaged line anywhere else is an error, since silently skipping it could lose an event.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, ftruncateSync, writeSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import type { Outbox, OutboxEntry } from './Outbox.js';
import { OutboxCorruptError } from './OutboxCorruptError.js';

export interface FileOutboxOptions {
  /** fsync after every write. Turning it off trades durability on power loss for speed. @default true */
  fsync?: boolean;
  /** How many delivered keys are remembered (to drop an event the stream emits again). @default 10_000 */
  keepDelivered?: number;
  /** Compact once this many lines are finished entries. @default 1_000 */
  compactAfter?: number;
  /** The clock for the `at` fields (epoch ms). @default Date.now */
  now?: () => number;
}

type Line =
  | { op: 'add'; key: string; type: string; body: string; at: number }
  | { op: 'done'; key: string; at: number }
  | { op: 'dead'; key: string; at: number; reason: string };

/** An outbox in one append-only JSON-lines file (see the top of this file). */
export class FileOutbox implements Outbox {
  readonly path: string;
  readonly #fsync: boolean;
  readonly #keepDelivered: number;
  readonly #compactAfter: number;
  readonly #now: () => number;
  readonly #pending = new Map<string, OutboxEntry>();
  readonly #finished = new Map<string, 'done' | 'dead'>();
  #fd: number;
  /** Lines in the file; compaction would keep `pending + finished` of them. */
  #lines = 0;

  constructor(path: string, options: FileOutboxOptions = {}) {
    this.path = path;
    this.#fsync = options.fsync ?? true;
    this.#keepDelivered = options.keepDelivered ?? 10_000;
    this.#compactAfter = options.compactAfter ?? 1_000;
    this.#now = options.now ?? Date.now;
    this.#load();
    this.#fd = openSync(path, 'a');
  }

  /** Entries not yet delivered, oldest first. */
  get pending(): number {
    return this.#pending.size;
  }

  /** The oldest undelivered entry. */
  peek(): OutboxEntry | undefined {
    return this.#pending.values().next().value;
  }

  /** Whether `key` is waiting, delivered or given up (so adding it again would be a repeat). */
  has(key: string): boolean {
    return this.#pending.has(key) || this.#finished.has(key);
  }

  /** Durably adds an entry; returns false (and writes nothing) when the key is already known. */
  add(entry: { key: string; type: string; body: string }): boolean {
    if (this.has(entry.key)) return false;
    const full: OutboxEntry = { ...entry, at: this.#now() };
    this.#append({ op: 'add', ...full });
    this.#pending.set(full.key, full);
    return true;
  }

  /** Marks the entry delivered. */
  markDone(key: string): void {
    this.#finish(key, { op: 'done', key, at: this.#now() });
  }

  /** Marks the entry given up, with the reason. */
  markDead(key: string, reason: string): void {
    this.#finish(key, { op: 'dead', key, at: this.#now(), reason });
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }

  #finish(key: string, line: Line & { op: 'done' | 'dead' }): void {
    if (!this.#pending.has(key)) return;
    this.#append(line);
    this.#pending.delete(key);
    this.#remember(key, line.op);
    if (this.#lines - (this.#pending.size + this.#finished.size) >= this.#compactAfter) this.#compact();
  }

  #remember(key: string, state: 'done' | 'dead'): void {
    this.#finished.delete(key);
    this.#finished.set(key, state);
    if (this.#finished.size > this.#keepDelivered) {
      const oldest = this.#finished.keys().next().value;
      if (oldest !== undefined) this.#finished.delete(oldest);
    }
  }

  #append(line: Line): void {
    if (this.#fd < 0) throw new Error(`Outbox ${this.path} is closed`);
    const data = Buffer.from(`${JSON.stringify(line)}\n`);
    let written = 0;
    while (written < data.length) written += writeSync(this.#fd, data, written);
    if (this.#fsync) fsyncSync(this.#fd);
    this.#lines += 1;
  }

  #load(): void {
    if (!existsSync(this.path)) return;
    const text = readFileSync(this.path, 'utf8');
    const lines = text.split('\n');
    // Everything after the last newline is a write that never finished.
    const complete = lines.slice(0, -1);
    const torn = lines[lines.length - 1] ?? '';
    complete.forEach((raw, index) => {
      if (raw.trim() === '') return;
      this.#lines += 1;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        throw new OutboxCorruptError(this.path, index + 1);
      }
      if (line.op === 'add' && typeof line.key === 'string' && typeof line.body === 'string') {
        if (!this.has(line.key)) this.#pending.set(line.key, { key: line.key, type: line.type, body: line.body, at: line.at });
      } else if ((line.op === 'done' || line.op === 'dead') && typeof line.key === 'string') {
        this.#pending.delete(line.key);
        this.#remember(line.key, line.op);
      } else {
        throw new OutboxCorruptError(this.path, index + 1);
      }
    });
    if (torn !== '') {
      const fd = openSync(this.path, 'r+');
      try {
        ftruncateSync(fd, Buffer.byteLength(text) - Buffer.byteLength(torn));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }

  /** Rewrites the file with the pending entries and the remembered finished keys only. */
  #compact(): void {
    const at = this.#now();
    const lines: string[] = [];
    // Finished keys first: on load they are known before any pending entry.
    for (const [key, op] of this.#finished) lines.push(JSON.stringify(op === 'done' ? { op, key, at } : { op, key, at, reason: 'compacted' }));
    for (const entry of this.#pending.values()) lines.push(JSON.stringify({ op: 'add', ...entry }));
    // Temp file, fsync, rename: a crash leaves the old file or the new one, never half of either.
    writeFileAtomic.sync(this.path, lines.length === 0 ? '' : `${lines.join('\n')}\n`, { fsync: true });
    closeSync(this.#fd);
    this.#fd = openSync(this.path, 'a');
    this.#lines = this.#finished.size + this.#pending.size;
  }
}
