import FakeTimers from '@sinonjs/fake-timers';
import type { Clock } from '@sinonjs/fake-timers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type Bottleneck from 'bottleneck';
import { createQuotaLimiter } from '../../src/exotel/createQuotaLimiter.js';
import { InvalidOptionError } from '../../src/exotel/errors.js';

let clock: Clock;
let limiter: Bottleneck | undefined;

beforeEach(() => {
  clock = FakeTimers.install({ now: Date.UTC(2025, 0, 15), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(async () => {
  const stopped = limiter?.stop({ dropWaitingJobs: true }).catch(() => undefined);
  limiter = undefined;
  // Bottleneck's own timers run on the fake clock too.
  await clock.tickAsync(100);
  await stopped;
  clock.uninstall();
});

/** Advances the fake clock until `promise` settles. */
async function settle<T>(promise: Promise<T>): Promise<T> {
  let done = false;
  const watched = promise.finally(() => (done = true));
  watched.catch(() => undefined);
  for (let i = 0; i < 1000 && !done; i++) await clock.tickAsync(10);
  return watched;
}

/** The most start times inside any window of `windowMs` (both ends inclusive). */
function maxInAnyWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

describe('createQuotaLimiter', () => {
  it('never starts more than the limit in any 60-second window, across many minutes', async () => {
    limiter = createQuotaLimiter({ maxRequestsPerMinute: 200 });
    const starts: number[] = [];
    const jobs: Array<Promise<void>> = [];
    for (let i = 0; i < 1000; i++) {
      jobs.push(
        limiter.schedule(async () => {
          starts.push(Date.now());
          // Each request takes a little while, like a real one.
          await new Promise((resolve) => setTimeout(resolve, 50 + (i % 7) * 100));
        }),
      );
    }
    const all = Promise.all(jobs);
    await clock.tickAsync(10 * 60_000);
    await all;
    expect(starts).toHaveLength(1000);
    expect(maxInAnyWindow(starts, 60_000)).toBeLessThanOrEqual(200);
    // ...and it does use the quota: about 200 a minute, not far fewer.
    expect(starts.filter((t) => t - starts[0]! < 5 * 60_000).length).toBeGreaterThanOrEqual(800);
  });

  it('does not let a burst through on each side of a refill (the fixed-window trap)', async () => {
    limiter = createQuotaLimiter({ maxRequestsPerMinute: 10, marginMs: 0 });
    const starts: number[] = [];
    const run = () => limiter!.schedule(async () => void starts.push(Date.now()));
    // 10 at t=59 s, then 10 more queued: none of those may start before t=119 s.
    await clock.tickAsync(59_000);
    const first = Array.from({ length: 10 }, run);
    await settle(Promise.all(first));
    const second = Array.from({ length: 10 }, run);
    await clock.tickAsync(2_000);
    expect(starts).toHaveLength(10);
    await clock.tickAsync(60_000);
    await settle(Promise.all(second));
    expect(starts).toHaveLength(20);
    // A slot comes back a window after the job that held it finished, not at a minute boundary.
    expect(Math.min(...starts.slice(10)) - Math.min(...starts.slice(0, 10))).toBeGreaterThanOrEqual(60_000);
    expect(Math.min(...starts.slice(10))).toBeGreaterThanOrEqual(Date.UTC(2025, 0, 15) + 119_000);
    expect(maxInAnyWindow(starts, 60_000)).toBeLessThanOrEqual(10);
  });

  it('frees a slot only a window (plus margin) after the request finished', async () => {
    limiter = createQuotaLimiter({ maxRequestsPerMinute: 1, marginMs: 1_000 });
    const starts: number[] = [];
    const slow = limiter.schedule(async () => {
      starts.push(Date.now());
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    });
    const next = limiter.schedule(async () => void starts.push(Date.now()));
    await clock.tickAsync(70_000);
    await Promise.all([slow, next]);
    // Finished at 5 s; slot back at 5 + 60 + 1 s.
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(66_000);
  });

  it('honours priorities among queued jobs, and counts failed jobs too', async () => {
    limiter = createQuotaLimiter({ maxRequestsPerMinute: 2 });
    const order: string[] = [];
    const fail = limiter.schedule({ priority: 5 }, async () => {
      order.push('fail');
      throw new Error('boom');
    });
    const ok = limiter.schedule({ priority: 5 }, async () => void order.push('ok'));
    await expect(settle(fail)).rejects.toThrow('boom');
    await settle(ok);
    const late = limiter.schedule({ priority: 9 }, async () => void order.push('low'));
    const urgent = limiter.schedule({ priority: 0 }, async () => void order.push('high'));
    await clock.tickAsync(30_000);
    expect(order).toEqual(['fail', 'ok']);
    await clock.tickAsync(32_000);
    await Promise.all([late, urgent]);
    expect(order).toEqual(['fail', 'ok', 'high', 'low']);
  });

  it('clears its timers on stop', async () => {
    limiter = createQuotaLimiter({ maxRequestsPerMinute: 5 });
    await settle(Promise.all(Array.from({ length: 5 }, () => limiter!.schedule(async () => undefined))));
    expect(clock.countTimers()).toBeGreaterThanOrEqual(5);
    await settle(limiter.stop({ dropWaitingJobs: true }));
    expect(clock.countTimers()).toBe(0);
    limiter = undefined;
  });

  it('validates its options', () => {
    expect(() => createQuotaLimiter({ maxRequestsPerMinute: 0 })).toThrow(InvalidOptionError);
    expect(() => createQuotaLimiter({ maxRequestsPerMinute: 1.5 })).toThrow('`maxRequestsPerMinute`');
    expect(() => createQuotaLimiter({ marginMs: -1 })).toThrow('`marginMs`');
    expect(() => createQuotaLimiter({ maxConcurrent: 0 })).toThrow('`maxConcurrent`');
  });
});
