import { isSid } from '../exotel/limits.js';
import type { CallHint } from './types.js';

/** Options of a `HintQueue`. */
export interface HintQueueOptions {
  /** Re-reads of a hinted Sid that does not come back (not listed yet, or not the stream's) before it is given up. @default 3 */
  attempts?: number;
  /** Wait before the second re-read; doubles after each. @default 30_000 */
  retryMs?: number;
  /** Hints kept at most; the oldest go first. @default 200_000 */
  capacity?: number;
}

interface Entry {
  sid: string;
  dateCreated: number | undefined;
  dueAt: number;
  attempts: number;
  /** Whether it was counted in `demand` since it last came due. */
  counted: boolean;
}

/**
 * Hints that calls ended (Exotel's `StatusCallback`, or any other source), waiting for the time
 * their records should have settled, to be re-read by Sid. Lossy and late by nature: a hint only
 * brings a read forward; nothing depends on it. Pure: every method takes `now` (the API's clock).
 */
export class HintQueue {
  readonly #entries = new Map<string, Entry>();
  readonly #attempts: number;
  readonly #retryMs: number;
  readonly #capacity: number;

  constructor(options: HintQueueOptions = {}) {
    this.#attempts = options.attempts ?? 3;
    this.#retryMs = options.retryMs ?? 30_000;
    this.#capacity = options.capacity ?? 200_000;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Takes a hint: its Sid is to be re-read `delayMs` after the call ended (`endedAt`, else now).
   * False for a Sid that cannot go into a `Sid=` list. A Sid hinted again keeps its earlier time.
   */
  add(hint: CallHint, now: number, delayMs: number): boolean {
    if (typeof hint !== 'object' || hint === null || !isSid(hint.sid)) return false;
    const endedAt = typeof hint.endedAt === 'number' && Number.isFinite(hint.endedAt) ? Math.min(hint.endedAt, now) : now;
    const dueAt = Math.max(now, endedAt + delayMs);
    const known = this.#entries.get(hint.sid);
    if (known !== undefined) {
      known.dueAt = Math.min(known.dueAt, dueAt);
      return true;
    }
    const dateCreated = typeof hint.dateCreated === 'number' && Number.isFinite(hint.dateCreated) ? hint.dateCreated : undefined;
    this.#entries.set(hint.sid, { sid: hint.sid, dateCreated, dueAt, attempts: 0, counted: false });
    // Oldest first out (a Map keeps insertion order).
    while (this.#entries.size > this.#capacity) this.#entries.delete(this.#entries.keys().next().value!);
    return true;
  }

  /** Drops a hinted Sid (its call turned out to be one the stream does not answer for). */
  drop(sid: string): void {
    this.#entries.delete(sid);
  }

  /**
   * The hinted Sids due at `now` for a re-read (at most `limit`, the longest queued first), and not
   * `known` (held or emitted already: those are dropped). Each one taken is due again later, in
   * case it does not come back, until its attempts run out; one left for `limit` stays due.
   * `demand` is how many came due since the last take (each counted once per attempt, however
   * long it waits): the rate of re-reads the hints ask for.
   */
  take(now: number, known: (sid: string) => boolean, limit = Number.POSITIVE_INFINITY): { sids: Array<{ sid: string; dateCreated?: number }>; demand: number } {
    const sids: Array<{ sid: string; dateCreated?: number }> = [];
    let demand = 0;
    for (const entry of this.#entries.values()) {
      if (known(entry.sid)) {
        this.#entries.delete(entry.sid);
        continue;
      }
      if (entry.dueAt > now) continue;
      if (!entry.counted) {
        entry.counted = true;
        demand++;
      }
      if (sids.length >= limit) continue;
      sids.push(entry.dateCreated === undefined ? { sid: entry.sid } : { sid: entry.sid, dateCreated: entry.dateCreated });
      entry.attempts++;
      entry.counted = false;
      if (entry.attempts >= this.#attempts) this.#entries.delete(entry.sid);
      else entry.dueAt = now + this.#retryMs * 2 ** (entry.attempts - 1);
    }
    return { sids, demand };
  }
}
