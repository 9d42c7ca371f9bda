import type { CallHint } from '../src/engine/types.js';
import { hash32, mulberry32 } from '../src/simulator/random.js';
import type { Random } from '../src/simulator/random.js';
import type { Simulator } from '../src/simulator/types.js';

/** Which hints a scenario sends: shares of all calls, and how long after a call's end each comes. */
export interface HintOptions {
  /** Share of calls whose end is hinted, 0 to 1 (the rest are never hinted: "dropped"). */
  share: number;
  /** Share of calls whose hint comes late, 0 to `share` (taken from the hinted ones). */
  lateShare: number;
  /** When an on-time hint comes after the call's end, ms (seeded uniform). @default { min: 0, max: 5_000 } */
  delayMs?: { min: number; max: number };
  /** When a late hint comes after the call's end, ms (seeded uniform). @default { min: 180_000, max: 300_000 } */
  lateDelayMs?: { min: number; max: number };
}

/** When hints come after a call's end, unless `HintOptions` says otherwise. */
export const HINT_DELAY_DEFAULTS = { delayMs: { min: 0, max: 5_000 }, lateDelayMs: { min: 180_000, max: 300_000 } } as const;

/** What became of the hints whose time has come (calls ended, plus their delay, before now). */
export interface HintCounts {
  /** Hints handed to the stream, late ones included. */
  sent: number;
  /** Of those, the late ones. */
  late: number;
  /** Calls whose hint never came. */
  dropped: number;
  /** Hints the stream refused (`hint()` answered false). */
  refused: number;
}

/** What a call's hint does: comes on time, late, or never. */
export type HintFate = 'onTime' | 'late' | 'dropped';

interface Pending {
  sid: string;
  startAt: number;
  endAt: number;
  fate: HintFate;
}

const SECOND = 1000;

function assertShare(name: string, value: unknown, max: number): void {
  if (!(typeof value === 'number' && value >= 0 && value <= max)) throw new TypeError(`Expected \`${name}\` to be a number from 0 to ${max}, got \`${String(value)}\` (${typeof value})`);
}

function assertRange(name: string, value: unknown): void {
  const ok = typeof value === 'object' && value !== null && Number.isFinite((value as { min: unknown }).min) && Number.isFinite((value as { max: unknown }).max) && (value as { min: number }).min >= 0 && (value as { min: number }).min <= (value as { max: number }).max;
  if (!ok) throw new TypeError(`Expected \`${name}\` to be \`{ min, max }\` with 0 <= min <= max (ms), got \`${JSON.stringify(value)}\` (${typeof value})`);
}

/** A call's own random stream: the Sid's characters folded in with the seed (the simulator's PRNG and hash). */
function sidRandom(sid: string, seed: number): Random {
  let h = 0x811c9dc5;
  for (let i = 0; i < sid.length; i++) h = Math.imul(h ^ sid.charCodeAt(i), 0x01000193) >>> 0;
  return mulberry32(hash32(seed, h));
}

/**
 * Exotel's `StatusCallback`, fed in process from the simulator's ground truth: each call that
 * starts is looked at once (`sim.calls` by start time, from where the last look stopped), its
 * fate drawn from its Sid and the seed (so the scoring can ask `fate(sid)` again without keeping
 * anything per call), and its hint queued by the second it is due (the call's end plus its delay).
 * `advance(now)` hands the hints due by `now` to `send`. O(calls) over a run, memory for the calls
 * in progress and the hints on their way only.
 */
export class HintFeed {
  readonly counts: HintCounts = { sent: 0, late: 0, dropped: 0, refused: 0 };
  readonly #sim: Simulator;
  readonly #send: (hint: CallHint) => boolean;
  readonly #seed: number;
  readonly #share: number;
  readonly #lateShare: number;
  readonly #delay: { min: number; max: number };
  readonly #lateDelay: { min: number; max: number };
  /** Due second → the hints (and dropped calls) due then. */
  readonly #due = new Map<number, Pending[]>();
  /** Calls that start from here on have not been looked at. */
  #cursor: number;
  /** Every second up to this one has been handed out. */
  #doneSecond: number;

  constructor(options: HintOptions & { sim: Simulator; send: (hint: CallHint) => boolean; seed: number; from: number }) {
    assertShare('hints.share', options.share, 1);
    assertShare('hints.lateShare', options.lateShare, options.share);
    const delay = options.delayMs ?? HINT_DELAY_DEFAULTS.delayMs;
    const lateDelay = options.lateDelayMs ?? HINT_DELAY_DEFAULTS.lateDelayMs;
    assertRange('hints.delayMs', delay);
    assertRange('hints.lateDelayMs', lateDelay);
    this.#sim = options.sim;
    this.#send = options.send;
    this.#seed = options.seed;
    this.#share = options.share;
    this.#lateShare = options.lateShare;
    this.#delay = delay;
    this.#lateDelay = lateDelay;
    this.#cursor = options.from;
    this.#doneSecond = Math.floor(options.from / SECOND) - 1;
  }

  /** What a call's hint does, the same every time it is asked. */
  fate(sid: string): HintFate {
    return this.#draw(sid).fate;
  }

  /** A call's fate, and its random stream left for the delay. */
  #draw(sid: string): { fate: HintFate; rnd: Random } {
    const rnd = sidRandom(sid, this.#seed);
    const u = rnd();
    return { fate: u < this.#lateShare ? 'late' : u < this.#share ? 'onTime' : 'dropped', rnd };
  }

  /** Looks at the calls started up to `now` and hands out the hints due by `now`, in due order. */
  advance(now: number): void {
    if (now >= this.#cursor) {
      for (const call of this.#sim.calls({ from: this.#cursor, to: now })) {
        const { fate, rnd } = this.#draw(call.sid);
        const range = fate === 'late' ? this.#lateDelay : this.#delay;
        const delay = fate === 'dropped' ? 0 : range.min + rnd() * (range.max - range.min);
        const second = Math.floor((call.endAt + delay) / SECOND);
        const pending: Pending = { sid: call.sid, startAt: call.startAt, endAt: call.endAt, fate };
        // Due already (a look that came late): handed out with this advance.
        const at = Math.max(second, this.#doneSecond + 1);
        const bucket = this.#due.get(at);
        if (bucket === undefined) this.#due.set(at, [pending]);
        else bucket.push(pending);
      }
      this.#cursor = now + 1;
    }
    const last = Math.floor(now / SECOND);
    for (let second = this.#doneSecond + 1; second <= last; second++) {
      const bucket = this.#due.get(second);
      if (bucket === undefined) continue;
      this.#due.delete(second);
      for (const p of bucket) this.#deliver(p);
    }
    this.#doneSecond = Math.max(this.#doneSecond, last);
  }

  #deliver(p: Pending): void {
    if (p.fate === 'dropped') {
      this.counts.dropped++;
      return;
    }
    // What a StatusCallback carries: naive timestamps of whole seconds, read back as epoch ms.
    const ok = this.#send({ sid: p.sid, endedAt: Math.floor(p.endAt / SECOND) * SECOND, dateCreated: Math.floor(p.startAt / SECOND) * SECOND });
    this.counts.sent++;
    if (p.fate === 'late') this.counts.late++;
    if (!ok) this.counts.refused++;
  }
}
