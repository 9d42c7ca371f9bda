/** Where a sink keeps accepted events until they are delivered: a file, or a Redis Stream. */

export interface OutboxEntry {
  /** The event's idempotency key. */
  key: string;
  type: string;
  /** The event body exactly as it is sent. */
  body: string;
  /** When the entry was added (epoch ms). */
  at: number;
}

/**
 * An outbox: accepted entries in order, each marked done (delivered) or dead (given up). One
 * process delivers from an outbox at a time; a replacement delivers what its predecessor left.
 */
export interface Outbox {
  /** Entries waiting, as far as this process knows (exact for a file; a cached count for Redis). */
  readonly pending: number;
  /** Durably adds an entry; false (and nothing written) when its key is already known. */
  add(entry: { key: string; type: string; body: string }): boolean | Promise<boolean>;
  /** The oldest entry waiting. */
  peek(): OutboxEntry | undefined | Promise<OutboxEntry | undefined>;
  /** Marks the entry delivered. */
  markDone(key: string): void | Promise<void>;
  /** Marks the entry given up, with the reason. */
  markDead(key: string, reason: string): void | Promise<void>;
  close(): void | Promise<void>;
}
