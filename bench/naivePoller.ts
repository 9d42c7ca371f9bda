import { ExotelClient } from '../src/exotel/ExotelClient.js';
import { normalizeCall } from '../src/exotel/normalizeCall.js';
import type { Call } from '../src/exotel/types.js';

/** Options of the naive poller: what a user writes in an afternoon. */
export interface NaivePollerOptions {
  client: ExotelClient;
  /** @default 15_000 */
  pollIntervalMs?: number;
  /** @default 7_200_000 */
  lookbackMs?: number;
  /** Emit a record as it is once it has been seen unsettled this long. @default 300_000 */
  settleMs?: number;
  /** @default 'Asia/Kolkata' */
  timeZone?: string;
  /** Told of each call once. */
  onEmit: (call: Call) => void;
}

const settled = (call: Call) => call.duration !== null && call.price !== null && call.endTime !== null;

/**
 * The loop users write instead of this library: every poll interval, read the whole lookback
 * window page by page, remember the Sids seen, and emit a call once its Duration, Price and
 * EndTime are filled in (or after waiting `settleMs`). One pass at a time: a slow pass delays the
 * next one, as `while (true) { await pass(); await sleep(interval) }` does.
 */
export class NaivePoller {
  readonly #client: ExotelClient;
  readonly #pollMs: number;
  readonly #lookbackMs: number;
  readonly #settleMs: number;
  readonly #timeZone: string;
  readonly #onEmit: (call: Call) => void;
  readonly #seen = new Set<string>();
  readonly #pending = new Map<string, number>();
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;
  /** Passes completed, and the last one's length (ms), to tell how far behind it runs. */
  passes = 0;
  lastPassMs = 0;

  constructor(options: NaivePollerOptions) {
    this.#client = options.client;
    this.#pollMs = options.pollIntervalMs ?? 15_000;
    this.#lookbackMs = options.lookbackMs ?? 7_200_000;
    this.#settleMs = options.settleMs ?? 300_000;
    this.#timeZone = options.timeZone ?? 'Asia/Kolkata';
    this.#onEmit = options.onEmit;
  }

  start(): void {
    this.#loop ??= this.#run().catch((error: unknown) => {
      if (!this.#abort.signal.aborted) throw error;
    });
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    await this.#client.close();
  }

  async #run(): Promise<void> {
    while (!this.#abort.signal.aborted) {
      const started = Date.now();
      try {
        await this.#pass(started);
        this.passes++;
        this.lastPassMs = Date.now() - started;
      } catch (error) {
        if (this.#abort.signal.aborted) return;
        // A failed pass is simply retried at the next interval, as a user's loop would.
        void error;
      }
      const wait = Math.max(0, this.#pollMs - (Date.now() - started));
      await new Promise<void>((resolve) => setTimeout(resolve, wait));
    }
  }

  async #pass(now: number): Promise<void> {
    const query = { dateCreated: { gte: now - this.#lookbackMs, lte: now }, pageSize: 100 };
    for await (const page of this.#client.listAll(query, { signal: this.#abort.signal })) {
      const at = Date.now();
      for (const raw of page.calls) {
        const sid = raw.Sid;
        if (typeof sid !== 'string' || this.#seen.has(sid)) continue;
        const call = normalizeCall(raw, { timeZone: this.#timeZone });
        const firstSeen = this.#pending.get(sid) ?? at;
        if (settled(call) || at - firstSeen >= this.#settleMs) {
          this.#seen.add(sid);
          this.#pending.delete(sid);
          this.#onEmit(call);
        } else if (!this.#pending.has(sid)) {
          this.#pending.set(sid, at);
        }
      }
    }
  }
}
