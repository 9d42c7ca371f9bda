/**
 * The API's clock, as read from the `Date` headers of its answers. What the API lists is decided by
 * its clock, not ours, so every window, cursor and coverage record is placed on it.
 *
 * One answer bounds the offset (API time minus local time): the server stamped `Date` (whole
 * seconds, rounded down) between our sending the request and receiving the answer, so
 * `Date − receivedAt ≤ offset < Date + 1 s − sentAt`. Answers narrow the interval; `lowerBound()`
 * is its low end, an instant the API's clock has certainly reached. An answer that does not fit
 * the interval (after allowing for drift) is a jump — of either clock — and starts a new interval;
 * a jump backwards is reported to `onJump`, so that records made on the old reading can be moved.
 * Before any answer with a `Date` header, the clocks are assumed within `assumedSkewMs` of each
 * other.
 */

/** Options of an `ApiClock`. */
export interface ApiClockOptions {
  /**
   * How far the API's clock may be from ours before any answer told (and when answers carry no
   * `Date` header): the lower bound is then `local − assumedSkewMs`. @default 60_000
   */
  assumedSkewMs?: number;
  /** Allowed drift between the two clocks, in parts per million of elapsed time. @default 200 */
  driftPpm?: number;
}

/** A backwards jump of the API's clock: instants read before it are up to `deltaMs` ahead of the new reading. */
export interface ClockJump {
  /** Negative: how far back the API's clock went, at most. */
  readonly deltaMs: number;
}

export class ApiClock {
  readonly #assumedSkewMs: number;
  readonly #drift: number;
  #low = 0;
  #high = 0;
  /** Local time of the latest sample. */
  #sampledAt: number | null = null;
  readonly #jumpListeners = new Set<(jump: ClockJump) => void>();

  constructor(options: ApiClockOptions = {}) {
    this.#assumedSkewMs = options.assumedSkewMs ?? 60_000;
    this.#drift = (options.driftPpm ?? 200) / 1e6;
  }

  /** Whether an answer with a `Date` header has been seen. */
  get known(): boolean {
    return this.#sampledAt !== null;
  }

  /** API time minus local time, ms: the interval's low end (0 before any answer, as the client always said). */
  get offsetMs(): number {
    return this.#sampledAt === null ? 0 : this.#low;
  }

  /** The width of what is known about the offset (ms), or null before any answer. */
  get uncertaintyMs(): number | null {
    return this.#sampledAt === null ? null : this.#high - this.#low;
  }

  /**
   * An instant the API's clock has certainly reached at local time `localMs` (epoch ms): local time
   * plus the offset's low end, less the drift allowed since the last answer; before any answer,
   * local time less `assumedSkewMs`.
   */
  lowerBound(localMs: number): number {
    if (this.#sampledAt === null) return localMs - this.#assumedSkewMs;
    return localMs + this.#low - this.#drift * Math.abs(localMs - this.#sampledAt);
  }

  /** The best estimate of the API's time at local time `localMs`: the offset's low end (0 before any answer). */
  estimate(localMs: number): number {
    return localMs + this.offsetMs;
  }

  /** Calls `listener` on every backwards jump of the API's clock; returns a function that removes it. */
  onJump(listener: (jump: ClockJump) => void): () => void {
    this.#jumpListeners.add(listener);
    return () => this.#jumpListeners.delete(listener);
  }

  /**
   * One answer: sent at local `sentAt`, its headers received at local `receivedAt`, with the
   * server's `Date` header (epoch ms, whole seconds) or undefined when it had none.
   */
  observe(sentAt: number, receivedAt: number, serverDateMs: number | undefined): void {
    if (serverDateMs === undefined || !Number.isFinite(serverDateMs) || !Number.isFinite(sentAt) || !Number.isFinite(receivedAt)) return;
    const low = serverDateMs - receivedAt;
    const high = serverDateMs + 1000 - Math.min(sentAt, receivedAt);
    if (this.#sampledAt === null) {
      this.#low = low;
      this.#high = high;
      this.#sampledAt = receivedAt;
      return;
    }
    const slack = this.#drift * Math.abs(receivedAt - this.#sampledAt);
    const previousLow = this.#low - slack;
    const previousHigh = this.#high + slack;
    this.#sampledAt = receivedAt;
    if (high < previousLow) {
      // The API's clock went back (or ours forward): what was read on the old reading may be up to
      // previousHigh − low ahead of the new one.
      const deltaMs = -(previousHigh - low);
      this.#low = low;
      this.#high = high;
      for (const listener of this.#jumpListeners) listener(Object.freeze({ deltaMs }));
      return;
    }
    if (low > previousHigh) {
      // Forwards: what was recorded is older than it looks, which is safe.
      this.#low = low;
      this.#high = high;
      return;
    }
    this.#low = Math.max(previousLow, low);
    this.#high = Math.min(previousHigh, high);
  }
}
