import FakeTimers from '@sinonjs/fake-timers';
import type { Clock } from '@sinonjs/fake-timers';

/**
 * A controllable clock for Date and the timer functions. setImmediate and microtasks stay real,
 * so the in-process simulator's answers and promise chains run between ticks.
 */
export function installClock(now: number): Clock {
  const NativeDate = globalThis.Date;
  const clock = FakeTimers.install({ now, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], shouldAdvanceTime: false });
  // The fake Date defines a property on every instance it builds, which costs about a sixth of a
  // run's time in the simulator and the client: a plain function answers the same for a benchmark.
  // `uninstall()` puts the native Date back.
  function FastDate(this: unknown, ...args: unknown[]): Date | string {
    if (new.target === undefined) return new NativeDate(clock.now).toString();
    return args.length === 0 ? new NativeDate(clock.now) : new (NativeDate as unknown as new (...a: unknown[]) => Date)(...args);
  }
  FastDate.prototype = NativeDate.prototype;
  FastDate.now = () => clock.now;
  FastDate.UTC = NativeDate.UTC;
  FastDate.parse = NativeDate.parse;
  globalThis.Date = FastDate as unknown as DateConstructor;
  return clock;
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
