/**
 * The per-account quota: at most `maxRequestsPerMinute` requests in ANY 60-second window.
 *
 * A reservoir that refills once a minute lets a full minute's worth through on each side of the
 * refill (twice the quota inside one 60-second window). Instead, the reservoir here is a sliding
 * log: every request takes one slot, and gives it back `windowMs + marginMs` after it has
 * finished. The server saw the request no later than it answered, and the next request on that
 * slot is sent no earlier than the slot is back, so two requests on one slot are always more than
 * a window apart, and no window ever holds more than the limit. Bottleneck keeps the queue and
 * its priorities (0 first, 9 last).
 */
import Bottleneck from 'bottleneck';
import { assertOptionsObject, integerOption, requestsPerMinuteOption } from './assert.js';
import { InvalidOptionError } from './errors.js';

/** Options of `createQuotaLimiter`. */
export interface QuotaLimiterOptions {
  /** Requests allowed in any window of `windowMs`, 1 to 100,000. @default 200 */
  maxRequestsPerMinute?: number;
  /** The window the limit applies to. @default 60_000 */
  windowMs?: number;
  /** Added to the window before a slot is reused, against clock granularity and skew. @default 1_000 */
  marginMs?: number;
  /** Requests in flight at once. @default 16 */
  maxConcurrent?: number;
  /** Bottleneck id (shows in its debug events). @default 'exotel-quota' */
  id?: string;
}

const MAX = Number.MAX_SAFE_INTEGER;

/**
 * A Bottleneck limiter that never lets more than `maxRequestsPerMinute` jobs start in any
 * 60-second window (counting each job until `windowMs + marginMs` after it finished). Every job
 * scheduled through it counts, by its `weight` (default 1). `stop()` also clears the timers that
 * give slots back.
 *
 * @example
 * const limiter = createQuotaLimiter({ maxRequestsPerMinute: 200 });
 * await limiter.schedule({ priority: 1 }, () => fetchSomething());
 */
export function createQuotaLimiter(options: QuotaLimiterOptions = {}): Bottleneck {
  assertOptionsObject('options', options);
  const max = requestsPerMinuteOption(options.maxRequestsPerMinute);
  const windowMs = integerOption('windowMs', options.windowMs, 1, MAX, 60_000);
  const marginMs = integerOption('marginMs', options.marginMs, 0, MAX, 1_000);
  const maxConcurrent = integerOption('maxConcurrent', options.maxConcurrent, 1, MAX, 16);
  if (options.id !== undefined && typeof options.id !== 'string') throw new InvalidOptionError('id', 'a string', options.id);

  const limiter = new Bottleneck({
    id: options.id ?? 'exotel-quota',
    reservoir: max,
    maxConcurrent,
    minTime: 0,
  });
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let stopped = false;

  // `done` fires once per executed job, after success or failure alike.
  limiter.on('done', (info: Bottleneck.EventInfo) => {
    const weight = info.options.weight ?? 1;
    if (weight <= 0 || stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) void limiter.incrementReservoir(weight).catch(() => undefined);
    }, windowMs + marginMs);
    // A slot coming back keeps the process alive only while a job waits for it.
    if (limiter.queued() === 0) timer.unref?.();
    timers.add(timer);
  });
  // A job waiting for a slot is pending work: without this, a script whose only pending work is a
  // request waiting for quota would exit mid-run with code 0.
  limiter.on('queued', () => {
    for (const t of timers) t.ref?.();
  });
  limiter.on('empty', () => {
    for (const t of timers) t.unref?.();
  });

  const stop = limiter.stop.bind(limiter);
  limiter.stop = (stopOptions?: Bottleneck.StopOptions) => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    return stop(stopOptions);
  };
  return limiter;
}
