/**
 * What every attempt of a client passes before it is sent: the limiter (the account's quota, by
 * priority), then the pause a 429 sets. A 429's `Retry-After` says the account's quota is spent,
 * so every request of the client waits, not only the one that got it (each would get its own 429
 * otherwise, and some APIs count those).
 */
import type Bottleneck from 'bottleneck';
import { sleep } from './clock.js';
import type { ClientClock } from './clock.js';

export class QuotaGate {
  readonly #limiter: Bottleneck;
  readonly #clock: ClientClock;
  /** Local time before which no attempt starts. */
  #pausedUntil = 0;

  constructor(limiter: Bottleneck, clock: ClientClock) {
    this.#limiter = limiter;
    this.#clock = clock;
  }

  /** Holds every attempt that has not started yet for `ms` from now (a longer pause already set stays). */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.now() + ms);
  }

  /**
   * Runs `task` through the limiter at `priority`, once any pause is over. Rejects when `signal`
   * aborts while the attempt waits (in the queue or in the pause).
   */
  run<T>(priority: number, signal: AbortSignal, task: () => Promise<T>): Promise<T> {
    const job = this.#limiter.schedule({ priority }, async () => {
      // Checked when the limiter starts the job: one queued before a 429 came back waits too.
      await this.#untilResumed(signal);
      if (signal.aborted) throw new Error('aborted while queued');
      return task();
    });
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new Error('aborted while queued'));
      signal.addEventListener('abort', onAbort, { once: true });
      job.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /** Waits out the pause (again, if another 429 lengthened it meanwhile). */
  async #untilResumed(signal: AbortSignal): Promise<void> {
    for (let wait = this.#pausedUntil - this.#clock.now(); wait > 0 && !signal.aborted; wait = this.#pausedUntil - this.#clock.now()) {
      await sleep(wait, signal, this.#clock);
    }
  }
}
