/**
 * The calls of one account, stored column-wise (typed arrays) so that millions of generated calls
 * stay compact; records are built on read. Ids are positions in the columns; `order` keeps them
 * sorted by the listing key (DateCreated second, then Sid), and `buckets` keep the long calls apart
 * so that a `Duration=gte:` sweep does not scan everything.
 */
import type { CallDirection, CallStatus, RawCall, RawCallDetails } from '../exotel/types.js';
import { formatNaive } from '../exotel/time.js';
import type { CorrectionFields } from './types.js';
import { SortedIds } from './sortedIds.js';
import { hash32 } from './random.js';

export const STATUSES: readonly CallStatus[] = ['completed', 'failed', 'busy', 'no-answer', 'canceled'];
export const DIRECTIONS: readonly CallDirection[] = ['inbound', 'outbound-api', 'outbound-dial'];
/** Duration thresholds (seconds) of the long-call index. */
export const DURATION_BUCKETS: readonly number[] = [60, 300, 1200, 3600];

export const F_SCRIPTED = 1;
export const F_CORRECTED = 2;
const F_CUSTOM_SID = 4;

const SID_MULT = 0x9e3779b1;
const SID_MULT_INV = (() => {
  // Newton's iteration for the inverse of an odd number modulo 2^32.
  let x = SID_MULT;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(SID_MULT, x));
  return x >>> 0;
})();
const SCRIPTED_TAG = 0x80000000;

export interface Correction {
  at: number;
  fields: CorrectionFields;
}

interface ScriptedInfo {
  sid?: string;
  from: string;
  to: string;
  phoneNumber: string;
}

/** The values of a call's changing fields at one instant. */
export interface CallState {
  settled: boolean;
  status: string;
  durationSec: number | null;
  price: number | null;
  /** Epoch ms, or naive text given by a correction. */
  endTime: number | string | null;
  recordingUrl: string | null;
  updatedAt: number;
}

export interface RenderOptions {
  timeZone: string;
  numbersAsStrings: boolean;
  emptyNull: boolean;
  answeredByCase: 'lower' | 'upper' | 'title' | 'varied';
}

const ANSWERED_BY = { lower: 'human', upper: 'HUMAN', title: 'Human' } as const;
const ANSWERED_BY_VARIED = ['human', 'HUMAN', 'Human'] as const;

/** Fields of a new call, as the traffic generator or `addCall()` produce them. */
export interface NewCall {
  startAt: number;
  ringMs: number;
  talkMs: number;
  settleDelayMs: number;
  status: number;
  direction: number;
  priceMilli: number;
  phone: number;
  agent: number;
  customer: number;
  sidWords: [number, number, number];
  corrections?: Correction[] | undefined;
  /** Correction times relative to settling; turned into absolute times on insert. */
  correctionsAfter?: Array<{ afterMs: number; fields: CorrectionFields }> | undefined;
  scripted?: ScriptedInfo;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** E.164 number pools: ExoPhones, agents, customers. */
export class NumberPools {
  readonly exoPhones: string[];
  readonly agents: string[];
  readonly customers: string[];
  private readonly index = new Map<string, { kind: 'exo' | 'agent' | 'customer'; i: number }>();

  constructor(exoPhones: number, agents: number, customers: number) {
    this.exoPhones = Array.from({ length: exoPhones }, (_, i) => `+918047${pad(i + 1, 6)}`);
    this.agents = Array.from({ length: agents }, (_, i) => `+9198${pad(i + 1, 8)}`);
    this.customers = Array.from({ length: customers }, (_, i) => `+917${pad(i + 1, 9)}`);
    this.exoPhones.forEach((n, i) => this.index.set(n, { kind: 'exo', i }));
    this.agents.forEach((n, i) => this.index.set(n, { kind: 'agent', i }));
    this.customers.forEach((n, i) => this.index.set(n, { kind: 'customer', i }));
  }

  lookup(number: string): { kind: 'exo' | 'agent' | 'customer'; i: number } | undefined {
    return this.index.get(number);
  }
}

export class CallTable {
  n = 0;
  private cap = 0;
  start = new Float64Array(0);
  end = new Float64Array(0);
  settle = new Float64Array(0);
  dur = new Int32Array(0);
  talk = new Int32Array(0);
  priceMilli = new Int32Array(0);
  status = new Uint8Array(0);
  dir = new Uint8Array(0);
  flags = new Uint8Array(0);
  phone = new Int32Array(0);
  agent = new Int32Array(0);
  customer = new Int32Array(0);
  sidw = new Uint32Array(0);

