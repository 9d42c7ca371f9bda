import { ExotelError, InvalidOptionError } from '../exotel/errors.js';
import { invalidStateReason } from '../stores/validateState.js';
import type { Store, StoreState } from '../stream/types.js';
import type { RedisClient } from './RedisClient.js';
import { RedisLink, assertRedisClient } from './redisLink.js';
import { loadStateText, saveStateText } from './stateScripts.js';

/** Options of `redisStore`. */
export interface RedisStoreOptions {
  /**
   * The state is the hash `<prefix>state` (its `data` field holds the state's JSON). One stream
   * writes a given prefix; give each account its own, e.g. `'exotel:acme1:'`, which is where a
   * `createRedisCallStream` or `createCallFleet` on prefix `'exotel:'` keeps account `acme1`.
   * @example 'exotel:acme1:'
   */
  prefix: string;
  /** Longest wait for Redis to answer a load or a save. @default 5_000 */
  timeoutMs?: number;
}

/**
 * A store that keeps the stream's state in Redis, so that a restart, or another process on the
 * same prefix (one at a time), resumes from the checkpoint and never emits a remembered Sid again.
 * The client is yours: the store never closes it.
 *
 * Each save replaces the whole state in one command (atomic: Redis holds the previous state or
 * the new one, never a mix), in the order the saves were called. The state is what the stream
 * hands over, bounded by its lookback horizon. A key that holds something else than a valid state
 * (another type, a truncated or foreign JSON) is an `ERR_STORE` error, never an empty store; so is
 * a state that vanished after this store saved it (Redis restarted without persistence, the key
 * was evicted or deleted): starting empty would emit the whole lookback again.
 *
 * For several processes on one account, where only one may poll and emit, use
 * `createRedisCallStream`: its saves are fenced by a lease.
 *
 * @example
 * import Redis from 'ioredis';
 * createCallStream({ …, store: redisStore(new Redis(process.env.REDIS_URL), { prefix: 'exotel:acme1:' }) });
 */
export function redisStore(redis: RedisClient, options: RedisStoreOptions): Store {
  const client = assertRedisClient(redis);
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object with `prefix`', options);
  const { prefix } = options;
  if (typeof prefix !== 'string' || prefix.length === 0) throw new InvalidOptionError('prefix', 'a non-empty string such as `exotel:acme1:`', prefix);
  const timeoutMs = options.timeoutMs ?? 5_000;
  if (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
    throw new InvalidOptionError('timeoutMs', 'a positive integer of milliseconds', timeoutMs);
  }
  const link = new RedisLink(client, timeoutMs);
  const keys = { state: `${prefix}state`, lease: `${prefix}lease`, outbox: `${prefix}outbox` };
  const storeError = (message: string, cause?: unknown) => new ExotelError('ERR_STORE', `${message} (Redis key ${keys.state})`, { cause });
  let savedOnce = false;
  // Saves run one after the other, in call order: the last one called is the one that stays.
  let queue: Promise<unknown> = Promise.resolve();

  async function load(): Promise<StoreState | undefined> {
    await queue.catch(() => undefined);
    let result;
    try {
      result = await loadStateText(link, keys, '');
    } catch (error) {
      throw storeError(`Cannot read the call stream state from Redis: ${(error as Error).message}`, error);
    }
    if (result.kind === 'none') {
      if (savedOnce) throw storeError('The call stream state was removed from Redis after it was saved (a restart without persistence, an eviction or a deletion)');
      return undefined;
    }
    if (result.kind !== 'ok') throw storeError(`The Redis key is not a call stream state: ${result.kind === 'unusable' ? result.reason : result.kind}`);
    let state: unknown;
    try {
      state = JSON.parse(result.text);
    } catch (error) {
      throw storeError(`The call stream state in Redis is not valid JSON (${result.text.length} characters; written by something else?). Delete the key to start fresh, reading back over the lookback once`, error);
    }
    const reason = invalidStateReason(state);
    if (reason !== undefined) throw storeError(`The call stream state in Redis is not a valid state: ${reason}`);
    return state as StoreState;
  }

  async function write(text: string): Promise<void> {
    let result;
    try {
      result = await saveStateText(link, keys, '', text);
    } catch (error) {
      throw storeError(`Cannot save the call stream state to Redis: ${(error as Error).message}`, error);
    }
    if (result !== 'ok') throw storeError(`Cannot save the call stream state to Redis: ${typeof result === 'object' ? result.unusable : result}`);
    savedOnce = true;
  }

  function save(state: StoreState): Promise<void> {
    const reason = invalidStateReason(state);
    if (reason !== undefined) return Promise.reject(storeError(`Cannot save the call stream state: ${reason}`));
    // Serialized now, so a caller mutating `state` after calling save changes nothing.
    const text = JSON.stringify(state);
    const run = queue.catch(() => undefined).then(() => write(text));
    queue = run;
    return run;
  }

  return {
    load,
    save,
    async close() {
      await queue.catch(() => undefined);
    },
  };
}
