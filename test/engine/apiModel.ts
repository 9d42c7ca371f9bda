/**
 * A tiny model of the Bulk Call Details API's listing rule, for planner tests: a call is listed
 * only once it has ended, under its start time (`DateCreated`, whole seconds), and its Duration
 * (talk time) is empty until it settles.
 */
import type { CallQuery } from '../../src/exotel/buildCallQuery.js';
import type { Call } from '../../src/exotel/types.js';
import { makeCall } from './fixtures.js';

export interface ModelCall {
  sid: string;
  /** Start (DateCreated), ms. */
  start: number;
  /** Ringing/queueing before the talk started, ms. */
  ringMs: number;
  end: number;
  /** When Duration, Price and EndTime are filled in. */
  settledAt: number;
}

const floorSecond = (ms: number) => Math.floor(ms / 1000) * 1000;
const toMs = (v: Date | number | undefined) => (v === undefined ? undefined : typeof v === 'number' ? v : v.getTime());

/** The talk seconds, once settled; null before. */
export function durationAt(call: ModelCall, t: number): number | null {
  return t >= call.settledAt ? Math.floor((call.end - call.start - call.ringMs) / 1000) : null;
}

/** Whether `call` is listed by `query` at API time `t`. */
export function matches(call: ModelCall, query: CallQuery, t: number): boolean {
  if (call.end > t) return false;
  if (query.sid !== undefined) {
    const sids = Array.isArray(query.sid) ? query.sid : [query.sid];
    if (!sids.includes(call.sid)) return false;
  }
  const created = floorSecond(call.start);
  const gte = toMs(query.dateCreated?.gte);
  const lte = toMs(query.dateCreated?.lte);
  if (gte !== undefined && created < floorSecond(gte)) return false;
  if (lte !== undefined && created > floorSecond(lte)) return false;
  if (query.duration !== undefined) {
    const duration = durationAt(call, t);
    if (duration === null) return false;
    if (query.duration.gte !== undefined && duration < query.duration.gte) return false;
    if (query.duration.lte !== undefined && duration > query.duration.lte) return false;
    if (query.duration.eq !== undefined && duration !== query.duration.eq) return false;
  }
  return true;
}

/** The normalized record of `call` as the API would return it at `t`. */
export function recordAt(call: ModelCall, t: number): Call {
  const settled = t >= call.settledAt;
  return makeCall({
    sid: call.sid,
    dateCreated: new Date(floorSecond(call.start)),
    startTime: new Date(floorSecond(call.start)),
    dateUpdated: new Date(floorSecond(settled ? call.settledAt : call.end)),
    endTime: settled ? new Date(floorSecond(call.end)) : null,
    duration: durationAt(call, t),
    price: settled ? 1.5 : null,
  });
}
