import { EMPTY, asyncScheduler, concat, concatMap, defer, from, switchMap, timer } from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';
import type { CallStreamEvent } from '../engine/types.js';

/** The part of the engine's `CallTracker` this function drives. */
export interface ExpiringTracker {
  expire(now: number): CallStreamEvent[];
  nextExpiry(): number | null;
}

/**
 * Emits held records the moment their `settleMs` runs out, between polls, instead of at the end
 * of the next poll cycle. Each value of `rearm$` (a poll cycle that ended: it may have held new
 * records) sets the timer to the tracker's `nextExpiry()`; after each expiry the timer is set to
 * the next one. Unsubscribing clears the timer.
 *
 * @param now The API clock (epoch ms). Its offset from `scheduler.now()` is the same at both ends
 * of a delay, so `nextExpiry() - now()` is the delay to wait.
 * @example
 * merge(polls$, expireHeld(tracker, cycleEnded$, now));
 */
export function expireHeld(
  tracker: ExpiringTracker,
  rearm$: Observable<unknown>,
  now: () => number,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<CallStreamEvent> {
  const arm = (): Observable<CallStreamEvent> =>
    defer(() => {
      const at = tracker.nextExpiry();
      if (at === null) return EMPTY;
      return timer(Math.max(0, at - now()), scheduler).pipe(concatMap(() => concat(from(tracker.expire(now())), arm())));
    });
  // switchMap: a new cycle's end replaces the pending timer (the earliest expiry may have changed).
  return rearm$.pipe(switchMap(() => arm()));
}
