/**
 * The retry loop of one request: p-retry around the attempt, our own delays (the response's
 * `Retry-After`, capped, else exponential backoff with jitter) waited on the client's clock, and
 * the caller's `onRetry` told before each wait. Every attempt goes through the limiter again (the
 * caller's `attempt` does that), so retries count against the quota and hold no slot while they wait.
 */
import pRetry from 'p-retry';
import { sleep } from './clock.js';
import type { ClientClock } from './clock.js';
import { ExotelError } from './errors.js';
import { retryAfterOf } from './http.js';
import { backoffDelay, isTransientError } from './retry.js';

/** What `onRetry` is told before each retry (frozen). */
export interface RetryContext {
  /** The failure that will be retried. */
  error: ExotelError;
  /** The attempt that failed, from 1. */
  attemptNumber: number;
  /** Retries left after this one is spent. */
  retriesLeft: number;
  /** How long the client waits before queueing the retry. */
  delayMs: number;
}

/** How a client retries (its options, validated). */
export interface RetryPolicy {
  retries: number;
  retryMinTimeoutMs: number;
  retryMaxTimeoutMs: number;
  maxRetryAfterMs: number;
  onRetry: ((context: Readonly<RetryContext>) => void) | undefined;
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not transient (see
 * `isTransientError`), the retries run out, or `signal` aborts; throws the last error.
 */
export function withRetries<T>(attempt: (attemptNumber: number) => Promise<T>, policy: RetryPolicy, signal: AbortSignal, clock: ClientClock): Promise<T> {
  return pRetry(attempt, {
    retries: policy.retries,
    // The delay is ours (Retry-After, jitter), taken in shouldRetry: p-retry must not add its own.
    minTimeout: 0,
    maxTimeout: 0,
    signal,
    shouldRetry: async ({ error, attemptNumber, retriesLeft, retriesConsumed }) => {
      if (!(error instanceof ExotelError) || !isTransientError(error) || signal.aborted) return false;
      const after = retryAfterOf.get(error);
      const delayMs = after === undefined ? backoffDelay(retriesConsumed, policy.retryMinTimeoutMs, policy.retryMaxTimeoutMs) : Math.min(after, policy.maxRetryAfterMs);
      if (policy.onRetry) {
        try {
          policy.onRetry(Object.freeze({ error, attemptNumber, retriesLeft: retriesLeft - 1, delayMs }));
        } catch {
          // A failing observer must not change what the client does.
        }
      }
      await sleep(delayMs, signal, clock);
      return !signal.aborted;
    },
  });
}
