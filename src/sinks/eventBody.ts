/**
 * The JSON every sink writes for a stream event (the webhook body, an NDJSON line, a Redis Stream
 * entry's `body` field), and its idempotency key.
 */
import type { Call } from '../exotel/types.js';
import type { CallStreamEvent } from '../stream/types.js';
import { idempotencyKey } from './idempotencyKey.js';

/** A call on the wire: the normalized call without its raw record, dates as ISO strings. */
export type EventBodyCall = Omit<{ [K in keyof Call]: Call[K] extends Date ? string : Call[K] extends Date | null ? string | null : Call[K] }, 'raw'>;

/** The body of one event. */
export interface EventBody {
  /** The idempotency key (also the webhook's `webhook-id`). */
  id: string;
  type: CallStreamEvent['type'];
  call: EventBodyCall;
  /** For `callUpdated`: the call as emitted before, and the names of the changed fields. */
  previous?: EventBodyCall;
  changes?: string[];
}

function toWire(call: Call): EventBodyCall {
  const { raw: _raw, ...rest } = call;
  // JSON.stringify turns the Dates into ISO strings; the round trip gives the wire shape.
  return JSON.parse(JSON.stringify(rest)) as EventBodyCall;
}

/** The body of `event` as the exact string that is signed, stored and sent, with its key. */
export function eventBody(event: CallStreamEvent): { key: string; body: string } {
  const key = idempotencyKey(event);
  const payload: EventBody = { id: key, type: event.type, call: toWire(event.call) };
  if (event.type === 'callUpdated') {
    payload.previous = toWire(event.previous);
    payload.changes = event.changes.map(String);
  }
  return { key, body: JSON.stringify(payload) };
}
