import FakeTimers from '@sinonjs/fake-timers';
import type { Clock } from '@sinonjs/fake-timers';

/**
 * A controllable clock for Date and the timer functions. setImmediate and microtasks stay real,
 * so the in-process simulator's answers and promise chains run between ticks.
 */
export function installClock(now: number): Clock {
  return FakeTimers.install({ now, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], shouldAdvanceTime: false });
}

/** Runs `stop()` while the clock keeps moving: Bottleneck yields with `setTimeout(0)` while it stops. */
export async function stopUnder(clock: Clock, stop: () => Promise<void>): Promise<void> {
  let done = false;
  const stopping = stop().finally(() => {
    done = true;
  });
  for (let i = 0; !done && i < 10_000; i++) await clock.tickAsync(1);
  await stopping;
}
