/**
 * The idempotency key of a stream event, derived from its content only (Sid, type, and for an
 * update a fingerprint of the changed values): the same on every retry, after a restart, and
 * when the stream itself emits the same event again after losing its store.
 */
import { createHash } from 'node:crypto';
import type { CallStreamEvent } from '../stream/types.js';

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

/**
 * `<sid>:callCompleted` and `<sid>:callFailed` (once per Sid); `<sid>:callUpdated:<16 hex>` for an
 * update, the hex being a SHA-256 fingerprint of the changed fields' new values.
 *
 * @example
 * idempotencyKey({ type: 'callCompleted', call }) // 'a1b2…:callCompleted'
 */
export function idempotencyKey(event: CallStreamEvent): string {
  if (event.type !== 'callUpdated') return `${event.call.sid}:${event.type}`;
  const changed = [...event.changes].map(String).sort();
  const values = Object.fromEntries(changed.map((name) => [name, (event.call as unknown as Record<string, unknown>)[name]]));
  const fingerprint = createHash('sha256').update(canonical(values)).digest('hex').slice(0, 16);
  return `${event.call.sid}:callUpdated:${fingerprint}`;
}
