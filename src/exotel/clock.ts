/**
 * The local clock the client reads and sets its timers on (backoff waits, the 429 pause, the
 * "now" of a query's six-month check): the system's by default, one a test controls otherwise.
 */

/** A clock: `now()` in epoch ms, and timers on the same time. */
export interface ClientClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * `Date.now()` and the global timers, looked up at each call: a fake clock installed after the
 * client was created (`@sinonjs/fake-timers`) drives it too.
 */
export const systemClock: ClientClock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (callback: () => void, ms: number): unknown => setTimeout(callback, ms),
  clearTimeout: (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
});

/** Waits `ms` on `clock`, or less when `signal` aborts (then resolves; the caller checks the signal). */
export function sleep(ms: number, signal: AbortSignal, clock: ClientClock): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      clock.clearTimeout(timer);
      resolve();
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
