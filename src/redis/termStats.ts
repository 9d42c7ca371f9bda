/**
 * A stream on Redis runs one `CallStream` per leadership term; its counters are those of every
 * term it ran, added up, so that they only grow (as a Prometheus counter must), however often
 * the lease moves.
 */
import type { ClientStats } from '../exotel/clientStats.js';
import type { CallStreamStats, ReadTierStats } from '../stream/types.js';

/** The reads, HTTP and saves of the terms: what `stats()` takes from the streams. */
export type TermStats = Pick<CallStreamStats, 'reads' | 'http' | 'saves'>;

export function emptyTermStats(): TermStats {
  return {
    reads: {},
    http: { requests: 0, retries: 0, responses: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 }, rateLimited: 0, failures: 0 },
    saves: { ok: 0, failed: 0 },
  };
}

function addTier(a: ReadTierStats | undefined, b: ReadTierStats): ReadTierStats {
  return a === undefined ? { ...b } : { ok: a.ok + b.ok, failed: a.failed + b.failed, requests: a.requests + b.requests, records: a.records + b.records };
}

function addHttp(a: ClientStats, b: ClientStats): ClientStats {
  const responses = { ...a.responses };
  for (const key of Object.keys(responses) as Array<keyof ClientStats['responses']>) responses[key] += b.responses[key];
  return { requests: a.requests + b.requests, retries: a.retries + b.retries, responses, rateLimited: a.rateLimited + b.rateLimited, failures: a.failures + b.failures };
}

/** `a` plus `b`, a new object (neither is changed). */
export function addTermStats(a: TermStats, b: TermStats): TermStats {
  const reads: Record<string, ReadTierStats> = {};
  for (const [tier, counts] of Object.entries(a.reads)) reads[tier] = { ...counts };
  for (const [tier, counts] of Object.entries(b.reads)) reads[tier] = addTier(reads[tier], counts);
  return { reads, http: addHttp(a.http, b.http), saves: { ok: a.saves.ok + b.saves.ok, failed: a.saves.failed + b.saves.failed } };
}
