/**
 * How events and calls are written: one JSON object per line for pipes (Dates become ISO strings
 * through `Date#toJSON`), a short readable line for terminals.
 */
import type { Call } from '../exotel/types.js';
import { formatNaive } from '../exotel/time.js';
import type { CallStreamEvent } from '../stream/types.js';

/** Drops `raw` (the record as received) from a call, for `--no-raw`. */
function withoutRaw(call: Call): Omit<Call, 'raw'> {
  const { raw: _raw, ...rest } = call;
  return rest;
}

export interface JsonOptions {
  /** Keep `call.raw`. @default true */
  raw?: boolean;
}

/** What an event of a stream on Redis carries besides the stream's own fields. */
interface SharedFields {
  accountSid?: string;
  id?: string;
  redelivered?: boolean;
}

/**
 * `{type, call, previous?, changes?}` as one NDJSON line (newline included); an event of a stream
 * on Redis (`--redis`) adds `accountSid`, `id` and `redelivered`.
 */
export function eventToJsonLine(event: CallStreamEvent & SharedFields, { raw = true }: JsonOptions = {}): string {
  const pick = (c: Call) => (raw ? c : withoutRaw(c));
  const shared = event.id === undefined ? {} : { accountSid: event.accountSid, id: event.id, redelivered: event.redelivered };
  const out =
    event.type === 'callUpdated'
      ? { type: event.type, ...shared, call: pick(event.call), previous: pick(event.previous), changes: event.changes }
      : { type: event.type, ...shared, call: pick(event.call) };
  return `${JSON.stringify(out)}\n`;
}

/** A call as one NDJSON line (newline included). */
export function callToJsonLine(call: Call, { raw = true }: JsonOptions = {}): string {
  return `${JSON.stringify(raw ? call : withoutRaw(call))}\n`;
}

const COLORS = { reset: '\x1b[0m', dim: '\x1b[2m', green: '\x1b[32m', red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m' };

export interface LineOptions {
  /** Zone to show times in. */
  timeZone: string;
  /** ANSI colours (terminals only). @default false */
  color?: boolean;
}

/** A readable line per event: time, status (or `updated`), direction, numbers, duration, price, Sid. */
export function formatEventLine(event: CallStreamEvent, { timeZone, color = false }: LineOptions): string {
  const c = event.call;
  const paint = (code: string, text: string) => (color ? `${code}${text}${COLORS.reset}` : text);
  const when = formatNaive(c.endTime ?? c.dateUpdated ?? c.dateCreated, timeZone).slice(11);
  const kindColor = event.type === 'callCompleted' ? COLORS.green : event.type === 'callFailed' ? COLORS.red : COLORS.yellow;
  const label = paint(kindColor, (event.type === 'callUpdated' ? 'updated' : c.status).padEnd(9));
  const direction = (c.direction ?? '?').padEnd(13);
  const route = `${c.from ?? '?'} -> ${c.to ?? '?'}${c.phoneNumber ? ` via ${c.phoneNumber}` : ''}`;
  const duration = c.duration === null ? '-' : `${c.duration}s`;
  const price = c.price === null ? '-' : c.price.toFixed(3);
  const changes = event.type === 'callUpdated' ? `  changed: ${event.changes.join(', ')}` : '';
  return `${paint(COLORS.dim, when)}  ${label}  ${direction} ${route}  ${duration}  ${price}  ${paint(COLORS.dim, c.sid)}${changes}\n`;
}