  readonly order: SortedIds;
  readonly buckets: SortedIds[];
  readonly scripted = new Map<number, ScriptedInfo>();
  readonly corrections = new Map<number, Correction[]>();
  private readonly customSids = new Map<string, number>();
  private genToId = new Int32Array(1024);
  private genCount = 0;
  private readonly scriptedToId: number[] = [];
  /** Bumped on every insert, so cached totals know when they are stale. */
  version = 0;

  constructor(
    readonly accountSid: string,
    private readonly sidKey: number,
    readonly pools: NumberPools,
    readonly render: RenderOptions,
  ) {
    const cmp = (a: number, b: number) => this.compare(a, b);
    this.order = new SortedIds(cmp);
    this.buckets = DURATION_BUCKETS.map(() => new SortedIds(cmp));
    this.grow(1024);
  }

  private grow(min: number): void {
    if (min <= this.cap) return;
    let cap = Math.max(this.cap, 1024);
    while (cap < min) cap *= 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    const u8 = (a: Uint8Array) => {
      const b = new Uint8Array(cap);
      b.set(a);
      return b;
    };
    this.start = f64(this.start);
    this.end = f64(this.end);
    this.settle = f64(this.settle);
    this.dur = i32(this.dur);
    this.talk = i32(this.talk);
    this.priceMilli = i32(this.priceMilli);
    this.status = u8(this.status);
    this.dir = u8(this.dir);
    this.flags = u8(this.flags);
    this.phone = i32(this.phone);
    this.agent = i32(this.agent);
    this.customer = i32(this.customer);
    const s = new Uint32Array(cap * 4);
    s.set(this.sidw);
    this.sidw = s;
    this.cap = cap;
  }

  /** Adds calls (any order); returns their ids. Generated calls must come in generation order. */
  insert(calls: NewCall[]): number[] {
    this.grow(this.n + calls.length);
    const ids: number[] = [];
    for (const c of calls) {
      const id = this.n++;
      ids.push(id);
      const totalMs = c.ringMs + c.talkMs;
      this.start[id] = c.startAt;
      this.end[id] = c.startAt + totalMs;
      this.settle[id] = c.startAt + totalMs + c.settleDelayMs;
      this.dur[id] = Math.round(totalMs / 1000);
      this.talk[id] = Math.round(c.talkMs / 1000);
      this.priceMilli[id] = c.priceMilli;
      this.status[id] = c.status;
      this.dir[id] = c.direction;
      this.phone[id] = c.phone;
      this.agent[id] = c.agent;
      this.customer[id] = c.customer;
      let tag: number;
      let flags = 0;
      if (c.scripted) {
        flags |= F_SCRIPTED;
        this.scripted.set(id, c.scripted);
        tag = (SCRIPTED_TAG | this.scriptedToId.length) >>> 0;
        this.scriptedToId.push(id);
        if (c.scripted.sid !== undefined) {
          flags |= F_CUSTOM_SID;
          this.customSids.set(c.scripted.sid, id);
        }
      } else {
        if (this.genCount >= this.genToId.length) {
          const g = new Int32Array(this.genToId.length * 2);
          g.set(this.genToId);
          this.genToId = g;
        }
        tag = this.genCount;
        this.genToId[this.genCount++] = id;
      }
      const corr =
        c.corrections ?? c.correctionsAfter?.map((x) => ({ at: this.settle[id]! + x.afterMs, fields: x.fields }));
      if (corr && corr.length > 0) {
        flags |= F_CORRECTED;
        this.corrections.set(id, [...corr].sort((a, b) => a.at - b.at));
      }
      this.flags[id] = flags;
      this.sidw[id * 4] = c.sidWords[0];
      this.sidw[id * 4 + 1] = c.sidWords[1];
      this.sidw[id * 4 + 2] = c.sidWords[2];
      this.sidw[id * 4 + 3] = Math.imul((tag ^ this.sidKey) >>> 0, SID_MULT) >>> 0;
    }
    ids.sort((a, b) => this.compare(a, b));
    this.order.insertSorted(ids);
    const maxDur = ids.map((id) => this.maxDurationSec(id));
    DURATION_BUCKETS.forEach((threshold, b) => {
      const long = ids.filter((_, i) => maxDur[i]! >= threshold);
      if (long.length > 0) this.buckets[b]!.insertSorted(long);
    });
    this.version++;
    return ids;
  }

