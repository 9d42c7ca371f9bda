/**
 * A Bottleneck in front of a `QuotaWindow`: it keeps Bottleneck's API (schedule, wrap, events,
 * stop), and every job first waits for a slot of the shared window, in the window's priority
 * order, then runs. Bottleneck's own concurrency is off: the window's `maxConcurrent` applies.
 */
import Bottleneck from 'bottleneck';
import { QuotaStoppedError } from './quotaWindow.js';
import type { QuotaWindow } from './quotaWindow.js';

function priorityOf(options: unknown): number {
  const p = (options as { priority?: unknown } | null)?.priority;
  // As Bottleneck sanitizes it: an integer from 0 to 9, else 5.
  return typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= 9 ? p : 5;
}

function weightOf(options: unknown): number {
  const w = (options as { weight?: unknown } | null)?.weight;
  return typeof w === 'number' && Number.isInteger(w) && w >= 0 ? w : 1;
}

/**
 * @param allowed When given, a job waits (polling every 50 ms) while it says no before it takes
 * a slot: a leader's requests wait while its lease cannot be trusted.
 */
export function quotaFront(window: QuotaWindow, id: string, onStop?: () => Promise<void>, allowed?: () => boolean): Bottleneck {
  const limiter = new Bottleneck({ id, maxConcurrent: null, minTime: 0 });
  const owner = {};
  const schedule = limiter.schedule.bind(limiter) as (...args: unknown[]) => Promise<unknown>;
  limiter.schedule = ((...args: unknown[]) => {
    const withOptions = typeof args[0] !== 'function';
    const options = withOptions ? ((args[0] ?? {}) as Bottleneck.JobOptions) : {};
    const task = (withOptions ? args[1] : args[0]) as (...a: unknown[]) => unknown;
    const rest = args.slice(withOptions ? 2 : 1);
    if (typeof task !== 'function') return Promise.reject(new TypeError('Expected `schedule` to be given a function'));
    const priority = priorityOf(options);
    const weight = weightOf(options);
    return schedule(
      options,
      async (...a: unknown[]) => {
        while (allowed !== undefined && !allowed()) {
          if (stopped) throw new QuotaStoppedError('The shared quota limiter is stopped');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const slot = await window.take(priority, weight, owner);
        try {
          return await task(...a);
        } finally {
          slot.done();
        }
      },
      ...rest,
    );
  }) as Bottleneck['schedule'];
  // submit() bypasses schedule(): it would skip the shared window.
  limiter.submit = (() => {
    throw new TypeError('This limiter takes jobs through `schedule()` or `wrap()` (promises), not `submit()`');
  }) as Bottleneck['submit'];
  const stop = limiter.stop.bind(limiter);
  let stopped = false;
  limiter.stop = (options?: Bottleneck.StopOptions) => {
    stopped = true;
    window.drop(owner, 'The shared quota limiter is stopped');
    return stop(options).finally(() => onStop?.());
  };
  return limiter;
}
