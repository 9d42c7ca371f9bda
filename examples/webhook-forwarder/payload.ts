/**
 * The JSON body posted for each stream event, and its idempotency key.
 *
 * The key is derived from the event's content only (Sid, type, and for updates a fingerprint of
 * the changed values), so it is the same on every retry, after a restart of the forwarder, and
 * even when the stream itself emits the same event again after losing its store.
 */
import { createHash } from 'node:crypto';
import type { Call, CallStreamEvent } from 'exotel-call-stream';

/** A call in a webhook body: the normalized call without its raw record, dates as ISO strings. */
export type WebhookCall = Omit<{ [K in keyof Call]: Call[K] extends Date ? string : Call[K] extends Date | null ? string | null : Call[K] }, 'raw'>;

export interface WebhookBody {
  /** The idempotency key, also sent as `Idempotency-Key` (the header is not signed; this is). */
  id: string;
  type: CallStreamEvent['type'];
  call: WebhookCall;
  /** For `callUpdated`: the call as emitted before, and the names of the changed fields. */
  previous?: WebhookCall;
  changes?: string[];
}

function toWebhookCall(call: Call): WebhookCall {
  const { raw: _raw, ...rest } = call;
  // JSON.stringify turns the Dates into ISO strings; the round trip gives the wire shape.
  return JSON.parse(JSON.stringify(rest)) as WebhookCall;
}

/** Sorted-key JSON, so that a fingerprint does not depend on property order. */
function canonical(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** `<sid>:<type>` for completions and failures (once per Sid); `<sid>:callUpdated:<fingerprint>` for updates. */
export function idempotencyKey(event: CallStreamEvent): string {
  if (event.type !== 'callUpdated') return `${event.call.sid}:${event.type}`;
  const changed = [...event.changes].map(String).sort();
  const values = Object.fromEntries(changed.map((name) => [name, (event.call as unknown as Record<string, unknown>)[name]]));
  const fingerprint = createHash('sha256').update(canonical(values)).digest('hex').slice(0, 16);
  return `${event.call.sid}:callUpdated:${fingerprint}`;
}

/** The body posted for `event`, as the exact string that is signed and stored. */
export function webhookBody(event: CallStreamEvent): { key: string; body: string } {
  const key = idempotencyKey(event);
  const payload: WebhookBody = { id: key, type: event.type, call: toWebhookCall(event.call) };
  if (event.type === 'callUpdated') {
    payload.previous = toWebhookCall(event.previous);
    payload.changes = event.changes.map(String);
  }
  return { key, body: JSON.stringify(payload) };
}