  /** When the last correction applies (or -Infinity). */
  lastCorrectionAt(id: number): number {
    if (!(this.flags[id]! & F_CORRECTED)) return -Infinity;
    const list = this.corrections.get(id)!;
    return list[list.length - 1]!.at;
  }

  /** The largest Duration the call ever shows, so the long-call index is a superset. */
  maxDurationSec(id: number): number {
    let max = this.dur[id]!;
    if (!(this.flags[id]! & F_CORRECTED)) return max;
    for (const c of this.corrections.get(id) ?? []) {
      const d = Number(c.fields.Duration);
      if (c.fields.Duration !== null && c.fields.Duration !== undefined && Number.isFinite(d) && d > max) max = d;
    }
    return max;
  }

  sec(id: number): number {
    return Math.floor(this.start[id]! / 1000);
  }

  sidOf(id: number): string {
    if (this.flags[id]! & F_CUSTOM_SID) return this.scripted.get(id)!.sid!;
    const o = id * 4;
    let s = '';
    for (let k = 0; k < 4; k++) s += this.sidw[o + k]!.toString(16).padStart(8, '0');
    return s;
  }

  /** Listing order: DateCreated second, then Sid. */
  compare(a: number, b: number): number {
    const d = this.sec(a) - this.sec(b);
    if (d !== 0) return d;
    if (((this.flags[a]! | this.flags[b]!) & F_CUSTOM_SID) === 0) {
      for (let k = 0; k < 4; k++) {
        const x = this.sidw[a * 4 + k]!;
        const y = this.sidw[b * 4 + k]!;
        if (x !== y) return x < y ? -1 : 1;
      }
      return 0;
    }
    const sa = this.sidOf(a);
    const sb = this.sidOf(b);
    return sa < sb ? -1 : sa > sb ? 1 : 0;
  }

  /** Compares a call with a cursor position (DateCreated second, Sid). */
  compareToKey(id: number, sec: number, sid: string): number {
    const d = this.sec(id) - sec;
    if (d !== 0) return d;
    const s = this.sidOf(id);
    return s < sid ? -1 : s > sid ? 1 : 0;
  }

  /** The id of a Sid, or undefined. O(1): generated Sids carry their ordinal, masked. */
  lookup(sid: string): number | undefined {
    const custom = this.customSids.get(sid);
    if (custom !== undefined) return custom;
    if (!/^[0-9a-f]{32}$/.test(sid)) return undefined;
    const w3 = Number.parseInt(sid.slice(24), 16) >>> 0;
    const tag = ((Math.imul(w3, SID_MULT_INV) >>> 0) ^ this.sidKey) >>> 0;
    const id = tag & SCRIPTED_TAG ? this.scriptedToId[tag & 0x7fffffff] : tag < this.genCount ? this.genToId[tag] : undefined;
    if (id === undefined || this.flags[id]! & F_CUSTOM_SID) return undefined;
    return this.sidOf(id) === sid ? id : undefined;
  }

  has(sid: string): boolean {
    return this.lookup(sid) !== undefined;
  }

  from(id: number): string {
    const s = this.scripted.get(id);
    if (s) return s.from;
    return this.dir[id] === 0 ? this.pools.customers[this.customer[id]!]! : this.pools.agents[this.agent[id]!]!;
  }

  to(id: number): string {
    const s = this.scripted.get(id);
    if (s) return s.to;
    return this.dir[id] === 0 ? this.pools.agents[this.agent[id]!]! : this.pools.customers[this.customer[id]!]!;
  }

  phoneNumber(id: number): string {
    return this.scripted.get(id)?.phoneNumber ?? this.pools.exoPhones[this.phone[id]!]!;
  }

  recordingUrl(id: number, sid = this.sidOf(id)): string {
    return `https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/${this.accountSid}/${sid}.mp3`;
  }

