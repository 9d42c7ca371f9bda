/**
 * Events as JSON for the outbox: `Date`s kept as dates (a tagged number), everything else as is.
 */
import { createHash } from 'node:crypto';
import type { CallStreamEvent } from '../stream/types.js';
import type { RedisCallStreamEvent } from './types.js';

const DATE_TAG = '$exotelDate';

/** The id another process gives the same event (see `RedisCallStreamEvent.id`). */
export function eventId(accountSid: string, event: CallStreamEvent): string {
  const base = `${accountSid}/${event.call.sid}/${event.type}`;
  if (event.type !== 'callUpdated') return base;
  return `${base}/${createHash('sha1').update(JSON.stringify(event.call.raw)).digest('hex').slice(0, 16)}`;
}

export function encodeEvents(events: readonly RedisCallStreamEvent[]): string {
  return JSON.stringify(events, function replacer(this: Record<string, unknown>, key: string, value: unknown) {
    const original = this[key];
    return original instanceof Date ? { [DATE_TAG]: original.getTime() } : value;
  });
}

export function decodeEvents(text: string): RedisCallStreamEvent[] {
  const value: unknown = JSON.parse(text, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === DATE_TAG) return new Date((v as Record<string, number>)[DATE_TAG]!);
    }
    return v;
  });
  if (!Array.isArray(value)) throw new TypeError('the outbox does not hold a list of events');
  return value as RedisCallStreamEvent[];
}
