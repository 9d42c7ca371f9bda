/** The simulator's request history: every request as it was answered, the newest `limit` kept. */
import type { RequestRecord } from './types.js';

export class RequestHistory {
  /** Oldest first; the array `Simulator.history` is (trimmed in place, never replaced). */
  readonly records: RequestRecord[] = [];
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Adds the record of a request that just arrived; it is filled in as the request is answered. */
  add(record: RequestRecord): RequestRecord {
    const records = this.records;
    records.push(record);
    // Dropped in batches of a tenth, so that trimming costs O(1) a request on average.
    if (records.length > this.#limit + Math.ceil(this.#limit / 10)) records.splice(0, records.length - this.#limit);
    return record;
  }
}