  /** The changing fields at `now` (assumes the call has ended); `withUrl: false` skips building the URL. */
  stateAt(id: number, now: number, withUrl = true, sid?: string): CallState {
    const settled = this.settle[id]! <= now;
    const status = STATUSES[this.status[id]!]!;
    const state: CallState = {
      settled,
      status,
      durationSec: settled ? this.dur[id]! : null,
      price: settled ? this.priceMilli[id]! / 1000 : null,
      endTime: settled ? this.end[id]! : null,
      recordingUrl: settled && status === 'completed' ? (withUrl ? this.recordingUrl(id, sid) : '') : null,
      updatedAt: settled ? this.settle[id]! : this.end[id]!,
    };
    if (this.flags[id]! & F_CORRECTED) {
      for (const c of this.corrections.get(id)!) {
        if (c.at > now) break;
        const f = c.fields;
        if ('Duration' in f) state.durationSec = toNumberOrNull(f.Duration);
        if ('Price' in f) state.price = toNumberOrNull(f.Price);
        if ('EndTime' in f) state.endTime = f.EndTime === undefined || f.EndTime === '' ? null : f.EndTime;
        if ('Status' in f) state.status = f.Status === null || f.Status === undefined ? '' : String(f.Status);
        if ('RecordingUrl' in f) state.recordingUrl = f.RecordingUrl === null || f.RecordingUrl === undefined ? null : String(f.RecordingUrl);
        state.updatedAt = c.at;
      }
    }
    return state;
  }

  /** The record as listed at `now`; undefined before the call ended (unless `ongoing`). */
  recordAt(id: number, now: number, details: boolean, ongoing = false): RawCall | undefined {
    const { timeZone, numbersAsStrings, emptyNull } = this.render;
    const empty = emptyNull ? null : '';
    const sid = this.sidOf(id);
    const ended = this.end[id]! <= now;
    if (!ended && !(ongoing && this.start[id]! <= now)) return undefined;
    const state: CallState = ended
      ? this.stateAt(id, now, true, sid)
      : { settled: false, status: 'in-progress', durationSec: null, price: null, endTime: null, recordingUrl: null, updatedAt: this.start[id]! };
    const created = formatNaive(this.start[id]!, timeZone);
    const phoneNumber = this.phoneNumber(id);
    const num = (v: number | null, digits: number): string | number | null =>
      v === null ? empty : numbersAsStrings ? (digits ? v.toFixed(digits) : String(v)) : digits ? Math.round(v * 1000) / 1000 : v;
    const record: RawCall = {
      Sid: sid,
      ParentCallSid: '',
      DateCreated: created,
      DateUpdated: formatNaive(state.updatedAt, timeZone),
      AccountSid: this.accountSid,
      To: this.to(id),
      From: this.from(id),
      PhoneNumber: phoneNumber,
      PhoneNumberSid: phoneNumber,
      Status: state.status,
      StartTime: created,
      EndTime: state.endTime === null ? empty : typeof state.endTime === 'number' ? formatNaive(state.endTime, timeZone) : state.endTime,
      Duration: num(state.durationSec, 0),
      Price: num(state.price, 3),
      Direction: DIRECTIONS[this.dir[id]!]!,
      AnsweredBy: state.status === 'completed' ? this.answeredBy(id, now) : empty,
      ForwardedFrom: '',
      CallerName: '',
      Uri: `/v1/Accounts/${this.accountSid}/Calls/${sid}`,
      RecordingUrl: state.recordingUrl ?? empty,
    };
    if (details) record.Details = this.detailsOf(id, state, ended);
    return record;
  }

  private answeredBy(id: number, now: number): string {
    const casing = this.render.answeredByCase;
    if (casing !== 'varied') return ANSWERED_BY[casing];
    return ANSWERED_BY_VARIED[hash32(id, Math.floor(now / 1000)) % 3]!;
  }

  private detailsOf(id: number, state: CallState, ended: boolean): RawCallDetails {
    const empty = this.render.emptyNull ? null : '';
    if (!ended || !state.settled) {
      return {
        ConversationDuration: empty,
        Legs: [{ Leg: { Id: 1, OnCallDuration: empty } }, { Leg: { Id: 2, OnCallDuration: empty } }],
        Leg1Status: null,
        Leg2Status: null,
      };
    }
    const status = state.status;
    const talk = status === 'completed' ? this.talk[id]! : 0;
    let leg1: string | null;
    let leg2: string | null;
    if (status === 'completed') [leg1, leg2] = ['completed', 'completed'];
    else if (this.dir[id] === 0 && status !== 'canceled') [leg1, leg2] = ['completed', status];
    else [leg1, leg2] = [status, null];
    return {
      ConversationDuration: talk,
      Legs: [
        { Leg: { Id: 1, OnCallDuration: state.durationSec ?? this.dur[id]! } },
        { Leg: { Id: 2, OnCallDuration: talk } },
      ],
      Leg1Status: leg1,
      Leg2Status: leg2,
    };
  }
}

function toNumberOrNull(v: string | number | null | undefined): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}
