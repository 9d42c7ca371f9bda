import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { Call } from '../exotel/types.js';
import type { CallStreamEvent } from '../engine/types.js';

/** The part of the engine's `CallTracker` this operator drives. */
export interface TrackerLike {
  observe(call: Call, now: number): CallStreamEvent[];
  expire(now: number): CallStreamEvent[];
  prune(now: number, keepFrom?: number): void;
}

export interface TrackCallsOptions {
  /**
   * Emitted Sids that started at or after this instant are kept even when older than the horizon
   * (windows still to be read, such as a catch-up after a restart; the planner knows which).
   */
  keepFrom?: () => number | null | undefined;
}

/**
 * Feeds each call of a poll cycle to the tracker and emits the events it causes (a first
 * `callCompleted`/`callFailed` once settled, a `callUpdated` after that). When the cycle's
 * calls are done (the source completes), records held past `settleMs` are emitted as they are and
 * entries older than the lookback horizon are dropped, so memory stays bounded by the horizon.
 *
 * @param now The API clock (epoch ms), read once per call and once at the end of the cycle.
 * @param options `keepFrom`: see `TrackCallsOptions`.
 * @example
 * pages$.pipe(normalizeRecords(opts), trackCalls(tracker, () => Date.now()));
 */
export function trackCalls(tracker: TrackerLike, now: () => number, options: TrackCallsOptions = {}): OperatorFunction<Call, CallStreamEvent> {
  const { keepFrom } = options;
  return (source) =>
    new Observable<CallStreamEvent>((subscriber) =>
      source.subscribe({
        next(call) {
          for (const event of tracker.observe(call, now())) subscriber.next(event);
        },
        error(error: unknown) {
          subscriber.error(error);
        },
        complete() {
          // Expire after the cycle's reads, not before: a held record re-read just now may have
          // settled, and then it goes out with its settled values.
          const at = now();
          for (const event of tracker.expire(at)) subscriber.next(event);
          tracker.prune(at, keepFrom?.() ?? undefined);
          subscriber.complete();
        },
      }),
    );
}
