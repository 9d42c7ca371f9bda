/**
 * The API's clock as the client knows it: the local clock plus the offset of the latest
 * response's `Date` header from the local time it arrived at (0 before any response). Queries are
 * checked against it (the six-month limit is the server's), and `ExotelClient.clockOffsetMs`
 * reports it. How the offset is estimated lives here alone.
 */
import type { ClientClock } from './clock.js';

export class ServerClock {
  readonly #local: ClientClock;
  #offsetMs = 0;

  constructor(local: ClientClock) {
    this.#local = local;
  }

  /** Server clock minus local clock, ms. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** A response just arrived with this `Date` header (epoch ms; undefined when it had none). */
  observe(serverDateMs: number | undefined): void {
    if (serverDateMs !== undefined) this.#offsetMs = serverDateMs - this.#local.now();
  }

  /** "Now" on the server's clock, epoch ms. */
  now(): number {
    return this.#local.now() + this.#offsetMs;
  }
}
