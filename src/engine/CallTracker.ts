import type { Call, RawCall } from '../exotel/types.js';
import type { CallStreamEvent, EmittedState, SettleContext } from './types.js';
import { assertOptionsObject, functionOption, integerOption, lookbackOption, settleOption } from '../exotel/assert.js';
import { InvalidOptionError } from '../exotel/errors.js';
import { readTrackedValues } from '../exotel/normalizeCall.js';
import type { NormalizeCallOptions } from '../exotel/normalizeCall.js';
import { classifyCall } from './classifyCall.js';
import { TrackedValues, applyFingerprint, changedFields } from './fingerprint.js';

/** Options of a `CallTracker`. All instants are epoch ms on the API's clock. */
export interface TrackerOptions {
  /** Longest a record is held waiting to settle; after that it is emitted as it is. An integer from 0 to `lookbackMs`. */
  settleMs: number;
  /** Whether a held record has settled (see `defaultIsSettled`). Called with a frozen context. */
  isSettled: (context: SettleContext) => boolean;
  /**
   * How far back a call may start and still be caught: emitted Sids are remembered this long, by
   * start time. An integer from 60,000 to 31 days, as `createCallStream`'s.
   */
  lookbackMs: number;
  /**
   * Emitted Sids are kept this much longer than `lookbackMs`, so that reads which reach a little
   * past the horizon (the skew margin, the shared edge second) never emit them again.
   * @default 600_000
   */
  retainMarginMs?: number;
}

interface Held {
  sid: string;
  firstSeen: number;
  call: Call;
}

interface Emitted {
  dateCreated: number;
  // The tracked values, compared on every re-read; null until a restored entry is first read again.
  values: TrackedValues | null;
  // As restored; null once `values` are set (their fingerprint is built when the store asks).
  fingerprint: string | null;
}

/**
 * One entry per Sid inside the lookback horizon: held (seen, waiting to settle) or emitted (its
 * fingerprint remembered, to tell a later change apart). Pure: every method takes `now`.
 */
export class CallTracker {
  readonly #settleMs: number;
  readonly #lookbackMs: number;
  readonly #retainMarginMs: number;
  readonly #isSettled: (context: SettleContext) => boolean;
  readonly #held = new Map<string, Held>();
  // Only the tracked values (and their fingerprint, for the store) are kept after emission: memory
  // stays small at high call rates, and the same `previous` is rebuilt before and after a restart.
  readonly #emitted = new Map<string, Emitted>();
  // A Sid `unchanged` just found not emitted, so that `observe` of that record, which comes next,
  // looks it up once. Invariant: never a Sid in #emitted (every insertion of a new Sid clears it).
  #notEmitted: string | undefined;

  constructor(options: TrackerOptions) {
    assertOptionsObject('options', options);
    // The rules of `createCallStream`'s options of the same names; here none has a default.
    for (const name of ['settleMs', 'lookbackMs', 'isSettled'] as const) {
      if (options[name] === undefined) throw new InvalidOptionError(name, name === 'isSettled' ? 'a function' : 'an integer of milliseconds', undefined);
    }
    this.#lookbackMs = lookbackOption(options.lookbackMs);
    this.#settleMs = settleOption(options.settleMs, this.#lookbackMs);
    this.#retainMarginMs = integerOption('retainMarginMs', options.retainMarginMs, 0, Number.MAX_SAFE_INTEGER, 600_000);
    this.#isSettled = functionOption<(context: SettleContext) => boolean>('isSettled', options.isSettled)!;
  }

  /** Records held (seen, waiting to settle). */
  get heldCount(): number {
    return this.#held.size;
  }

  /** Sids tracked, held and emitted. */
  get size(): number {
    return this.#held.size + this.#emitted.size;
  }

