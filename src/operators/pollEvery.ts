import { asyncScheduler, exhaustMap, timer } from 'rxjs';
import type { Observable, ObservableInput, SchedulerLike } from 'rxjs';

/**
 * Runs `cycle` now and then every `intervalMs`, never two at once: a tick that arrives while a
 * cycle is still running is dropped (exhaust), so a slow poll delays the next one instead of
 * stacking requests behind it.
 *
 * @param intervalMs Milliseconds between ticks.
 * @param cycle One poll cycle; the tick index (0, 1, 2, ...) is passed in.
 * @param scheduler Where the timer runs. @default asyncScheduler
 * @example
 * pollEvery(15_000, () => readOnce()).subscribe(console.log);
 */
export function pollEvery<T>(
  intervalMs: number,
  cycle: (tick: number) => ObservableInput<T>,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<T> {
  // exhaustMap, not mergeMap: overlapping polls would double the request rate exactly when the
  // API is already slow.
  return timer(0, intervalMs, scheduler).pipe(exhaustMap((tick) => cycle(tick)));
}
