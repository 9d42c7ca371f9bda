/**
 * The last N events pushed to wallboard pages, by sequence number, so that a page that lost its
 * connection can ask for everything after its `Last-Event-ID` and get exactly that.
 */

export interface Sequenced {
  seq: number;
}

export class ReplayBuffer<T extends Sequenced> {
  readonly capacity: number;
  readonly #items: T[] = [];

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Appends an event; its `seq` must be one more than the last one's. */
  push(item: T): void {
    const last = this.#items[this.#items.length - 1];
    if (last && item.seq !== last.seq + 1) {
      throw new RangeError(`Expected sequence ${last.seq + 1}, got ${item.seq}`);
    }
    this.#items.push(item);
    // Trimming in blocks keeps push amortized O(1) without a ring's index arithmetic.
    if (this.#items.length > this.capacity * 2) this.#items.splice(0, this.#items.length - this.capacity);
  }

  /** The sequence number of the oldest event that can still be replayed, or undefined when empty. */
  get oldestSeq(): number | undefined {
    const start = Math.max(0, this.#items.length - this.capacity);
    return this.#items[start]?.seq;
  }

  get lastSeq(): number | undefined {
    return this.#items[this.#items.length - 1]?.seq;
  }

  /**
   * Every event after `seq`, in order; `undefined` when some of them are no longer held (the
   * caller must then send a full snapshot instead).
   */
  after(seq: number): T[] | undefined {
    const last = this.lastSeq;
    if (last === undefined) return seq === 0 ? [] : undefined;
    if (seq === last) return [];
    if (seq > last) return undefined;
    const oldest = this.oldestSeq ?? last;
    if (seq < oldest - 1) return undefined;
    const first = this.#items.length - (last - seq);
    return this.#items.slice(first);
  }
}
