/** The client's counters: what `ExotelClient.stats()` returns. */

/** Counters since the client was created. */
export interface ClientStats {
  /** Attempts sent (first attempts and retries). */
  requests: number;
  /** Attempts that were retries. */
  retries: number;
  /** Responses received, by status class. */
  responses: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** 429 responses. */
  rateLimited: number;
  /** Attempts that got no response, or a body cut by a timeout or an abort (network faults, timeouts, aborts). */
  failures: number;
}

function statusClass(status: number): keyof ClientStats['responses'] | undefined {
  if (status >= 100 && status < 200) return '1xx';
  if (status < 300) return '2xx';
  if (status < 400) return '3xx';
  if (status < 500) return '4xx';
  if (status < 600) return '5xx';
  return undefined;
}

/** Counts attempts, retries and responses. */
export class StatsCounter {
  readonly #stats: ClientStats = { requests: 0, retries: 0, responses: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 }, rateLimited: 0, failures: 0 };

  /** An attempt is sent; `retry` when it is not the first of its request. */
  attempt(retry: boolean): void {
    this.#stats.requests++;
    if (retry) this.#stats.retries++;
  }

  /** A response arrived with this status. */
  response(status: number): void {
    const cls = statusClass(status);
    if (cls) this.#stats.responses[cls]++;
    if (status === 429) this.#stats.rateLimited++;
  }

  /** An attempt got no response (or lost its body to a timeout or an abort). */
  failure(): void {
    this.#stats.failures++;
  }

  /** A copy of the counters. */
  snapshot(): ClientStats {
    return { ...this.#stats, responses: { ...this.#stats.responses } };
  }
}
