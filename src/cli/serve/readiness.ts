import type { CallStreamStatus } from '../../stream/types.js';

export interface Readiness {
  ready: boolean;
  /** Why not, in a few words (`lag 95s over the bound of 60s`), or `ok`. */
  reason: string;
}

/** Ready: the stream is polling, and the reads that decide latency completed within `maxLagMs`. */
export function readiness(status: CallStreamStatus, maxLagMs: number): Readiness {
  if (status.phase !== 'running') return { ready: false, reason: `stream ${status.phase}` };
  if (status.lagMs === null) return { ready: false, reason: 'no read has completed yet' };
  if (status.lagMs > maxLagMs) return { ready: false, reason: `lag ${Math.round(status.lagMs / 1000)}s over the bound of ${Math.round(maxLagMs / 1000)}s` };
  return { ready: true, reason: 'ok' };
}
