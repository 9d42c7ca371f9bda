/**
 * The checks of `addCall(spec)`: a scripted call's options, named and shown when they are wrong,
 * turned into the row the call table inserts.
 */
import type { CallTable, NewCall } from './callTable.js';
import { DIRECTIONS, STATUSES } from './callTable.js';
import { invalidOption } from './options.js';
import type { ResolvedOptions } from './options.js';
import type { Random } from './random.js';
import { uint32 } from './random.js';
import { DEFAULT_MIX, priceMilliFor } from './traffic.js';
import type { CallSpec, CorrectionFields } from './types.js';

const CORRECTABLE = ['Duration', 'Price', 'EndTime', 'Status', 'RecordingUrl'];
const SID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Checks `spec` against the accounts' tables and turns it into a row for the table of its account.
 * Draws from `random` the same number of times whatever the spec says, so that one option given or
 * not does not shift the rest of the seeded stream.
 */
export function newCallFromSpec(spec: CallSpec, tables: ReadonlyMap<string, CallTable>, opts: ResolvedOptions, random: Random): { table: CallTable; call: NewCall } {
  if (typeof spec !== 'object' || spec === null) throw invalidOption('spec', 'an object', spec);
  if (!(typeof spec.startAt === 'number' && Number.isFinite(spec.startAt))) throw invalidOption('startAt', 'epoch ms', spec.startAt);
  const accountSid = spec.accountSid ?? opts.accounts[0]!.accountSid;
  const table = tables.get(accountSid);
  if (!table) throw invalidOption('accountSid', `one of the accounts (${[...tables.keys()].join(', ')})`, accountSid);
  const status = spec.status ?? 'completed';
  if (!STATUSES.includes(status)) throw invalidOption('status', STATUSES.map((s) => `'${s}'`).join(', '), status);
  const direction = spec.direction ?? 'inbound';
  if (!DIRECTIONS.includes(direction)) throw invalidOption('direction', DIRECTIONS.map((s) => `'${s}'`).join(', '), direction);
  const ringMs = spec.ringMs ?? 5_000;
  const talkMs = spec.talkMs ?? (status === 'completed' ? 60_000 : 0);
  for (const [name, v] of [['ringMs', ringMs], ['talkMs', talkMs]] as const) {
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0 && v < 2 ** 31)) throw invalidOption(name, 'a number of ms >= 0', v);
  }
  if (spec.sid !== undefined) {
    if (typeof spec.sid !== 'string' || !SID.test(spec.sid)) throw invalidOption('sid', 'letters, digits, `-` or `_` (at most 64)', spec.sid);
    for (const t of tables.values()) if (t.has(spec.sid)) throw invalidOption('sid', 'a Sid not used yet', spec.sid);
  }
  const inbound = direction === 'inbound';
  const from = spec.from ?? (inbound ? '+917000000001' : '+919800000001');
  const to = spec.to ?? (inbound ? '+919800000001' : '+917000000001');
  const phoneNumber = spec.phoneNumber ?? '+918047000001';
  for (const [name, v] of [['from', from], ['to', to], ['phoneNumber', phoneNumber]] as const) {
    if (typeof v !== 'string' || v.length === 0) throw invalidOption(name, 'a phone number string', v);
  }
  // Always draw, so that one option given or not does not shift the rest of the stream.
  const settleDraw = random();
  const words: [number, number, number] = [uint32(random), uint32(random), uint32(random)];
  const d = opts.settleDelayMs;
  const settleDelayMs = spec.settleDelayMs ?? Math.round(d.min + settleDraw * (d.max - d.min));
  if (!(typeof settleDelayMs === 'number' && Number.isFinite(settleDelayMs) && settleDelayMs >= 0)) {
    throw invalidOption('settleDelayMs', 'a number of ms >= 0', settleDelayMs);
  }
  const price = spec.price ?? priceMilliFor(talkMs, DEFAULT_MIX.pricePerMinute) / 1000;
  if (!(typeof price === 'number' && Number.isFinite(price) && price >= 0)) throw invalidOption('price', 'a number >= 0', price);
  const corrections = spec.corrections ?? [];
  if (!Array.isArray(corrections)) throw invalidOption('corrections', 'an array', corrections);
  corrections.forEach((c, i) => {
    if (typeof c !== 'object' || c === null || !(typeof c.afterMs === 'number' && Number.isFinite(c.afterMs) && c.afterMs >= 0)) {
      throw invalidOption(`corrections[${i}].afterMs`, 'a number of ms >= 0', c?.afterMs);
    }
    if (typeof c.fields !== 'object' || c.fields === null) throw invalidOption(`corrections[${i}].fields`, 'an object', c.fields);
    for (const [k, v] of Object.entries(c.fields)) {
      if (!CORRECTABLE.includes(k)) throw invalidOption(`corrections[${i}].fields`, `keys among ${CORRECTABLE.join(', ')}`, k);
      if (v !== null && typeof v !== 'string' && typeof v !== 'number') throw invalidOption(`corrections[${i}].fields.${k}`, 'a string, number or null', v);
    }
  });
  const call: NewCall = {
    startAt: spec.startAt,
    ringMs,
    talkMs,
    settleDelayMs,
    status: STATUSES.indexOf(status),
    direction: DIRECTIONS.indexOf(direction),
    priceMilli: Math.round(price * 1000),
    phone: -1,
    agent: -1,
    customer: -1,
    sidWords: words,
    correctionsAfter: corrections.map((c) => ({ afterMs: c.afterMs, fields: { ...c.fields } as CorrectionFields })),
    scripted: { from, to, phoneNumber, ...(spec.sid !== undefined ? { sid: spec.sid } : {}) },
  };
  return { table, call };
}
