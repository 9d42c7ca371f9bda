/**
 * Waiting on the simulator's clock, for the `delay` fault: the answer comes once the clock has
 * moved on by the delay, however that clock is driven (real time, fake timers, a test's own).
 */
import type { SimulatorClock } from './types.js';

/** How often a clock is looked at while a delay runs (on the global timers, fake or real). */
const LOOK_EVERY_MS = 10;

/**
 * Resolves once `clock.now()` is `ms` past what it was on the call, or when `signal` aborts
 * (the request is gone). The clock is looked at every 10 ms of the global timers, or at once when
 * less of the delay is left; a clock that never moves holds the answer until the signal aborts.
 */
export function waitOnClock(clock: SimulatorClock, ms: number, signal: AbortSignal): Promise<void> {
  const until = clock.now() + ms;
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const look = () => {
      const left = until - clock.now();
      if (left <= 0 || signal.aborted) done();
      else timer = setTimeout(look, Math.min(left, LOOK_EVERY_MS));
    };
    signal.addEventListener('abort', done, { once: true });
    look();
  });
}
