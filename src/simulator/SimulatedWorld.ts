/**
 * The world the simulator serves: one call table per account (however many keys it has), the
 * generated traffic, and the ground truth of every call, read on the simulator's clock.
 */
import { CallTable, DIRECTIONS, NumberPools, STATUSES } from './callTable.js';
import { newCallFromSpec } from './callSpec.js';
import { firstAtSecond } from './listing.js';
import { invalidOption } from './options.js';
import type { ResolvedOptions } from './options.js';
import { hash32, mulberry32 } from './random.js';
import type { Random } from './random.js';
import { DEFAULT_MIX, TrafficSource } from './traffic.js';
import type { CallSpec, SimulatedCall } from './types.js';

export class SimulatedWorld {
  readonly #opts: ResolvedOptions;
  readonly #tables = new Map<string, CallTable>();
  readonly #traffic = new Map<string, TrafficSource>();
  /** Draws of scripted calls (`addCall`), apart from the traffic's. */
  readonly #scripted: Random;

  constructor(opts: ResolvedOptions) {
    this.#opts = opts;
    const { seed } = opts;
    const pools = opts.traffic
      ? new NumberPools(opts.traffic.mix.exoPhones, opts.traffic.mix.agents, opts.traffic.mix.customers)
      : new NumberPools(DEFAULT_MIX.exoPhones, DEFAULT_MIX.agents, 1);
    const render = { timeZone: opts.timeZone, numbersAsStrings: opts.numbersAsStrings, emptyNull: opts.emptyNull, answeredByCase: opts.answeredByCase };
    // One world per account, however many keys it has; numbered by first appearance.
    [...new Set(opts.accounts.map((a) => a.accountSid))].forEach((accountSid, i) => {
      const table = new CallTable(accountSid, hash32(seed, i, 0x51d), pools, render);
      this.#tables.set(accountSid, table);
      if (opts.traffic && opts.traffic.accountSid === accountSid) {
        const t = opts.traffic;
        this.#traffic.set(accountSid, new TrafficSource(table, t.callsPerMinute, t.startAt, t.mix, seed, i, opts.settleDelayMs, t.endAt));
      }
    });
    this.#scripted = mulberry32(hash32(seed, 0x5c1));
  }

  /** The call table of an account, or undefined when the simulator does not serve it. */
  table(accountSid: string): CallTable | undefined {
    return this.#tables.get(accountSid);
  }

  /** Generates the traffic's calls up to `now`. */
  advance(now: number): void {
    for (const source of this.#traffic.values()) source.advanceTo(now);
  }

  addCall(spec: CallSpec): SimulatedCall {
    const { table, call } = newCallFromSpec(spec, this.#tables, this.#opts, this.#scripted);
    const [id] = table.insert([call]);
    return groundTruth(table, id!);
  }

  calls(range: { from?: number; to?: number; accountSid?: string }, now: number): SimulatedCall[] {
    const from = range.from ?? -Infinity;
    const to = Math.min(range.to ?? Infinity, now);
    for (const [name, v] of [['range.from', from], ['range.to', to]] as const) {
      if (typeof v !== 'number' || Number.isNaN(v)) throw invalidOption(name, 'epoch ms', v);
    }
    if (range.accountSid !== undefined && !this.#tables.has(range.accountSid)) {
      throw invalidOption('range.accountSid', `one of the accounts (${[...this.#tables.keys()].join(', ')})`, range.accountSid);
    }
    this.advance(now);
    const out: SimulatedCall[] = [];
    for (const table of this.#tables.values()) {
      if (range.accountSid !== undefined && table.accountSid !== range.accountSid) continue;
      const { ids, len } = table.order;
      // The order is by start second: start the scan at the first call of `from`'s second.
      const lo = firstAtSecond(table, ids, len, Math.floor(from / 1000));
      const toSec = Math.floor(to / 1000);
      for (let i = lo; i < len; i++) {
        const id = ids[i]!;
        if (table.sec(id) > toSec) break;
        const start = table.start[id]!;
        if (start >= from && start <= to) out.push(groundTruth(table, id));
      }
    }
    if (this.#tables.size > 1 && range.accountSid === undefined) {
      out.sort((a, b) => Math.floor(a.startAt / 1000) - Math.floor(b.startAt / 1000) || (a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0));
    }
    return out;
  }

  call(sid: string, now: number): SimulatedCall | undefined {
    this.advance(now);
    for (const table of this.#tables.values()) {
      const id = table.lookup(sid);
      if (id !== undefined) return groundTruth(table, id);
    }
    return undefined;
  }
}

function groundTruth(table: CallTable, id: number): SimulatedCall {
  const corrections = (table.corrections.get(id) ?? []).map((c) => ({ at: c.at, fields: { ...c.fields } }));
  return {
    sid: table.sidOf(id),
    accountSid: table.accountSid,
    startAt: table.start[id]!,
    endAt: table.end[id]!,
    settledAt: table.settle[id]!,
    status: STATUSES[table.status[id]!]!,
    direction: DIRECTIONS[table.dir[id]!]!,
    from: table.from(id),
    to: table.to(id),
    phoneNumber: table.phoneNumber(id),
    durationSec: table.dur[id]!,
    price: table.priceMilli[id]! / 1000,
    corrections,
    recordAt: (now: number, o?: { details?: boolean }) => table.recordAt(id, now, o?.details ?? false),
  };
}
