/** Validated backoff settings and the delay before attempt n+1 (shared by every sink). */
import { InvalidOptionError } from '../exotel/errors.js';
import type { RetryOptions, SinkClock } from './types.js';

export const systemClock: SinkClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A number option within bounds (`Infinity` allowed where `max` is Infinity). */
export function numberOption(name: string, value: unknown, fallback: number, { integer = true, min = 1, max = Number.MAX_SAFE_INTEGER } = {}): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || (integer && !Number.isInteger(value) && value !== Infinity) || value < min || value > max) {
    throw new InvalidOptionError(name, `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, value);
  }
  return value;
}

export function resolveRetry(retry: RetryOptions | undefined): Required<RetryOptions> {
  const r = retry ?? {};
  if (typeof r !== 'object' || r === null) throw new InvalidOptionError('retry', 'an object', r);
  const resolved = {
    minDelayMs: numberOption('retry.minDelayMs', r.minDelayMs, 1_000, { min: 0, max: 86_400_000 }),
    maxDelayMs: numberOption('retry.maxDelayMs', r.maxDelayMs, 300_000, { min: 0, max: 86_400_000 }),
    factor: numberOption('retry.factor', r.factor, 2, { integer: false, min: 1, max: 100 }),
    jitter: numberOption('retry.jitter', r.jitter, 0.2, { integer: false, min: 0, max: 1 }),
  };
  if (resolved.maxDelayMs < resolved.minDelayMs) {
    throw new InvalidOptionError('retry.maxDelayMs', `at least \`retry.minDelayMs\` (${resolved.minDelayMs})`, resolved.maxDelayMs);
  }
  return resolved;
}

export function resolveClock(clock: SinkClock | undefined): SinkClock {
  const c = clock ?? systemClock;
  if (typeof c !== 'object' || c === null || typeof c.now !== 'function' || typeof c.setTimeout !== 'function' || typeof c.clearTimeout !== 'function') {
    throw new InvalidOptionError('clock', 'an object with `now`, `setTimeout` and `clearTimeout`', c);
  }
  return c;
}

/** The wait before the next attempt after `attempt` failed; a `Retry-After` wins, within the cap. */
export function backoffMs(retry: Required<RetryOptions>, attempt: number, random: () => number, retryAfterMs?: number): number {
  const { minDelayMs, maxDelayMs, factor, jitter } = retry;
  const exponential = Math.min(maxDelayMs, minDelayMs * factor ** (attempt - 1));
  const spread = exponential * jitter * (random() * 2 - 1);
  const delay = Math.round(Math.min(maxDelayMs, Math.max(0, exponential + spread)));
  return retryAfterMs === undefined ? delay : Math.min(maxDelayMs, Math.max(delay, retryAfterMs));
}