  /**
   * A record as just read. Returns the events it causes now (0 or 1): its first emission once it
   * has settled (or was held `settleMs`), or a `callUpdated` when a tracked field changed after
   * emission. Reading the same Sid again with nothing changed returns nothing.
   * A throwing `isSettled` propagates; the record stays held with its latest values.
   */
  observe(call: Call, now: number): CallStreamEvent[] {
    const sid = call.sid;
    const emitted = sid === this.#notEmitted ? undefined : this.#emitted.get(sid);
    if (emitted) return this.#update(call, emitted);

    const held = this.#held.get(sid);
    if (held === undefined) {
      // First read: most records arrive settled, so they go straight to emitted, never held.
      let settled: boolean;
      try {
        settled = this.#settleMs === 0 || this.#isSettled(Object.freeze({ call, heldMs: 0 }));
      } catch (error) {
        this.#held.set(sid, { sid, firstSeen: now, call });
        throw error;
      }
      if (settled) return [this.#emitCall(sid, call)];
      this.#held.set(sid, { sid, firstSeen: now, call });
      return [];
    }
    held.call = call;
    const heldMs = Math.max(0, now - held.firstSeen);
    if (heldMs >= this.#settleMs || this.#isSettled(Object.freeze({ call, heldMs }))) return [this.#emit(held)];
    return [];
  }

  /**
   * Whether observing the record `raw` (as read, before `normalizeCall(raw, options)`) would cause
   * nothing and change nothing: its Sid was emitted and re-read since (a restored entry knows
   * only a fingerprint), it normalizes without error, and its tracked values and `dateUpdated`
   * equal the remembered ones. Then the record can be dropped unnormalized, most reads being such
   * re-reads. False whenever in doubt (held or new Sids, malformed records, `options.details`):
   * normalize and `observe` those.
   */
  unchanged(raw: unknown, options: NormalizeCallOptions): boolean {
    if (raw === null || typeof raw !== 'object') return false;
    const sid = (raw as RawCall).Sid;
    if (typeof sid !== 'string') return false;
    const entry = this.#emitted.get(sid);
    if (entry === undefined) {
      this.#notEmitted = sid;
      return false;
    }
    const values = entry.values;
    if (values === null) return false;
    const read = readTrackedValues(raw, options);
    return read !== undefined && values.matchesRead(read);
  }

  /** Held records whose `settleMs` has run out by `now`: emitted now, as they are, oldest first. */
  expire(now: number): CallStreamEvent[] {
    const events: CallStreamEvent[] = [];
    for (const held of this.#heldOldestFirst()) {
      if (held.firstSeen + this.#settleMs <= now) events.push(this.#emit(held));
    }
    return events;
  }

  /** Sids held (seen, not yet emitted), oldest first: to be re-read by Sid. */
  heldSids(): string[] {
    return this.#heldOldestFirst().map((h) => h.sid);
  }

  /** Held records as the planner re-reads them: Sid and start (epoch ms), oldest first. */
  heldRefs(): Array<{ sid: string; dateCreated: number }> {
    return this.#heldOldestFirst().map((h) => ({ sid: h.sid, dateCreated: h.call.dateCreated.getTime() }));
  }

  /** Held records for the store: sid → start (epoch ms). A fresh object. */
  heldState(): Record<string, number> {
    const state: Record<string, number> = {};
    for (const held of this.#held.values()) state[held.sid] = held.call.dateCreated.getTime();
    return state;
  }

  /** Whether `sid` is tracked (held or emitted). */
  has(sid: string): boolean {
    return this.#held.has(sid) || this.#emitted.has(sid);
  }

  /** The earliest instant at which `expire` will emit something, or null when nothing is held. */
  nextExpiry(): number | null {
    let first: number | null = null;
    for (const held of this.#held.values()) {
      if (first === null || held.firstSeen < first) first = held.firstSeen;
    }
    return first === null ? null : first + this.#settleMs;
  }

  /**
   * Forgets emitted Sids that started before `now - lookbackMs - retainMarginMs` (memory bounded
   * by the horizon, not by uptime). `keepFrom` lowers that bound while older windows are still to
   * be read (a catch-up after a restart: see `ReadPlanner.oldestPlanned`), so that they are not
   * emitted twice. Held records are kept until emitted: `settleMs` bounds them.
   */
  prune(now: number, keepFrom?: number): void {
    let horizon = now - this.#lookbackMs - this.#retainMarginMs;
    if (keepFrom !== undefined && Number.isFinite(keepFrom) && keepFrom < horizon) horizon = keepFrom;
    for (const [sid, entry] of this.#emitted) {
      if (entry.dateCreated < horizon) this.#emitted.delete(sid);
    }
  }

  /** Emitted entries, for the store: sid → { dateCreated, fingerprint }. A fresh object. */
  emittedState(): EmittedState {
    const state: EmittedState = {};
    for (const [sid, entry] of this.#emitted) {
      state[sid] = { dateCreated: entry.dateCreated, fingerprint: entry.values === null ? (entry.fingerprint ?? '') : entry.values.fingerprint };
    }
    return state;
  }

  /**
   * Restores what a store remembered: those Sids are never emitted again as callCompleted or
   * callFailed, and a later change to one is a `callUpdated` against the remembered values.
   * Entries already emitted by this tracker win (they are newer). Throws a TypeError naming the
   * Sid on an entry of the wrong shape.
   */
  restore(emitted: EmittedState): void {
    if (typeof emitted !== 'object' || emitted === null) throw new TypeError(`Expected the emitted state to be an object, got ${String(emitted)}`);
    for (const [sid, entry] of Object.entries(emitted)) {
      if (
        typeof entry !== 'object' ||
        entry === null ||
        typeof entry.dateCreated !== 'number' ||
        !Number.isFinite(entry.dateCreated) ||
        typeof entry.fingerprint !== 'string'
      ) {
        throw new TypeError(`Expected the emitted entry of Sid ${JSON.stringify(sid)} to be { dateCreated: number, fingerprint: string }`);
      }
      if (this.#emitted.has(sid)) continue;
      this.#held.delete(sid);
      this.#notEmitted = undefined;
      this.#emitted.set(sid, { dateCreated: entry.dateCreated, values: null, fingerprint: entry.fingerprint });
    }
  }

  #emit(held: Held): CallStreamEvent {
    this.#held.delete(held.sid);
    return this.#emitCall(held.sid, held.call);
  }

  #emitCall(sid: string, call: Call): CallStreamEvent {
    const values = new TrackedValues(call);
    this.#notEmitted = undefined;
    this.#emitted.set(sid, { dateCreated: call.dateCreated.getTime(), values, fingerprint: null });
    return { type: classifyCall(call), call };
  }

  #update(call: Call, emitted: Emitted): CallStreamEvent[] {
    // The common case, a re-read with nothing changed: no string built.
    if (emitted.values !== null && emitted.values.matches(call)) return [];
    // Changed, or restored (only the fingerprint known, maybe of another version).
    const remembered = emitted.values === null ? (emitted.fingerprint ?? '') : emitted.values.fingerprint;
    const values = new TrackedValues(call);
    emitted.values = values;
    emitted.fingerprint = null;
    if (values.fingerprint === remembered) return [];
    emitted.dateCreated = call.dateCreated.getTime();
    let previous: Call;
    try {
      previous = applyFingerprint(call, remembered);
    } catch {
      // A fingerprint from another version cannot say what changed: take this read as the baseline.
      return [];
    }
    const changes = changedFields(previous, call);
    return changes.length === 0 ? [] : [{ type: 'callUpdated', call, previous, changes }];
  }

  #heldOldestFirst(): Held[] {
    // Map order is first-seen order when `now` only moves forward; sort anyway, it is small.
    return [...this.#held.values()].sort((a, b) => a.firstSeen - b.firstSeen);
  }
}
