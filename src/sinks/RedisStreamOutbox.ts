/**
 * An outbox in a Redis Stream, so that a replacement process (on another machine) delivers what its
 * predecessor accepted and left undelivered. Entries are `XADD`ed in order; a delivered one is
 * `XDEL`ed; a given-up one is moved to `<key>:dead` with the reason. Repeats are recognised for
 * `keepKeysMs` by a `<key>:seen:<idempotency key>` marker set in the same script as the `XADD`.
 *
 * One forwarder delivers from an outbox at a time (the one holding the account's lease).
 * `add()` resolves once Redis has the entry: until then a crash of this process loses it.
 */
import { InvalidOptionError } from '../exotel/errors.js';
import type { Outbox, OutboxEntry } from './Outbox.js';
import type { RedisCommands } from './RedisCommands.js';

export interface RedisStreamOutboxOptions {
  redis: RedisCommands;
  /** The stream's key, e.g. `exotel-calls:acme1:webhook:outbox`. */
  key: string;
  /** How long an accepted key is remembered, to drop a repeat. @default 604_800_000 (7 days) */
  keepKeysMs?: number;
  /** The clock for the `at` fields. @default Date.now */
  now?: () => number;
}

// KEYS[1] stream, KEYS[2] seen marker; ARGV key, type, body, at, keepMs. Atomic: a marker never
// exists without its entry.
const ADD = `if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[5]) then
  return redis.call('XADD', KEYS[1], '*', 'key', ARGV[1], 'type', ARGV[2], 'body', ARGV[3], 'at', ARGV[4])
end
return false`;

function fields(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(list)) return out;
  for (let i = 0; i + 1 < list.length; i += 2) out[String(list[i])] = String(list[i + 1]);
  return out;
}

export class RedisStreamOutbox implements Outbox {
  readonly key: string;
  readonly #redis: RedisCommands;
  readonly #keepKeysMs: number;
  readonly #now: () => number;
  readonly #ids = new Map<string, { id: string; type: string; body: string }>();
  #pending = 0;

  constructor(options: RedisStreamOutboxOptions) {
    if (typeof options?.redis?.call !== 'function') throw new InvalidOptionError('redis', 'a Redis client with `call(command, ...args)` (ioredis)', options?.redis);
    if (typeof options.key !== 'string' || options.key.length === 0) throw new InvalidOptionError('key', 'a Redis key', options.key);
    const keep = options.keepKeysMs ?? 604_800_000;
    if (!Number.isInteger(keep) || keep < 1000) throw new InvalidOptionError('keepKeysMs', 'an integer of at least 1000', keep);
    this.key = options.key;
    this.#redis = options.redis;
    this.#keepKeysMs = keep;
    this.#now = options.now ?? Date.now;
  }

  get pending(): number {
    return this.#pending;
  }

  /** Reads the stream's length (what a predecessor left, too). */
  async refresh(): Promise<number> {
    this.#pending = Number(await this.#redis.call('XLEN', this.key));
    return this.#pending;
  }

  async add(entry: { key: string; type: string; body: string }): Promise<boolean> {
    const seen = `${this.key}:seen:${entry.key}`;
    const id = await this.#redis.call('EVAL', ADD, 2, this.key, seen, entry.key, entry.type, entry.body, this.#now(), this.#keepKeysMs);
    if (id === null || id === undefined || id === 0) return false;
    this.#pending += 1;
    return true;
  }

  async peek(): Promise<OutboxEntry | undefined> {
    const reply = (await this.#redis.call('XRANGE', this.key, '-', '+', 'COUNT', 1)) as Array<[string, unknown]>;
    const first = reply[0];
    if (!first) {
      this.#pending = 0;
      return undefined;
    }
    const f = fields(first[1]);
    if (f.key === undefined || f.body === undefined) {
      // Not an entry this outbox wrote: drop it rather than block the queue behind it forever.
      await this.#redis.call('XDEL', this.key, first[0]);
      return this.peek();
    }
    this.#ids.set(f.key, { id: first[0], type: f.type ?? '', body: f.body });
    return { key: f.key, type: f.type ?? '', body: f.body, at: Number(f.at ?? 0) };
  }

  async markDone(key: string): Promise<void> {
    const known = this.#ids.get(key);
    if (known === undefined) return;
    await this.#redis.call('XDEL', this.key, known.id);
    this.#ids.delete(key);
    this.#pending = Math.max(0, this.#pending - 1);
  }

  async markDead(key: string, reason: string): Promise<void> {
    const known = this.#ids.get(key);
    if (known === undefined) return;
    // The dead-letter record: the reason and the body, to replay by hand.
    await this.#redis.call('XADD', `${this.key}:dead`, '*', 'key', key, 'type', known.type, 'reason', reason, 'at', this.#now(), 'body', known.body);
    await this.markDone(key);
  }

  close(): void {
    // The connection is the caller's.
  }
}

/** An outbox in the Redis Stream `key`; call `refresh()` to learn what a predecessor left. */
export function redisStreamOutbox(options: RedisStreamOutboxOptions): RedisStreamOutbox {
  return new RedisStreamOutbox(options);
}
